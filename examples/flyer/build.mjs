// CI check for this example: start a throw-away collector (temp SQLite file, free port), create a
// site, run the mailing against it and verify the outputs — so the example cannot rot.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '@omnitrail/collector/node';
import { runFlyer } from './flyer.mjs';

const here = new URL('.', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ot-flyer-'));
const srv = await startServer({ dbPath: join(dir, 'flyer.db'), port: 0, quiet: true });
try {
  const { site, secretKey } = await srv.store.createSite({ name: 'Flyer example', origins: ['https://shop.example'] });
  const out = join(here, 'dist');
  rmSync(out, { recursive: true, force: true });
  const res = await runFlyer({ url: srv.url, secretKey, target: 'https://shop.example/spring', recipients: join(here, 'recipients.csv'), out });
  const csv = readFileSync(join(out, 'codes.csv'), 'utf8').trim().split('\n');
  const svgs = readdirSync(join(out, 'codes'));
  const problems = [];
  if (res.codes.length !== 5) problems.push(`expected 5 codes (1 shared + 4 recipients), got ${res.codes.length}`);
  if (csv.length !== 6) problems.push(`codes.csv: expected header + 5 rows, got ${csv.length} lines`);
  if (csv.some((l) => l.includes('@'))) problems.push('codes.csv must not contain e-mail addresses');
  if (svgs.length !== 5) problems.push(`expected 5 SVG files, got ${svgs.length}`);
  if (!existsSync(join(out, 'sheet.html'))) problems.push('sheet.html missing');
  if (problems.length) throw new Error(problems.join('\n'));
  console.log(`flyer example OK (site ${site.id})`);
} finally {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
}
