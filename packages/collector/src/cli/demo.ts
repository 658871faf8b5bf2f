import { parseArgs } from 'node:util';
import { openSqliteStore } from '../store/sqlite/index';
import { CliError, type CliIo } from './io';
import { openExistingStore } from './store';
import { intFlag } from './serve';
import { createDemoSite, isInterruptedDemoSeed, isSeededDemoSite, seedDemo } from './demo-seed';

export const summary = 'Seed or remove the generated demo dataset (demo seed | demo remove)';

const HELP = `Usage: omnitrail demo <seed|remove> [options]

  demo seed      Create the demo site and fill it with generated data (through the real store).
                 Refused when the database already holds a complete demo site (remove it
                 first); a seed that was interrupted is removed and made again.
  demo remove    Delete the site(s) the demo seeder made (by "demo seed" or "start") and all
                 of their data (events, orders, identity graph, QR campaigns, …). Real sites
                 are never touched: only sites carrying the seeder's own marker are removed,
                 never the site "serve" creates on an empty database.
                 A collector running on the same database refuses the removed site's write key
                 within 0.25 s (at once when the removal ran in its own process).

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
  const dbPath = values.db ?? process.env.OMNITRAIL_DB ?? './omnitrail.db';
  // Seeding may make a new database; removing from one that does not exist would only create it.
  const store = action === 'remove' ? openExistingStore(dbPath) : openSqliteStore(dbPath);
  try {
    const sites = await store.listSites();
    if (action === 'remove') {
      const demos = sites.filter(isSeededDemoSite);
      // Sites an older `serve` marked `demo` on an empty database may hold real data: named, kept.
      for (const s of sites.filter((x) => x.settings?.demo === true && !isSeededDemoSite(x))) {
        io.out(`Kept "${s.name}" (${s.id}): marked demo, but not made by the demo seeder (an older "omnitrail serve" created it), so it may hold real data.`);
      }
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
    const complete = sites.find((s) => isSeededDemoSite(s) && !isInterruptedDemoSeed(s));
    if (complete) {
      throw new CliError(`this database already holds the demo site "${complete.name}" (${complete.id}); a second copy would duplicate it. Remove it first with "omnitrail demo remove", then seed again.`);
    }
    for (const s of sites.filter(isInterruptedDemoSeed)) {
      io.err(`Removing an interrupted demo seed ("${s.name}", ${s.id})…`);
      await store.removeSite(s.id);
    }
    const created = await createDemoSite(store);
    const stats = await seedDemo(store, created, { persons, now: Date.now(), baseUrl: 'http://localhost:8787', progress: (m) => io.err(m) });
    io.out(`Seeded demo site "${created.site.name}" (${created.site.id}): ${stats.summary}`);
    io.out(`  write key ${created.site.writeKey}   secret key ${created.secretKey} (shown once)`);
    return 0;
  } finally {
    await store.close();
  }
}
