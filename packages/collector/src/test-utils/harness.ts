import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'vitest';
import type { Hono } from 'hono';
import { createCollector, type CollectorOptions } from '../app';
import type { AppEnv } from '../routes/auth';
import { startServer } from '../node/server';
import { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from '../store/sqlite/index';
import type { Site } from '../store/types';

/** How a test reaches the collector. */
export type Transport = 'app' | 'http';

/** What a harnessed test body receives. */
export interface CollectorFixture {
  transport: Transport;
  /** The real SQLite store behind the app (a fresh temp file per test). */
  store: SqliteStore;
  /** The store's file; its directory is removed when the test body returns. */
  dbPath: string;
  app: Hono<AppEnv>;
  /** A site created for the test (origins `https://shop.example` unless `origins` was given). */
  site: Site;
  writeKey: string;
  secretKey: string;
  /** Base URL: the real server's for `http`, `http://localhost` for `app`. */
  url: string;
  /** `Authorization` header value with the write key (HTTP Basic user name, Segment style). */
  writeAuth: string;
  /** `Authorization` header value with the secret key (Bearer). */
  secretAuth: string;
  /** Fetch a path (`/v1/batch?x=1`) through the fixture's transport. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /**
   * POST JSON. `auth` picks the Authorization header: `write` (default), `secret` or `none`.
   * `headers` are added (and override).
   */
  post(path: string, body: unknown, opts?: { auth?: 'write' | 'secret' | 'none'; headers?: Record<string, string> }): Promise<Response>;
  /** GET with the secret key (or `auth`). */
  get(path: string, opts?: { auth?: 'write' | 'secret' | 'none'; headers?: Record<string, string> }): Promise<Response>;
}

/** Options of {@link withCollector}: collector options (except `store`) plus harness settings. */
export type HarnessOptions = Partial<Omit<CollectorOptions, 'store'>> & {
  /** Default `app`. */
  transport?: Transport;
  /** Origins of the test site. Default `['https://shop.example']`. */
  origins?: string[];
  /** Runs before the app is created (seed data, register things on the store). */
  setup?: (store: SqliteStore) => Promise<void> | void;
  /** For `http`: trust X-Forwarded-For (tests of client-IP handling). */
  trustProxy?: boolean | number;
  /** SQLite store options (e.g. a longer `flushMs` so thousands of requests share fewer fsyncs). */
  sqlite?: SqliteStoreOptions;
};

/**
 * A fresh SQLite file path in its own temp directory. The directory lives until the test run
 * ends: vitest's global setup (`vitest.global-setup.ts`) points `TMPDIR` at a per-run directory
 * and removes it afterwards.
 *
 * @example
 * const store = openSqliteStore(tempDbPath());
 */
export function tempDbPath(name = 'omnitrail.db'): string {
  return join(mkdtempSync(join(tmpdir(), 'omnitrail-test-')), name);
}

/**
 * Run `fn` against a real collector on a fresh temp SQLite database with one site, through
 * `app.request()` (transport `app`, the default) or a real Node server on 127.0.0.1:0
 * (`http`). Everything is closed and the database directory removed afterwards, also when `fn`
 * throws. Rate limits are off unless `rateLimit` is passed.
 *
 * @example
 * test('stores a track call', () =>
 *   withCollector(async (fx) => {
 *     const res = await fx.post('/v1/track', { event: 'X', anonymousId: 'a', messageId: 'm1' });
 *     expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
 *     expect(await fx.store.countEvents(fx.site.id)).toBe(1);
 *   }));
 */
export async function withCollector(fn: (fx: CollectorFixture) => Promise<void> | void, opts: HarnessOptions = {}): Promise<void> {
  const { transport = 'app', origins = ['https://shop.example'], setup, trustProxy, sqlite, ...collectorOpts } = opts;
  const path = tempDbPath();
  const store = openSqliteStore(path, sqlite);
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    const { site, secretKey } = await store.createSite({ name: 'Test shop', origins });
    await setup?.(store);
    const options: CollectorOptions = { rateLimit: false, ...collectorOpts, store };
    const app = createCollector(options);
    let url = 'http://localhost';
    let doFetch: (path: string, init?: RequestInit) => Promise<Response>;
    if (transport === 'http') {
      server = await startServer({ ...options, store, port: 0, host: '127.0.0.1', quiet: true, trustProxy });
      url = server.url;
      doFetch = (path, init) => fetch(url + path, init);
    } else {
      doFetch = async (path, init) => app.request(path, init);
    }
    const writeAuth = 'Basic ' + btoa(`${site.writeKey}:`);
    const secretAuth = `Bearer ${secretKey}`;
    const authOf = (a: 'write' | 'secret' | 'none' | undefined, dflt: 'write' | 'secret'): Record<string, string> => {
      const k = a ?? dflt;
      return k === 'none' ? {} : { authorization: k === 'write' ? writeAuth : secretAuth };
    };
    const fx: CollectorFixture = {
      transport,
      store,
      dbPath: path,
      app,
      site,
      writeKey: site.writeKey,
      secretKey,
      url,
      writeAuth,
      secretAuth,
      fetch: doFetch,
      post: (path, body, o = {}) =>
        doFetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...authOf(o.auth, 'write'), ...o.headers },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      get: (path, o = {}) => doFetch(path, { headers: { ...authOf(o.auth, 'secret'), ...o.headers } }),
    };
    await fn(fx);
  } finally {
    if (server) await server.close();
    await store.close();
    // Removed now, not at the end of the run: hundreds of tests use this harness.
    rmSync(dirname(path), { recursive: true, force: true });
  }
}

/**
 * Declare one vitest test per transport running the same body: `<name> [app.request]` and
 * `<name> [http]`. Use it for every case whose behaviour must not depend on the runtime adapter.
 *
 * @example
 * eachTransport('unknown write key → 401', async (fx) => {
 *   const res = await fx.post('/v1/track', { event: 'X', anonymousId: 'a' }, { auth: 'none' });
 *   expect(res.status).toBe(401);
 * });
 */
export function eachTransport(name: string, fn: (fx: CollectorFixture) => Promise<void> | void, opts: HarnessOptions = {}): void {
  test(`${name} [app.request]`, () => withCollector(fn, { ...opts, transport: 'app' }));
  test(`${name} [http]`, () => withCollector(fn, { ...opts, transport: 'http' }));
}
