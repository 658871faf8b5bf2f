import { Hono } from 'hono';
import type { CollectorDeps } from '../app';
import { applyTouchpoints } from '../orders/apply';
import { requireSecretKey, type AppEnv } from './auth';
import { defaultCountryOf, offlineBodyLimit, recordsOf } from './orders';

/**
 * `POST /v1/touchpoints` (secret key): offline touchpoints (store_visit, phone_call,
 * consultation, appointment, custom) with identifiers, time, location and a staff note.
 * Body: one touchpoint, `{ touchpoints: [...] }` or a bare array (≤ 1000). Each becomes an
 * `Offline Touchpoint` event (messageId `tp-<touchpoint_id>` or a content hash, so resends
 * and re-imports are duplicates). Response `{ accepted, duplicates, rejected, warnings }`;
 * 400 when the only touchpoint of a single-touchpoint body is rejected.
 *
 * @example
 * app.route('/', touchpointsRoutes(deps));
 * // curl -H 'authorization: Bearer sk_…' -H 'content-type: application/json' \
 * //   -d '{"type":"store_visit","location":"berlin-mitte","handoffCode":"K7M-2QX"}' \
 * //   http://localhost:8787/v1/touchpoints
 */
export function touchpointsRoutes(deps: CollectorDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/v1/touchpoints', requireSecretKey, offlineBodyLimit, async (c) => {
    const defaultCountry = defaultCountryOf(c);
    const { items, single } = await recordsOf(c, 'touchpoints');
    const res = await applyTouchpoints(deps.store, c.get('site').id, items, {
      now: deps.now(),
      defaultCountry,
    });
    if (single && res.rejected.length === 1) {
      return c.json({ error: 'invalid_touchpoint', message: res.rejected[0].reason, ...res }, 400);
    }
    return c.json(res, 200);
  });
  return app;
}
