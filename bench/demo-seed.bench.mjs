// `omnitrail start` must reach a working demo quickly: time `omnitrail demo seed` (the same
// seeding `start` runs on first start) for the default 1500 persons on a fresh database.
// Target: < 30 s on the reference machine.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = new URL('../packages/collector/dist/cli.js', import.meta.url).pathname;
const rows = [];
for (const persons of [500, 1500]) {
  const dir = mkdtempSync(join(tmpdir(), 'ot-seed-bench-'));
  const t0 = performance.now();
  const out = execFileSync(process.execPath, [cli, 'demo', 'seed', '--db', join(dir, 'demo.db'), '--persons', String(persons)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const s = (performance.now() - t0) / 1000;
  const events = Number(out.match(/(\d+) web events/)?.[1] ?? 0);
  rows.push({ persons, 'web events': events, seconds: +s.toFixed(1), 'events/s': Math.round(events / s) });
  rmSync(dir, { recursive: true, force: true });
}
console.table(rows);
