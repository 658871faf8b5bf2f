// CI check for this example: import kasse-export.csv into a throw-away database with the real
// CLI, twice (the second run must change nothing), and check the summary lines.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
// The CLI of the workspace dependency (what `npx omnitrail` runs after `npm i @omnitrail/collector`).
const cli = join(here, 'node_modules', '@omnitrail', 'collector', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'ot-pos-'));
const db = join(dir, 'pos.db');
const run = (args, okCodes = [0]) => {
  try {
    return execFileSync(process.execPath, [cli, ...args], { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (okCodes.includes(e.status)) return e.stdout;
    throw new Error(`omnitrail ${args.join(' ')} → exit ${e.status}\n${e.stderr}`);
  }
};
try {
  run(['site', 'create', '--name', 'POS example', '--origin', 'https://shop.example', '--db', db, '--json']);
  // The same flags as `npm run import`, against the temp database; exit 3 = some rows rejected.
  const flags = pkg.scripts.import.split(' ').slice(2).map((s) => s.replace(/^"|"$/g, ''));
  const first = run([...flags, '--db', db], [3]);
  const second = run([...flags, '--db', db], [3]);
  console.log(first.trim());
  console.log(second.trim());
  if (!/7 rows → 6 orders: 5 imported, 0 unchanged, 1 rejected/.test(first)) throw new Error(`unexpected first import summary: ${first}`);
  if (!/0 imported, 5 unchanged, 1 rejected/.test(second)) throw new Error(`re-import must change nothing: ${second}`);
  console.log('pos-import example OK');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
