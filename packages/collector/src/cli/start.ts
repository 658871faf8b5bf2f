import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { relative } from 'node:path';
import type { RunningServer } from '../node/server';
import { listen, runUntilSignal } from './lifecycle';
import { setAdminPassword, ensureDashboardAuth } from '../dashboard/auth';
import { findDemoSite } from '../routes/demo';
import type { Store } from '../store/types';
import { CliError, type CliIo } from './io';
import { intFlag, metricsTokenFlag, minFreeDiskFlag } from './serve';
import { seedDemo, createDemoSite, isInterruptedDemoSeed } from './demo-seed';

export const summary = 'First run: collector + dashboard + demo shop with a seeded demo dataset';

const HELP = `Usage: omnitrail start [options]

Start the collector with its dashboard and the demo shop. Whenever the database holds no demo
site (the first run, and again after "omnitrail demo remove") it creates one filled with a
generated, clearly-labelled demo dataset: after removing it, start with --no-demo. On the first
run it also creates an admin password for the dashboard (printed once).

Options:
  --port <n>            Port (env PORT, default 8787; 0 = any free port)
  --host <addr>         Interface to bind (env HOST, default 127.0.0.1)
  --db <file>           SQLite database (env OMNITRAIL_DB, default ./omnitrail.db)
  --no-demo             Do not seed demo data
  --demo-persons <n>    Size of the demo dataset in persons (default 1500)
  --reset-password      Set a new admin password (printed) and log out every dashboard session
  --password <pw>       Use this admin password instead of a generated one (env OMNITRAIL_ADMIN_PASSWORD)
  --metrics-token <t>   Require Authorization: Bearer <t> on /metrics (env OMNITRAIL_METRICS_TOKEN)
  --min-free-disk <MB>  /healthz answers 503 below this much free disk (env OMNITRAIL_MIN_FREE_DISK_MB;
                        default 100; 0 = no check)
  --quiet               Print only the URLs
  -h, --help            Show this help`;

/** A readable random password: 4 groups of 4 from an alphabet without look-alikes (~95 bits). */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  const bytes = randomBytes(32);
  let out = '';
  for (let i = 0; out.replace(/-/g, '').length < 16; i++) {
    // Rejection sampling keeps every character equally likely.
    if (bytes[i] >= alphabet.length * Math.floor(256 / alphabet.length)) continue;
    out += alphabet[bytes[i] % alphabet.length];
    if (out.replace(/-/g, '').length % 4 === 0 && out.replace(/-/g, '').length < 16) out += '-';
  }
  return out;
}

/**
 * Make sure the dashboard has an admin password. Returns the new password when one was set now
 * (first run, `--reset-password`, or `--password`), else null.
 *
 * @example
 * const pw = await ensureAdminPassword(store, { reset: false }); // 'abcd-…' on first run
 */
export async function ensureAdminPassword(store: Store, opts: { reset?: boolean; password?: string }): Promise<string | null> {
  const auth = await ensureDashboardAuth(store);
  if (auth.passwordHash && !opts.reset && !opts.password) return null;
  const pw = opts.password || generatePassword();
  if (pw.length < 8) throw new CliError('the admin password needs at least 8 characters');
  await setAdminPassword(store, pw);
  return pw;
}

/** How the user invoked the CLI, so printed commands can be pasted (`pnpm start` runs dist/cli.js). */
function cliName(): string {
  const script = process.argv[1] ?? '';
  if (/[\\/]dist[\\/]cli\.js$/.test(script) && process.env.npm_lifecycle_event === 'start') return 'npx -y pnpm@10 omnitrail';
  const rel = relative(process.cwd(), script);
  return /cli\.js$/.test(script) ? `node ${rel && !rel.startsWith('..') ? rel : script}` : 'omnitrail';
}

/** Options of {@link startFirstRun}. */
export interface FirstRunOptions {
  port: number;
  host: string;
  dbPath: string;
  /** Seed the demo dataset when the database has none (default true). */
  demo?: boolean;
  persons?: number;
  resetPassword?: boolean;
  password?: string;
  /** Bearer token for /metrics (CollectorOptions.metricsToken). */
  metricsToken?: string;
  /** CollectorOptions.minFreeDiskBytes. */
  minFreeDiskBytes?: number;
  quiet?: boolean;
}

/**
 * Start the collector, make sure the dashboard has an admin password, seed the demo site on
 * first run, and print the URLs. Returns the running server (the caller stops it).
 *
 * @example
 * const srv = await startFirstRun({ port: 0, host: '127.0.0.1', dbPath: '/tmp/o.db', persons: 100 }, stdio);
 * await srv.close();
 */
export async function startFirstRun(o: FirstRunOptions, io: CliIo): Promise<RunningServer> {
  const { port, host, dbPath } = o;
  const persons = o.persons ?? 1500;
  const say = o.quiet ? () => {} : io.out;
  const srv = await listen({ port, host, dbPath, quiet: true, metricsToken: o.metricsToken, minFreeDiskBytes: o.minFreeDiskBytes }, o.quiet ? undefined : io);
  const store = srv.store;
  // Browsers treat localhost and 127.0.0.1 as different origins; show the friendlier one.
  const shown = host === '127.0.0.1' || host === '0.0.0.0' || host === '::' ? `http://localhost:${srv.port}` : srv.url;

  try {
    const password = await ensureAdminPassword(store, { reset: o.resetPassword, password: o.password });
    let demo = await findDemoSite(store);
    let keys: { writeKey: string; secretKey?: string } | null = demo ? { writeKey: demo.writeKey } : null;
    if (o.demo !== false && !(demo && demo.settings.demoSeededAt)) {
      // A seed interrupted earlier (Ctrl+C during the first start) left a demo site with part of
      // the data and no `demoSeededAt`: remove it, so one complete demo site remains.
      for (const s of (await store.listSites()).filter(isInterruptedDemoSeed)) {
        say(`Removing an interrupted demo seed ("${s.name}", ${s.id})…`);
        await store.removeSite(s.id);
      }
      const created = await createDemoSite(store);
      say(`Seeding the demo dataset (${persons} generated persons)…`);
      const t0 = Date.now();
      const stats = await seedDemo(store, created, { persons, now: Date.now(), baseUrl: shown, progress: o.quiet ? undefined : (m) => io.err(m) });
      say(`Seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${stats.summary}`);
      demo = (await store.getSite(created.site.id)) ?? created.site;
      keys = { writeKey: created.site.writeKey, secretKey: created.secretKey };
    }
    io.out('');
    io.out(`Omnitrail is running — database ${dbPath}`);
    io.out('');
    io.out(`  Dashboard   ${shown}/dashboard`);
    if (password) io.out(`              admin password: ${password}   (shown once; set a new one with --reset-password)`);
    else io.out(`              log in with the admin password set at first start (forgot it? ${cliName()} start --reset-password)`);
    if (demo) io.out(`  Demo shop   ${shown}/demo/   (events go to the site "${demo.name}")`);
    io.out(`  API         ${shown}/v1/   e.g. POST /v1/batch, /v1/orders; GET /v1/reports/attribution`);
    io.out(`  SDK         ${shown}/sdk/omnitrail.min.js`);
    if (keys) {
      io.out(`  Keys        write key ${keys.writeKey}${keys.secretKey ? `   secret key ${keys.secretKey} (shown once; also logs into the dashboard)` : ''}`);
    }
    // `start` seeds whenever no demo site exists: say how to keep it away once removed.
    if (demo) io.out(`\n  The demo site holds generated data. Remove it with: ${cliName()} demo remove${dbPath !== './omnitrail.db' ? ` --db ${dbPath}` : ''} (then start with --no-demo)`);
    io.out('\nStop with Ctrl+C.');
  } catch (e) {
    await srv.close();
    throw e;
  }
  return srv;
}

/**
 * `omnitrail start`: the first-run experience.
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
      'no-demo': { type: 'boolean' },
      'demo-persons': { type: 'string' },
      'reset-password': { type: 'boolean' },
      password: { type: 'string' },
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
  const srv = await startFirstRun(
    {
      port,
      host: values.host ?? process.env.HOST ?? '127.0.0.1',
      dbPath: values.db ?? process.env.OMNITRAIL_DB ?? './omnitrail.db',
      persons: intFlag('--demo-persons', values['demo-persons'], 1500),
      demo: !values['no-demo'],
      resetPassword: values['reset-password'],
      password: values.password ?? process.env.OMNITRAIL_ADMIN_PASSWORD,
      metricsToken: metricsTokenFlag(values['metrics-token']),
      minFreeDiskBytes: minFreeDiskFlag(values['min-free-disk']),
      quiet: values.quiet,
    },
    io,
  );
  return runUntilSignal(srv, values.quiet ? { out: () => {}, err: io.err } : io);
}
