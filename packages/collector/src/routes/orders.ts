import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { CollectorDeps } from '../app';
import { parseMsOrIso } from '../ingest/time';
import { applyOrders } from '../orders/apply';
import { requireSecretKey, type AppEnv } from './auth';

/** Most records per request; bigger files go through `omnitrail import` (which batches). */
export const MAX_RECORDS_PER_REQUEST = 1000;
/** Request body limit of the offline-record endpoints (1000 orders with products fit). */
export const MAX_OFFLINE_BODY_BYTES = 4 * 1024 * 1024;

/** Body limit middleware of the offline-record endpoints (413 JSON error). */
export const offlineBodyLimit = bodyLimit({
  maxSize: MAX_OFFLINE_BODY_BYTES,
  onError: () => {
    throw new HTTPException(413, { message: `Request body is larger than ${MAX_OFFLINE_BODY_BYTES / 1024 / 1024} MB; send at most ${MAX_RECORDS_PER_REQUEST} records per request` });
  },
});

/**
 * The country used for national-format phone numbers: `?defaultCountry=DE`, else the site
 * setting `defaultCountry`, else none (then only `+`/`00` international numbers hash).
 */
export function defaultCountryOf(c: Context<AppEnv>): string | undefined {
  const q = c.req.query('defaultCountry');
  const fromSite = c.get('site').settings?.defaultCountry;
  const v = q || (typeof fromSite === 'string' ? fromSite : undefined);
  if (v !== undefined && !/^[A-Za-z]{2}$/.test(v)) throw new HTTPException(400, { message: 'defaultCountry must be an ISO 3166-1 alpha-2 code such as DE' });
  return v?.toUpperCase();
}

/** The records of a body: `{ [key]: [...] }` or a bare array for many, a bare object for one. */
export async function recordsOf(c: Context<AppEnv>, key: 'orders' | 'touchpoints'): Promise<{ items: unknown[]; single: boolean }> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new HTTPException(400, { message: 'Body must be JSON (Content-Type: application/json)' });
  }
  if (Array.isArray(body)) return check({ items: body, single: false }, key);
  if (!body || typeof body !== 'object') throw new HTTPException(400, { message: `Body must be one ${key.slice(0, -1)} or { "${key}": [...] }` });
  const list = (body as Record<string, unknown>)[key];
  if (list === undefined) return { items: [body], single: true };
  if (!Array.isArray(list)) throw new HTTPException(400, { message: `"${key}" must be an array` });
  return check({ items: list, single: false }, key);
}

function check(r: { items: unknown[]; single: boolean }, key: string) {
  if (r.items.length > MAX_RECORDS_PER_REQUEST) {
    throw new HTTPException(413, { message: `At most ${MAX_RECORDS_PER_REQUEST} ${key} per request (got ${r.items.length}); split the batch or use "omnitrail import"` });
  }
  return r;
}

/**
 * `POST /v1/orders` (secret key), `GET /v1/orders?from=&to=&limit=&after=` (a period's
 * orders, paged) and `GET /v1/orders/:orderId` (the merged order with its status history).
 *
 * Body: one order object, `{ orders: [...] }` or a bare array (≤ 1000). Idempotent per
 * (site, order_id); a web `Order Completed` with the same ID is the same order. Response
 * `{ accepted, duplicates, rejected: [{ index, order_id, reason }], warnings }` — 200 even
 * when some are rejected (like ingest), 400 when the only order of a single-order body is.
 *
 * @example
 * app.route('/', ordersRoutes(deps));
 * // curl -H 'authorization: Bearer sk_…' -H 'content-type: application/json' \
 * //   -d '{"order_id":"B-1","channel":"store","revenue":89.9,"currency":"EUR","loyaltyId":"L-4711"}' \
 * //   http://localhost:8787/v1/orders
 */
export function ordersRoutes(deps: CollectorDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const store = () => deps.store;

  app.post('/v1/orders', requireSecretKey, offlineBodyLimit, async (c) => {
    const defaultCountry = defaultCountryOf(c);
    const { items, single } = await recordsOf(c, 'orders');
    const res = await applyOrders(store(), c.get('site').id, items, { now: deps.now(), defaultCountry });
    if (single && res.rejected.length === 1) {
      return c.json({ error: 'invalid_order', message: res.rejected[0].reason, ...res }, 400);
    }
    return c.json(res, 200);
  });

  // Orders of a period, oldest first, paged: `?from=&to=` (ISO or ms), `limit` (≤ 1000,
  // default 100), `after=<cursor>` from the previous page's `next`.
  app.get('/v1/orders', requireSecretKey, async (c) => {
    const time = (name: string, dflt: number) => {
      const v = c.req.query(name);
      if (v === undefined || v === '') return dflt;
      const t = parseMsOrIso(v);
      if (!Number.isFinite(t)) throw new HTTPException(400, { message: `${name} must be an ISO-8601 time or ms since epoch` });
      return t;
    };
    const limit = Number(c.req.query('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HTTPException(400, { message: 'limit must be 1–1000' });
    let after: { ts: number; orderId: string } | undefined;
    const cursor = c.req.query('after');
    if (cursor) {
      const i = cursor.indexOf('~');
      const ts = Number(cursor.slice(0, i));
      if (i < 1 || !Number.isFinite(ts)) throw new HTTPException(400, { message: 'after must be the "next" cursor of a previous page' });
      after = { ts, orderId: cursor.slice(i + 1) };
    }
    const orders = await store().listOrders(c.get('site').id, { from: time('from', 0), to: time('to', Number.MAX_SAFE_INTEGER), limit, after });
    const last = orders[orders.length - 1];
    return c.json({ orders, next: orders.length === limit && last ? `${last.ts}~${last.orderId}` : null });
  });

  // Reading one order back (support, debugging): the merged state with its status history.
  app.get('/v1/orders/:orderId', requireSecretKey, async (c) => {
    const order = await store().getOrder(c.get('site').id, c.req.param('orderId'));
    if (!order) throw new HTTPException(404, { message: `No order ${c.req.param('orderId')} on this site` });
    return c.json(order);
  });

  return app;
}
