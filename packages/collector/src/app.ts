import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ErrorResponse } from '@omnitrail/schema';
import type { Store } from './store/types';
import type { AppEnv } from './routes/auth';
import { createSiteCache, type SiteCache } from './ingest/site-cache';
import { createMetrics, type Metrics } from './ingest/metrics';
import type { RateSpec } from './ingest/rate-limit';
import { ingestRoutes } from './routes/ingest';
import { ordersRoutes } from './routes/orders';
import { touchpointsRoutes } from './routes/touchpoints';
import { healthRoutes } from './routes/health';
import { idCookieRoutes } from './routes/idcookie';
import { demoRoutes, type AssetSources } from './routes/demo';
import { dashboardRoutes } from './dashboard/index';
import { qrRoutes } from './routes/qr';
import { handoffRoutes } from './routes/handoff';
import { personsRoutes } from './routes/persons';
import { profilesRoutes } from './routes/profiles';
import { reportsRoutes } from './routes/reports';
import { webhooksRoutes } from './routes/webhooks';
import type { HandoffOptions, QrOptions } from './qr/options';

/** Options of {@link createCollector}. Other domains add their own optional fields here. */
export interface CollectorOptions {
  store: Store;
  /**
   * The client's IP address for this request, used transiently (rate limiting, `country`) and
   * never stored. The Node adapter (`startServer`) supplies one from the socket, or from
   * `X-Forwarded-For` when `trustProxy` is set. Without it, per-IP limits are off.
   */
  clientIp?: (c: Context) => string | null;
  /**
   * Token-bucket limits for the write-key endpoints, per client IP and per write key, per
   * collector instance; 429 with `Retry-After` when exceeded. `false` turns both off.
   * Defaults: per IP 100 req/s (burst 400), per key 2 000 req/s (burst 4 000).
   */
  rateLimit?: false | { perIp?: RateSpec | false; perKey?: RateSpec | false };
  /** Coarse country (ISO 3166-1 alpha-2) of a client, e.g. from a CDN header. Stored instead of any IP. */
  country?: (c: Context, ip: string | null) => string | null;
  /** How long write-key lookups are cached in memory (ms, default 10 000). */
  siteCacheMs?: number;
  /** Ingest counters; pass your own to share them with the store's flush hook (the Node adapter does). */
  metrics?: Metrics;
  /**
   * Runtime hook: read the raw request body (gunzipped when `gzip`) with a byte limit enforced
   * while reading, on the compressed and the decompressed size; resolve null when it is larger,
   * return undefined to use the Web path (hono `bodyLimit` + `text()` / DecompressionStream).
   * The Node adapter sets it to read from the socket without building a Web Request.
   */
  readBody?: (c: Context, maxBytes: number, gzip: boolean) => Promise<string | null> | undefined;
  /** Server clock (tests). */
  now?: () => number;
  /**
   * Files for `/sdk/omnitrail.min.js` and the demo shop at `/demo/` (the Node adapter reads them
   * from disk with `nodeAssets()`); without them both answer 404.
   */
  assets?: AssetSources;
  /**
   * Public URL of this collector (e.g. `https://t.shop.example`), printed into QR codes as
   * `<publicUrl>/q/<code>`. Default: the origin of the admin request that creates the campaign
   * (https when a TLS-terminating proxy says `X-Forwarded-Proto: https`: `qr/request-origin.ts`).
   */
  publicUrl?: string;
  /** QR scan endpoint options (scan-token life, per-IP scan limit). */
  qr?: QrOptions;
  /** Handoff code options (validity days, length, rate limits). */
  handoff?: HandoffOptions;
  /** Serve the dashboard at `/dashboard` (default true). */
  dashboard?: boolean;
  /**
   * The fetch for test messages to webhooks not registered by the operator (API, secret-key
   * sessions): one that connects only to public addresses. The Node adapter (`startServer`)
   * sets `publicOnlyFetch()`. Default: `fetch`.
   */
  webhookPublicFetch?: typeof fetch;
  /**
   * Bearer token `GET /metrics` requires (`Authorization: Bearer <token>`, Prometheus'
   * `authorization.credentials`). Without it /metrics is open: keep it off the public internet
   * (docs/deploy-subdomain.md). RFC 6750 token characters, at least 16.
   */
  metricsToken?: string;
  /**
   * `/healthz` answers 503 while the database's file system has less free space than this
   * (bytes), as `metrics.diskFreeBytes` reads it (the Node adapter sets that): an uptime monitor
   * hears of a filling disk before ingest starts failing. Default: no check.
   */
  minFreeDiskBytes?: number;
  /** Where unexpected (500) errors are reported. Default: console.error. */
  logError?: (err: unknown, c: Context) => void;
}

/** What every route module receives: the options plus the shared per-app state. */
export interface CollectorDeps {
  store: Store;
  options: CollectorOptions;
  sites: SiteCache;
  metrics: Metrics;
  now: () => number;
}

const ERROR_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'rate_limited',
  503: 'unavailable',
};

/**
 * Create the Omnitrail collector: a Hono app that speaks only Web-standard Request/Response,
 * so it runs on Node (`@omnitrail/collector/node`), Cloudflare Workers, Deno or Bun. It
 * depends on a {@link Store} and never imports a database driver.
 *
 * Every error is JSON `{ error, message }` (see `ErrorResponse`).
 *
 * @example
 * import { createCollector } from '@omnitrail/collector';
 * import { openSqliteStore } from '@omnitrail/collector/node';
 * const app = createCollector({ store: openSqliteStore('./omnitrail.db') });
 * const res = await app.request('/healthz'); // 200 {"ok":true}
 */
export function createCollector(options: CollectorOptions): Hono<AppEnv> {
  const { store } = options;
  const now = options.now ?? Date.now;
  const sites = createSiteCache(store, { ttlMs: options.siteCacheMs, now });
  const metrics = options.metrics ?? createMetrics();
  const deps: CollectorDeps = { store, options, sites, metrics, now };
  const logError = options.logError ?? ((err: unknown) => console.error('omnitrail: unexpected error', err));

  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('store', store);
    c.set('sites', sites);
    c.set('metrics', metrics);
    await next();
  });

  // Routes, one line per domain: app.route('/', <domain>Routes(deps)).
  app.route('/', healthRoutes(deps));
  app.route('/', ingestRoutes(deps));
  app.route('/', qrRoutes(deps));
  app.route('/', handoffRoutes(deps));
  app.route('/', ordersRoutes(deps));
  app.route('/', touchpointsRoutes(deps));
  app.route('/', idCookieRoutes(deps));
  app.route('/', personsRoutes(deps));
  app.route('/', profilesRoutes(deps));
  app.route('/', reportsRoutes(deps));
  app.route('/', webhooksRoutes(deps));
  app.route('/', demoRoutes(options.assets));
  if (options.dashboard !== false) {
    app.route('/dashboard', dashboardRoutes({ clientIp: options.clientIp, publicUrl: options.publicUrl, webhookPublicFetch: options.webhookPublicFetch }));
    // A person opening the collector's bare URL (the first thing a new user tries) lands on the dashboard.
    app.get('/', (c) => c.redirect('/dashboard', 302));
  }

  app.notFound((c) => c.json<ErrorResponse>({ error: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      if (err.res && !err.message) return err.res;
      const status = err.status;
      return c.json<ErrorResponse>({ error: ERROR_CODES[status] ?? `http_${status}`, message: err.message || 'Error' }, status);
    }
    logError(err, c);
    return c.json<ErrorResponse>({ error: 'internal', message: 'Internal error; the request was not stored, retry later' }, 500);
  });
  return app;
}
