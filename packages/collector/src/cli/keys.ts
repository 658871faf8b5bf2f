import { parseArgs } from 'node:util';
import { CliError, type CliIo } from './io';
import { openForSite } from './store';

export const summary = 'Rotate, revoke and list a site\'s secret and write keys';

const HELP = `Usage: omnitrail keys rotate --kind secret|write [--overlap <hours>] [--site <id>] [--db <file>] [--json]
       omnitrail keys revoke [--kind secret|write] [--site <id>] [--db <file>]
       omnitrail keys list [--site <id>] [--db <file>] [--json]

rotate  Issues a new key and prints it once. The previous key keeps working for --overlap hours
        (default 24; 0 revokes it at once: use that when a key leaked). Dashboard sessions
        opened with a secret key end when that key stops working. A collector running on the
        same database refuses a key rotated out with --overlap 0 (or revoked) within 0.25 s:
        it checks for commits by other processes at most every 250 ms (SQLite data_version);
        a store without that check would take up to its write-key cache TTL (10 s).
revoke  Ends every overlap now: only the current keys work afterwards.
list    Current and rotated-out keys (prefixes only; secret keys are stored as hashes).`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { kind: { type: 'string' }, overlap: { type: 'string' }, site: { type: 'string' }, db: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help || positionals.length === 0) return io.out(HELP), values.help ? 0 : 2;
  const kind = values.kind;
  if (kind !== undefined && kind !== 'secret' && kind !== 'write') throw new CliError('--kind must be secret or write');
  const { store, site } = await openForSite(values.db, values.site);
  try {
    switch (positionals[0]) {
      case 'rotate': {
        if (!kind) throw new CliError('--kind secret|write is required');
        const hours = values.overlap === undefined ? 24 : Number(values.overlap);
        if (!(Number.isFinite(hours) && hours >= 0)) throw new CliError('--overlap must be a number of hours ≥ 0');
        const r = await store.rotateKey(site.id, kind, hours * 3_600_000);
        if (values.json) io.out(JSON.stringify(r));
        else io.out(`new ${kind} key: ${r.key}\nthe previous ${kind} key works until ${new Date(r.previousExpiresAt).toISOString()}`);
        return 0;
      }
      case 'revoke': {
        const n = await store.revokeOldKeys(site.id, kind);
        io.out(`revoked ${n} rotated-out key${n === 1 ? '' : 's'}`);
        return 0;
      }
      case 'list': {
        const keys = await store.listKeys(site.id);
        if (values.json) io.out(JSON.stringify(keys));
        else
          for (const k of keys) {
            const state = k.current ? 'current' : k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt < Date.now() ? 'expired' : `works until ${new Date(k.expiresAt!).toISOString()}`;
            io.out(`${k.kind.padEnd(7)} ${k.prefix.padEnd(12)} ${state}`);
          }
        return 0;
      }
      default:
        throw new CliError(`unknown subcommand "${positionals[0]}"`);
    }
  } finally {
    await store.close();
  }
}
