import type { AddressInfo } from 'node:net';
import { statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { serve } from '@hono/node-server';
import { createCollector, type CollectorOptions } from '../app';
import { createMetrics } from '../ingest/metrics';
import { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from '../store/sqlite/index';
import type { Store } from '../store/types';
import { clientIpResolver, type TrustProxy } from './client-ip';
import { readNodeBody } from './body';
import { nodeAssets } from './assets';
import { publicOnlyFetch } from './public-fetch';

/** How long close() leaves an idle keep-alive socket open for the request its client may be sending (ms). */
const IDLE_GRACE_MS = 1_000;

/** `net.Server#close`: stops listening without http.Server's immediate idle-socket sweep. */
const netClose = NetServer.prototype.close;

/**
 * The response a socket is answering now, or null when it is idle. Node keeps it as
 * `socket._httpMessage` (set when a request is dispatched, cleared when its response ends), the
 * field graceful-shutdown libraries rely on; there is no public equivalent.
 */
function responseOn(sock: Socket): ServerResponse | null {
  return (sock as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? null;
}

/**
 * Clears http.Server's header/request-timeout timer, which http's own close() clears and
 * net's does not (unreferenced, so it only leaks the closed server). Node keeps it under a
 * symbol; a Node without it has nothing to clear.
 */
function stopConnectionsCheck(server: Server): void {
  const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connectionsCheckingInterval');
  if (key) clearInterval((server as unknown as Record<symbol, ReturnType<typeof setInterval>>)[key]);
}

/** Options of {@link startServer}: where to listen, which database, plus every collector option. */
export type StartServerOptions = Partial<CollectorOptions> & {
  /** An open store. When given, the caller owns it: `close()` does not close it. */
  store?: Store;
  /** SQLite file opened (and closed by `close()`) when no `store` is given. Default `./omnitrail.db`. */
  dbPath?: string;
  /** SQLite tuning when `dbPath` is used. */
  sqlite?: Omit<SqliteStoreOptions, 'onFlush'>;
  /** Port; 0 picks a free one. Default 8787. */
  port?: number;
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Read the client IP from `X-Forwarded-For` (true = one proxy, or the number of proxies). Default false. */
  trustProxy?: TrustProxy;
  /** Print nothing (no "listening on" line). */
  quiet?: boolean;
  /**
   * Hears, before it starts, of a dedup-filter rebuild over more than 100 000 stored events
   * (after a crash, or the first start after an upgrade that changed the filter): the server
   * listens only once it is done. Default: print {@link dedupRescanNotice} unless `quiet`.
   */
  onDedupRescan?: (events: number) => void;
  /** Longest time `close()` waits for in-flight requests before cutting connections (ms). Default 10 000. */
  drainMs?: number;
};

/** A running collector. `store` is the SQLite store it opened, or the one passed in. */
export interface RunningServer<S extends Store = Store> {
  url: string;
  port: number;
  store: S;
  /**
   * Stop accepting connections, let in-flight requests finish (their events committed and
   * answered), then close the database if this server opened it. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * The line a CLI prints while the dedup filter is rebuilt before listening.
 *
 * @example
 * dedupRescanNotice(5_207_320); // "omnitrail: rebuilding the dedup filter from 5 207 320 stored events …"
 */
export function dedupRescanNotice(events: number): string {
  return `omnitrail: rebuilding the dedup filter from ${events.toLocaleString('en').replaceAll(',', ' ')} stored events before listening (after a crash or an upgrade; seconds per million events; saved for the next start)`;
}

/**
 * The warning printed once when requests come through a proxy that is not trusted.
 *
 * @example
 * proxyIgnoredNotice('127.0.0.1');
 */
export function proxyIgnoredNotice(socketIp: string): string {
  return `omnitrail: requests arrive through a proxy (X-Forwarded-For from ${socketIp}) but --trust-proxy is off: every client shares one rate-limit bucket and one dashboard login lockout. Start with --trust-proxy 1 (or the number of proxies in front).`;
}

/**
 * Start the collector on Node with @hono/node-server. The client IP is taken from the socket,
 * or from `X-Forwarded-For` only with `trustProxy`; it is used for rate limiting and never stored.
 *
 * @example
 * import { startServer } from '@omnitrail/collector/node';
 * const srv = await startServer({ dbPath: './omnitrail.db', port: 8787 });
 * process.on('SIGTERM', () => srv.close().then(() => process.exit(0)));
 */
export async function startServer<S extends Store>(opts: StartServerOptions & { store: S }): Promise<RunningServer<S>>;
// Last overload: what `ReturnType<typeof startServer>` sees (the common case, SQLite opened here).
export async function startServer(opts?: StartServerOptions & { store?: undefined }): Promise<RunningServer<SqliteStore>>;
export async function startServer<S extends Store>(opts: StartServerOptions & { store?: S } = {}): Promise<RunningServer<S>> {
  const metrics = opts.metrics ?? createMetrics();
  const ownStore = !opts.store;
  const ckpt = opts.sqlite?.checkpoint;
  const own = typeof ckpt === 'object' ? ckpt : {};
  const store: S =
    opts.store ??
    (openSqliteStore(opts.dbPath ?? './omnitrail.db', {
      ...opts.sqlite,
      onFlush: (f) => metrics.observeFlush(f),
      // The checkpoint worker's passes go to /metrics too (a caller's own onPass still runs).
      checkpoint: ckpt === 'inline' ? ckpt : { ...own, onPass: (p) => (own.onPass?.(p), metrics.observeCheckpoint(p)) },
    }) as Store as S);
  // Load the dedup filter before listening, so no request pays for it (after a crash it is a
  // rescan of the index: seconds at millions of events).
  if (ownStore) {
    const sqlite = store as unknown as SqliteStore;
    sqlite.warmUp(opts.onDedupRescan ?? (opts.quiet ? undefined : (n) => console.log(dedupRescanNotice(n))));
    metrics.stitchBacklog ??= () => sqlite.stitchBacklog();
    const dir = dirname(resolve(opts.dbPath ?? './omnitrail.db'));
    metrics.diskFreeBytes ??= () => {
      try {
        const s = statfsSync(dir);
        return s.bavail * s.bsize;
      } catch {
        return null; // a file system that cannot say: no gauge rather than a wrong one
      }
    };
  }
  const app = createCollector({
    ...opts,
    store,
    metrics,
    clientIp:
      opts.clientIp ??
      clientIpResolver(opts.trustProxy ?? false, opts.quiet ? undefined : (ip) => console.warn(proxyIgnoredNotice(ip))),
    readBody: opts.readBody ?? readNodeBody,
    webhookPublicFetch: opts.webhookPublicFetch ?? publicOnlyFetch(),
    assets: opts.assets ?? nodeAssets(),
  });
  const host = opts.host ?? '127.0.0.1';

  let server: Server;
  let port: number;
  try {
    ({ server, port } = await new Promise<{ server: Server; port: number }>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: opts.port ?? 8787, hostname: host }, (info: AddressInfo) =>
        resolve({ server: s as Server, port: info.port }),
      ) as Server;
      s.once('error', reject);
    }));
  } catch (e) {
    if (ownStore) await store.close();
    throw e;
  }
  server.keepAliveTimeout = 5_000;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (!opts.quiet) console.log(`omnitrail collector listening on ${url}`);

  let closing: Promise<void> | null = null;
  let draining = false;
  // Open connections, for the drain below (per connection, not per request: keep-alive makes
  // connections rare next to requests).
  const sockets = new Set<Socket>();
  server.on('connection', (sock: Socket) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
  });
  // From close() on, every answer says `Connection: close`: the client moves off that socket
  // after one more response instead of having it cut under a request it is already sending.
  server.prependListener('request', (_req, res) => {
    if (draining) res.setHeader('connection', 'close');
  });
  return {
    url,
    port,
    store,
    close() {
      closing ??= (async () => {
        draining = true;
        const drainMs = opts.drainMs ?? 10_000;
        // Requests already in progress keep their keep-alive answers: marking them close would
        // drop the answer to a request pipelined behind one (Node ends the socket after a
        // `close` response). Their sockets are swept only after a whole idle second, so a client
        // that reuses one is answered, with close.
        await new Promise<void>((resolve) => {
          // Stop accepting connections. net.Server's close, not http.Server's: the latter also
          // closes every idle keep-alive socket at once, and a client that is writing its next
          // request on one then gets a reset (25-36 resets per stop under 50 keep-alive clients,
          // measured). Instead a socket is closed once it has been idle — no request in progress,
          // no byte received — for a whole grace period: a client that reuses it sooner gets its
          // answer, with `Connection: close`.
          netClose.call(server, () => resolve());
          const grace = Math.min(IDLE_GRACE_MS, drainMs);
          const seen = new Map<Socket, { bytes: number; at: number }>();
          const sweep = setInterval(() => {
            const now = Date.now();
            for (const sock of sockets) {
              const last = seen.get(sock);
              if (responseOn(sock) || !last || last.bytes !== sock.bytesRead) seen.set(sock, { bytes: sock.bytesRead, at: now });
              else if (now - last.at >= grace) sock.destroy();
            }
          }, 50);
          const hard = setTimeout(() => server.closeAllConnections(), drainMs);
          server.once('close', () => {
            clearInterval(sweep);
            clearTimeout(hard);
            stopConnectionsCheck(server);
          });
        });
        if (ownStore) await store.close();
      })();
      return closing;
    },
  };
}
