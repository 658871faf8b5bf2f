import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Site, Store } from '../store/types';
import type { SiteCache } from '../ingest/site-cache';
import type { Metrics } from '../ingest/metrics';
import { reqHeader } from '../ingest/headers';

/**
 * The Hono environment every collector route runs in. `createCollector` sets `store`,
 * `sites` and `metrics` on every request; `requireSecretKey` / `resolveWriteKey` set `site`.
 *
 * @example
 * import { Hono } from 'hono';
 * import type { AppEnv } from './auth';
 * const routes = new Hono<AppEnv>().get('/v1/things', requireSecretKey, (c) => c.json({ site: c.get('site').id }));
 */
export type AppEnv = {
  Variables: {
    store: Store;
    /** Write-key → site lookups with a short in-memory cache (the ingest hot path). */
    sites: SiteCache;
    metrics: Metrics;
    /** Set by `requireSecretKey` or `resolveWriteKey`. */
    site: Site;
  };
};

/** Decode `Authorization: Basic base64(user:pass)` and return the user name, or null. */
function basicUser(header: string): string | null {
  try {
    const decoded = atob(header.slice(6).trim());
    const colon = decoded.indexOf(':');
    const user = colon === -1 ? decoded : decoded.slice(0, colon);
    return user || null;
  } catch {
    return null;
  }
}

/**
 * The write key a request carries, in Segment's order of precedence: HTTP Basic user name
 * (what every Segment library sends), then `writeKey` in the JSON body, then `?writeKey=`
 * (navigator.sendBeacon cannot set headers). Null when none is present.
 *
 * @example
 * writeKeyOf(c, { writeKey: 'wk_…', batch: [] }) // 'wk_…'
 */
export function writeKeyOf(c: Context, body?: unknown): string | null {
  const auth = reqHeader(c, 'authorization');
  if (auth && auth.length > 6 && auth.slice(0, 6).toLowerCase() === 'basic ') {
    const user = basicUser(auth);
    if (user) return user;
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const k = (body as { writeKey?: unknown }).writeKey;
    if (typeof k === 'string' && k) return k;
  }
  const q = c.req.query('writeKey');
  return q || null;
}

/**
 * Resolve the site of a write-key request (Basic user name, body `writeKey`, `?writeKey=`),
 * set `c.get('site')` and return it. Throws a 401 `HTTPException` (rendered as
 * `{ error, message }` JSON) when the key is missing or unknown. Lookups are cached briefly
 * in memory so the ingest hot path does not hit the database per request.
 *
 * @example
 * app.post('/v1/handoff', async (c) => {
 *   const body = await c.req.json();
 *   const site = await resolveWriteKey(c, body);
 *   return c.json({ site: site.id });
 * });
 */
export async function resolveWriteKey(c: Context<AppEnv>, body?: unknown): Promise<Site> {
  const key = writeKeyOf(c, body);
  if (!key) {
    throw new HTTPException(401, {
      message: 'Missing write key: send it as the HTTP Basic user name, as "writeKey" in the JSON body, or as ?writeKey=',
    });
  }
  const site = await c.get('sites').byWriteKey(key);
  if (!site) throw new HTTPException(401, { message: 'Unknown write key' });
  c.set('site', site);
  return site;
}

/** Extract the secret key from `Authorization: Bearer <key>` or Basic with the key as user name. */
export function secretKeyOf(c: Context): string | null {
  const auth = reqHeader(c, 'authorization');
  if (!auth) return null;
  const scheme = auth.slice(0, 7).toLowerCase();
  if (scheme === 'bearer ') return auth.slice(7).trim() || null;
  if (scheme.startsWith('basic ')) return basicUser(auth);
  return null;
}

/**
 * Middleware for server APIs (orders, touchpoints, profiles, reports, QR admin, erasure):
 * requires the site's secret key as `Authorization: Bearer <secretKey>` or as the HTTP Basic
 * user name, and sets `c.get('site')`. 401 JSON error otherwise.
 *
 * @example
 * const routes = new Hono<AppEnv>();
 * routes.use('/v1/orders/*', requireSecretKey);
 * routes.post('/v1/orders', requireSecretKey, (c) => c.json({ site: c.get('site').id }));
 */
export const requireSecretKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = secretKeyOf(c);
  if (!key) {
    throw new HTTPException(401, {
      message: 'Missing secret key: send "Authorization: Bearer <secretKey>" (or the key as the HTTP Basic user name)',
    });
  }
  const site = await c.get('store').siteBySecretKey(key);
  if (!site) throw new HTTPException(401, { message: 'Unknown secret key' });
  c.set('site', site);
  await next();
};
