// `pnpm bench`: runs every bench/*.bench.mjs in turn, each in its own Node process (a fresh
// heap, and one bench's servers cannot disturb the next), streaming their tables.
// `node bench/run.mjs ingest qr` runs only the benches whose file name contains a word.
// Exits non-zero if any bench fails. Benches are measurements, not tests: they never run in
// `pnpm test`, and the numbers go into the README.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

const dir = new URL('.', import.meta.url).pathname;
const filters = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => !filters.length || filters.some((w) => f.includes(w)))
  .sort();

if (!benches.length) {
  console.error(`no bench matches ${filters.join(', ')}`);
  process.exit(2);
}
console.log(`Omnitrail benches on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load ${loadavg()[0].toFixed(1)}`);
const results = [];
for (const f of benches) {
  console.log(`\n━━ ${f} ━━`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(dir, f)], { stdio: 'inherit' });
  const ok = r.status === 0;
  results.push({ bench: f, result: ok ? 'ok' : `FAILED (${r.signal ?? r.status})`, seconds: Math.round((performance.now() - t0) / 1000) });
}
console.log('\n━━ summary ━━');
console.table(results);
if (results.some((r) => r.result !== 'ok')) process.exitCode = 1;
