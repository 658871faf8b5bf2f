import { parseArgs } from 'node:util';
import type { StartServerOptions } from '../node/server';
import { listen, runUntilSignal } from './lifecycle';
import type { Store } from '../store/types';
import { CliError, type CliIo } from './io';
import { metricsTokenProblem } from '../routes/health';

export const summary = 'Run the collector (HTTP ingest + APIs) on a SQLite database';

const HELP = `Usage: omnitrail serve [options]

Run the collector. On an empty database a first site ("My shop", any origin) is created and its
keys are printed. It is a real site: "omnitrail demo remove" never removes it.

Options:
  --port <n>          Port to listen on (env PORT, default 8787; 0 = any free port)
  --host <addr>       Interface to bind (env HOST, default 127.0.0.1; 0.0.0.0 for all)
  --db <file>         SQLite database file (env OMNITRAIL_DB, default ./omnitrail.db)
  --trust-proxy <n>   Read the client IP from X-Forwarded-For written by n reverse proxies
                      (env OMNITRAIL_TRUST_PROXY; default 0: the socket address)
  --rate-ip <n>       Requests per second per client IP on ingest (default 100, burst 4×; 0 = off)
  --rate-key <n>      Requests per second per write key on ingest (default 2000, burst 2×; 0 = off)
  --public-url <url>  Public URL of this collector, printed into QR codes (<url>/q/<code>)
                      (env OMNITRAIL_PUBLIC_URL; default: the URL each admin request came in on,
                      https when a TLS proxy sends X-Forwarded-Proto: https); an https:// URL
                      also makes the dashboard's cookies Secure
  --metrics-token <t> Require Authorization: Bearer <t> on /metrics (env OMNITRAIL_METRICS_TOKEN,
                      preferred: a flag shows in ps; ≥ 16 characters; default: /metrics open)
  --min-free-disk <MB>
                      /healthz answers 503 while the database's disk has less free space
                      (env OMNITRAIL_MIN_FREE_DISK_MB; default 100; 0 = no check)
  --quiet             Print nothing but errors
  -h, --help          Show this help

SIGTERM / SIGINT stop accepting requests, finish the ones in flight and close the database.`;

/** Parse a non-negative integer flag. */
export function intFlag(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined || v === '') return dflt;
  if (!/^\d+$/.test(v)) throw new CliError(`${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

/**
 * The `--metrics-token` flag or `OMNITRAIL_METRICS_TOKEN`, checked; undefined when neither is set.
 *
 * @example
 * metricsTokenFlag(values['metrics-token']) // 'k3y-…' or undefined
 */
export function metricsTokenFlag(v: string | undefined): string | undefined {
  const token = v ?? process.env.OMNITRAIL_METRICS_TOKEN;
  if (token === undefined || token === '') return undefined;
  const problem = metricsTokenProblem(token);
  if (problem) throw new CliError(`--metrics-token: ${problem}`);
  return token;
}

/**
 * `--min-free-disk` (MB) or `OMNITRAIL_MIN_FREE_DISK_MB`, in bytes; 0 turns the check off.
 *
 * @example
 * minFreeDiskFlag('250') // 262144000
 */
export function minFreeDiskFlag(v: string | undefined): number {
  return intFlag('--min-free-disk', v ?? process.env.OMNITRAIL_MIN_FREE_DISK_MB, 100) * 1_048_576;
}

/** Name of the site `serve` creates on an empty database. */
export const FIRST_SITE_NAME = 'My shop';

/**
 * Create a first site when the database has none, and say how to use its keys. It is a real
 * site, not the demo site (no `settings.demo`): the events and orders sent with its keys are the
 * user's own, and `demo remove` must never take them. Returns true when it created the site.
 *
 * @example
 * await ensureFirstSite(store, 'http://127.0.0.1:8787', io);
 */
export async function ensureFirstSite(store: Store, url: string, io: CliIo): Promise<boolean> {
  if ((await store.listSites()).length > 0) return false;
  const { site, secretKey } = await store.createSite({ name: FIRST_SITE_NAME, origins: ['*'] });
  io.out(
    [
      '',
      `Created a first site "${site.name}" (empty database). Keep the secret key: it is shown only once.`,
      `  site id     ${site.id}`,
      `  write key   ${site.writeKey}   (public: browser SDK, Segment clients)`,
      `  secret key  ${secretKey}   (server APIs: orders, reports, QR, erasure)`,
      '  origins     * (any page may send events; create a site for your shop\'s origin with "omnitrail site create --origin https://…")',
      '',
      `  try: curl -u ${site.writeKey}: -H 'content-type: application/json' \\`,
      `         -d '{"type":"track","event":"Hello","anonymousId":"a1","messageId":"m1"}' ${url}/v1/track`,
      '',
    ].join('\n'),
  );
  return true;
}

/**
 * `omnitrail serve`: start the collector and keep running until SIGTERM/SIGINT.
 *
 * @example
 * await run(['--port', '0', '--db', '/tmp/o.db'], stdio);
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      'trust-proxy': { type: 'string' },
      'rate-ip': { type: 'string' },
      'rate-key': { type: 'string' },
      'public-url': { type: 'string' },
      'metrics-token': { type: 'string' },
      'min-free-disk': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const port = intFlag('--port', values.port ?? process.env.PORT, 8787);
  if (port > 65535) throw new CliError(`--port must be at most 65535, got ${port}`);
  const rateIp = intFlag('--rate-ip', values['rate-ip'], 100);
  const rateKey = intFlag('--rate-key', values['rate-key'], 2000);
  const trustProxy = intFlag('--trust-proxy', values['trust-proxy'] ?? process.env.OMNITRAIL_TRUST_PROXY, 0);
  const publicUrl = values['public-url'] ?? process.env.OMNITRAIL_PUBLIC_URL;
  if (publicUrl !== undefined && !/^https?:\/\/[^/\s]+\/?$/.test(publicUrl)) {
    throw new CliError(`--public-url must be an origin such as https://track.shop.example, got "${publicUrl}"`);
  }
  const opts: Omit<StartServerOptions, 'store'> = {
    metricsToken: metricsTokenFlag(values['metrics-token']),
    minFreeDiskBytes: minFreeDiskFlag(values['min-free-disk']),
    ...(publicUrl ? { publicUrl: publicUrl.replace(/\/$/, '') } : {}),
    port,
    host: values.host ?? process.env.HOST ?? '127.0.0.1',
    dbPath: values.db ?? process.env.OMNITRAIL_DB ?? './omnitrail.db',
    trustProxy,
    quiet: true,
    rateLimit: {
      perIp: rateIp > 0 ? { rate: rateIp, burst: rateIp * 4 } : false,
      perKey: rateKey > 0 ? { rate: rateKey, burst: rateKey * 2 } : false,
    },
  };
  const srv = await listen(opts, values.quiet ? undefined : io);
  const quietIo: CliIo = values.quiet ? { out: () => {}, err: io.err } : io;
  await ensureFirstSite(srv.store, srv.url, quietIo);
  quietIo.out(`omnitrail collector listening on ${srv.url} (database ${opts.dbPath})`);
  return runUntilSignal(srv, quietIo);
}
