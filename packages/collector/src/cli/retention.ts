import { parseArgs } from 'node:util';
import { CliError, type CliIo } from './io';
import { openForSite } from './store';

export const summary = 'Delete raw events older than the site retention (default 25 months)';

const HELP = `Usage: omnitrail retention run [--days <n>] [--batch <n>] [--site <id>] [--db <file>] [--json]
       omnitrail retention set --days <n> [--site <id>] [--db <file>]

run  Deletes raw events older than the site's retention in small batches, so a running
     collector keeps ingesting: the first batch deletes 256 rows, each next one halves or
     doubles (32 to 4096 rows) to take about 8 ms, and the job pauses as long as its last batch
     took. --batch <n> fixes the rows per commit instead. Orders and identity links are kept.
     "omnitrail serve" runs the same job every hour.
set  Stores the site's retention in days (e.g. 396 ≈ 13 months, 760 ≈ 25 months).`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { days: { type: 'string' }, batch: { type: 'string' }, site: { type: 'string' }, db: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help || positionals.length === 0) return io.out(HELP), values.help ? 0 : 2;
  const days = values.days === undefined ? undefined : Number(values.days);
  if (days !== undefined && !(Number.isInteger(days) && days > 0)) throw new CliError('--days must be a whole number of days > 0');
  const batch = values.batch === undefined ? undefined : Number(values.batch);
  if (batch !== undefined && !(Number.isInteger(batch) && batch > 0)) throw new CliError('--batch must be a whole number > 0');
  const { store, site } = await openForSite(values.db, values.site);
  try {
    if (positionals[0] === 'set') {
      if (days === undefined) throw new CliError('--days is required');
      await store.updateSiteSettings(site.id, { ...site.settings, retentionDays: days });
      io.out(`retention of ${site.name}: ${days} days`);
      return 0;
    }
    if (positionals[0] !== 'run') throw new CliError(`unknown subcommand "${positionals[0]}"`);
    const r = await store.runRetention(site.id, { retentionDays: days, batchSize: batch });
    if (values.json) io.out(JSON.stringify(r));
    else io.out(`deleted ${r.deleted} events older than ${new Date(r.cutoff).toISOString()} in ${r.batches} batches`);
    return 0;
  } finally {
    await store.close();
  }
}
