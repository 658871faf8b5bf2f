import { parseArgs } from 'node:util';
import { openSqliteStore } from '../store/sqlite/index';
import { normaliseOrigin } from '../ingest/cors';
import { CliError, type CliIo } from './io';

export const summary = 'Create and list sites (write key, secret key, allowed origins)';

const HELP = `Usage:
  omnitrail site create --name <name> --origin <url> [--origin <url> …] [--json] [--db <file>]
  omnitrail site list [--json] [--db <file>]

create  Prints the site id, the public write key and the secret key. The secret key is stored
        hashed and shown only this once. --origin is a page origin allowed to send events from
        a browser (CORS), e.g. https://shop.example; "*" allows any origin.
        --json prints exactly {"id","writeKey","secretKey"} on stdout.
list    Prints every site (never secret keys). --json prints a JSON array.

Options:
  --db <file>   SQLite database file (env OMNITRAIL_DB, default ./omnitrail.db)
  -h, --help    Show this help`;

/**
 * `omnitrail site create|list`.
 *
 * @example
 * await run(['create', '--name', 'Shop', '--origin', 'https://shop.example', '--json'], stdio);
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      name: { type: 'string' },
      origin: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const [action, ...extra] = positionals;
  if (action !== 'create' && action !== 'list') {
    throw new CliError(action ? `unknown action "${action}": use "create" or "list"` : 'missing action: use "create" or "list" (see --help)');
  }
  if (extra.length) throw new CliError(`unexpected argument "${extra[0]}"`);
  const dbPath = values.db ?? process.env.OMNITRAIL_DB ?? './omnitrail.db';

  if (action === 'create') {
    const name = values.name?.trim();
    if (!name) throw new CliError('--name is required');
    if (name.length > 200) throw new CliError('--name is longer than 200 characters');
    const raw = values.origin ?? [];
    if (raw.length === 0) throw new CliError('at least one --origin is required (e.g. --origin https://shop.example, or --origin "*")');
    const origins: string[] = [];
    for (const o of raw) {
      const n = normaliseOrigin(o.trim());
      if (!n) throw new CliError(`--origin "${o}" is not an origin like https://shop.example (or "*")`);
      if (!origins.includes(n)) origins.push(n);
    }
    const store = openSqliteStore(dbPath);
    try {
      const { site, secretKey } = await store.createSite({ name, origins });
      if (values.json) io.out(JSON.stringify({ id: site.id, writeKey: site.writeKey, secretKey }));
      else {
        io.out(`Created site "${site.name}"`);
        io.out(`  site id     ${site.id}`);
        io.out(`  write key   ${site.writeKey}`);
        io.out(`  secret key  ${secretKey}   (shown only now: store it safely)`);
        io.out(`  origins     ${site.origins.join(' ')}`);
      }
    } finally {
      await store.close();
    }
    return 0;
  }

  if (values.name || values.origin) throw new CliError('--name and --origin belong to "site create"');
  const store = openSqliteStore(dbPath);
  try {
    const sites = await store.listSites();
    if (values.json) {
      io.out(JSON.stringify(sites.map((s) => ({ id: s.id, name: s.name, writeKey: s.writeKey, origins: s.origins, createdAt: new Date(s.createdAt).toISOString() }))));
    } else if (sites.length === 0) {
      io.out('No sites yet. Create one with: omnitrail site create --name <name> --origin <url>');
    } else {
      const rows = sites.map((s) => [s.id, s.name, s.writeKey, s.origins.join(' '), new Date(s.createdAt).toISOString().slice(0, 10)]);
      const head = ['ID', 'NAME', 'WRITE KEY', 'ORIGINS', 'CREATED'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      for (const r of [head, ...rows]) io.out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
    }
  } finally {
    await store.close();
  }
  return 0;
}
