// Real-browser harness for the SDK: Debian Chromium through playwright-core, a real collector
// (startServer + a temp SQLite file), and the test pages served by Playwright request routing
// (so they load even while the browser is offline, like a page from the HTTP cache).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser, type BrowserContext, type Page, type Route } from 'playwright-core';
import { openSqliteStore, startServer, type RunningServer, type SqliteStore } from '../../collector/src/node/index';

const sdkDir = fileURLToPath(new URL('..', import.meta.url));
const dist = join(sdkDir, 'dist');

/** Page origin: localhost is a secure context (Web Locks, crypto) and cross-origin to the collector. */
export const PAGE_ORIGIN = 'http://localhost:4173';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  // The test pages are served by request routing, which Chromium counts as the public address
  // space; the collector listens on loopback. Local Network Access would block that pairing,
  // which never occurs in production (shop and collector are both public).
  '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights',
];

export type PageKind = 'script' | 'esm';

/** The two test pages: the copy-paste snippet, and an ES-module app. Both expose `window.t(method, ...args)`. */
export function pageHtml(kind: PageKind | 'vitals', collector: string, writeKey: string): string {
  const host = `<p id="host">host page</p><script>window.hostTicks = 0; setInterval(() => window.hostTicks++, 10);</script>`;
  if (kind === 'esm') {
    return `<!doctype html><html><head><title>ESM page</title>
<script type="importmap">{"imports":{"idb-keyval":"/nm/idb-keyval.js","web-vitals":"/nm/web-vitals.js"}}</script>
<script type="module">
import { createTracker, trackPageviews, sessions, keepalive, idRefresh, scanToken, handoffCode } from '/dist/index.js';
import { idbQueue } from '/dist/queue.js';
const tracker = createTracker({ writeKey: ${JSON.stringify(writeKey)}, endpoint: ${JSON.stringify(collector)}, queue: idbQueue, flushDelay: 200,
  plugins: [sessions(), keepalive(), idRefresh(), scanToken()] });
trackPageviews(tracker);
window.t = (m, ...a) => (m === 'handoffCode' ? handoffCode(tracker) : tracker[m](...a));
window.sdkReady = true;
</script></head><body>${host}</body></html>`;
  }
  const file = kind === 'vitals' ? 'omnitrail.vitals.min.js' : 'omnitrail.min.js';
  // The documented async snippet, with the pre-load stub queue.
  return `<!doctype html><html><head><title>Script page</title>
<script>
!function(w,d,s){w.omnitrail=w.omnitrail||function(){(w.omnitrail.q=w.omnitrail.q||[]).push(arguments)};
s=d.createElement('script');s.async=1;s.src='/dist/${file}';
s.dataset.writeKey=${JSON.stringify(writeKey)};s.dataset.endpoint=${JSON.stringify(collector)};
d.head.appendChild(s)}(window,document);
omnitrail('track','Snippet Queued');
window.t = (m, ...a) => omnitrail(m, ...a);
</script></head><body>${host}</body></html>`;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html' };

/** Serves the pages, dist files and the two runtime dependencies for the ESM page. */
export async function servePages(context: BrowserContext, collector: string, writeKey: string, origin = PAGE_ORIGIN): Promise<void> {
  if (!existsSync(join(dist, 'omnitrail.min.js')) || !existsSync(join(dist, 'index.js'))) {
    throw new Error('packages/sdk/dist is missing: run `pnpm build` (pnpm test:e2e does) first');
  }
  const files: Record<string, string> = {
    '/nm/idb-keyval.js': join(sdkDir, 'node_modules/idb-keyval/dist/index.js'),
    '/nm/web-vitals.js': join(sdkDir, 'node_modules/web-vitals/dist/web-vitals.js'),
  };
  await context.route(`${origin}/**`, (route: Route) => {
    const path = new URL(route.request().url()).pathname;
    const kind = path.slice(1).replace('.html', '');
    if (kind === 'script' || kind === 'esm' || kind === 'vitals') {
      return route.fulfill({ status: 200, contentType: 'text/html', body: pageHtml(kind, collector, writeKey) });
    }
    const file = files[path] ?? (path.startsWith('/dist/') && !path.includes('..') ? join(dist, path.slice(6)) : null);
    if (!file || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ status: 200, contentType: TYPES[extname(file)] ?? 'application/octet-stream', body: readFileSync(file) });
  });
}

export interface Env {
  server: RunningServer;
  store: SqliteStore;
  siteId: string;
  writeKey: string;
  collector: string;
  browser: Browser;
  tmp: string;
  close(): Promise<void>;
}

/** Starts a collector on 127.0.0.1:0 with a temp SQLite file and launches Chromium. */
export async function startEnv(): Promise<Env> {
  const tmp = mkdtempSync(join(tmpdir(), 'ot-sdk-e2e-'));
  const store = openSqliteStore(join(tmp, 'collector.db'));
  await store.migrate();
  const { site } = await store.createSite({ name: 'e2e shop', origins: [PAGE_ORIGIN] });
  const server = await startServer({ store, port: 0, host: '127.0.0.1', quiet: true, rateLimit: false });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  return {
    server,
    store,
    siteId: site.id,
    writeKey: site.writeKey,
    collector: server.url.replace(/\/$/, ''),
    browser,
    tmp,
    async close() {
      await browser.close().catch(() => {});
      await server.close();
      await store.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export interface Row {
  message_id: string;
  type: string;
  event: string | null;
  anonymous_id: string | null;
  i: number | null;
  run: string | null;
  properties: string;
}

/** Rows of the site's events (optionally of one test run, by `properties.run`). */
export function rows(env: Env, run?: string): Row[] {
  const all = env.store.db
    .prepare(
      `SELECT message_id, type, event, anonymous_id, json_extract(properties, '$.i') AS i, json_extract(properties, '$.run') AS run, properties
       FROM events WHERE site_id = ? ORDER BY id`,
    )
    .all(env.siteId) as Row[];
  return run ? all.filter((r) => r.run === run) : all;
}

/** Polls until `check` passes (the SDK delivers asynchronously); bounded by `ms`. */
export async function eventually<T>(check: () => T | Promise<T>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Opens a test page and waits until the SDK is ready (script loaded, snippet replayed). */
export async function open(context: BrowserContext, kind: PageKind | 'vitals', page?: Page, origin = PAGE_ORIGIN): Promise<Page> {
  const p = page ?? (await context.newPage());
  await p.goto(`${origin}/${kind}.html`);
  await waitReady(p, kind);
  return p;
}

export async function waitReady(p: Page, kind: PageKind | 'vitals'): Promise<void> {
  await p.waitForFunction(kind === 'esm' ? () => (window as { sdkReady?: boolean }).sdkReady === true : () => typeof (window as { omnitrail?: { flush?: unknown } }).omnitrail?.flush === 'function');
}

/** Calls a tracker method in the page: `call(page, 'track', 'x', {...})`. */
export function call(p: Page, method: string, ...args: unknown[]): Promise<unknown> {
  return p.evaluate(([m, a]) => (window as unknown as { t: (m: string, ...a: unknown[]) => unknown }).t(m as string, ...(a as unknown[])), [method, args] as const);
}

/** Tracks `count` events numbered from `from` in one page task (as a busy page would). */
export function trackMany(p: Page, run: string, from: number, count: number, pad = 0): Promise<void> {
  return p.evaluate(
    ([run, from, count, pad]) => {
      const t = (window as unknown as { t: (m: string, ...a: unknown[]) => unknown }).t;
      for (let i = from; i < from + count; i++) t('track', 'E2E Event', { run, i, pad: 'x'.repeat(pad as number) });
    },
    [run, from, count, pad] as const,
  );
}

/** Temp directory for a persistent browser profile. */
export function profileDir(env: Env, name: string): string {
  return join(env.tmp, 'profile-' + name);
}

export interface Proxy {
  url: string;
  /** While true, every connection is reset: the collector is unreachable, keepalive requests included. */
  down: boolean;
  close(): Promise<void>;
}

/**
 * A test-only HTTP proxy in front of the collector on 127.0.0.1:0. Switching `down` cuts the
 * network for this origin completely (DevTools offline emulation does not cover keepalive
 * requests, which outlive their page).
 */
export async function startProxy(target: string): Promise<Proxy> {
  const proxy = { down: false } as Proxy;
  const server: Server = createServer(async (req, res) => {
    if (proxy.down) return req.socket.destroy();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers: Record<string, string> = {};
    for (const h of ['origin', 'content-type', 'cookie', 'authorization']) if (req.headers[h]) headers[h] = String(req.headers[h]);
    try {
      const r = await fetch(target + req.url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
      const out: Record<string, string> = {};
      r.headers.forEach((v, k) => {
        if (k !== 'content-encoding' && k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') out[k] = v;
      });
      res.writeHead(r.status, out).end(Buffer.from(await r.arrayBuffer()));
    } catch {
      req.socket.destroy();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  proxy.url = `http://127.0.0.1:${port}`;
  proxy.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return proxy;
}
