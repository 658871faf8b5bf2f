import { parseArgs } from 'node:util';
import { openSqliteStore } from '../store/sqlite/index';
import { CliError, type CliIo } from './io';
import { intFlag } from './serve';
import { DEMO_SITE_NAME, seedDemo } from './demo-seed';

export const summary = 'Seed or remove the generated demo dataset (demo seed | demo remove)';

const HELP = `Usage: omnitrail demo <seed|remove> [options]

  demo seed      Create a demo site and fill it with generated data (through the real store)
  demo remove    Delete every site marked as demo and all of its data (events, orders,
                 identity graph, QR campaigns, …). Real sites are never touched.

Options:
  --db <file>        SQLite database (env OMNITRAIL_DB, default ./omnitrail.db)
  --persons <n>      demo seed: size of the dataset in persons (default 1500)
  -h, --help         Show this help`;

/**
 * `omnitrail demo seed|remove`.
 *
 * @example
 * await run(['remove', '--db', './omnitrail.db'], stdio);
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { db: { type: 'string' }, persons: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const action = positionals[0];
  if (action !== 'seed' && action !== 'remove') throw new CliError(`expected "demo seed" or "demo remove"\n\n${HELP}`);
  const store = openSqliteStore(values.db ?? process.env.OMNITRAIL_DB ?? './omnitrail.db');
  try {
    if (action === 'remove') {
      const demos = (await store.listSites()).filter((s) => s.settings?.demo === true);
      if (!demos.length) {
        io.out('No demo site in this database; nothing removed.');
        return 0;
      }
      for (const s of demos) {
        const removed = await store.removeSite(s.id);
        const rows = Object.values(removed).reduce((a, b) => a + b, 0);
        io.out(`Removed demo site "${s.name}" (${s.id}): ${rows} rows (${Object.entries(removed).map(([t, n]) => `${t} ${n}`).join(', ')}).`);
      }
      return 0;
    }
    const persons = intFlag('--persons', values.persons, 1500);
    const created = await store.createSite({ name: DEMO_SITE_NAME, origins: ['*'], settings: { demo: true } });
    const stats = await seedDemo(store, created, { persons, now: Date.now(), baseUrl: 'http://localhost:8787', progress: (m) => io.err(m) });
    io.out(`Seeded demo site "${created.site.name}" (${created.site.id}): ${stats.summary}`);
    io.out(`  write key ${created.site.writeKey}   secret key ${created.secretKey} (shown once)`);
    return 0;
  } finally {
    await store.close();
  }
}
