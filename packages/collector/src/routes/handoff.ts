import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { HandoffResponse } from '@omnitrail/schema';
import type { CollectorDeps } from '../app';
import { applyIngestCors, exposeEarlyError } from '../ingest/cors';
import { createUaCache } from '../ingest/enrich';
import { parseMsOrIso } from '../ingest/time';
import { createRateLimiter, type RateLimiter, type RateSpec } from '../ingest/rate-limit';
import { formatHandoffCode, HANDOFF_MAX_LENGTH, HANDOFF_MIN_LENGTH } from '../qr/handoff-code';
import { DEFAULT_HANDOFF_VALIDITY_DAYS } from '../qr/options';
import { identifier } from '../stitch/identifiers';
import type { StoredEvent } from '../store/types';
import type { HandoffCodeRecord } from '../store/qr';
import { requireSecretKey, resolveWriteKey, type AppEnv } from './auth';

/** Name of the event appended when a code is issued (the identity deriver links code ↔ browser). */
export const HANDOFF_ISSUED = 'Handoff Code Issued';

/**
 * The `Handoff Code Issued` event of a code. Its messageId is derived from the code, so
 * re-issuing the same live code appends nothing twice.
 *
 * @example
 * await store.appendEvents([handoffEvent(record, 'granted', null)]);
 */
export function handoffEvent(r: HandoffCodeRecord, consent: 'granted' | null, ua: StoredEvent['ua'] = null): StoredEvent {
  return {
    siteId: r.siteId,
    messageId: `handoff-${r.code}-${r.issuedAt}`,
    type: 'track',
    event: HANDOFF_ISSUED,
    anonymousId: r.anonymousId,
    userId: null,
    timestamp: r.issuedAt,
    originalTimestamp: null,
    receivedAt: r.issuedAt,
    sentAt: null,
    consent,
    bot: false, // the code row's record, whoever asked (see the route)
    ua,
    country: null,
    context: { omnitrail: consent ? { v: 1, consent } : { v: 1 } },
    properties: { code: r.code, display: formatHandoffCode(r.code), expires_at: new Date(r.expiresAt).toISOString() },
    traits: {},
  };
}

/**
 * The JSON object body of a handoff request: `application/json`, or `text/plain` / no type
 * (what a no-preflight `fetch` from the SDK sends). Size is limited by `bodyLimit` before.
 */
async function jsonObject(c: Context): Promise<Record<string, unknown>> {
  const ct = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (ct && ct !== 'application/json' && ct !== 'text/plain' && !ct.endsWith('+json')) {
    throw new HTTPException(415, { message: `Content-Type ${ct} is not supported: send JSON as application/json or text/plain` });
  }
  let v: unknown;
  try {
    v = JSON.parse(await c.req.text());
  } catch {
    throw new HTTPException(400, { message: 'Body must be a JSON object {"anonymousId": "…"}' });
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HTTPException(400, { message: 'Body must be a JSON object {"anonymousId": "…"}' });
  return v as Record<string, unknown>;
}

function limiter(spec: RateSpec | false | undefined, dflt: RateSpec, now: () => number): RateLimiter | null {
  return spec === false ? null : createRateLimiter(spec ?? dflt, { now });
}

/**
 * Handoff codes.
 *
 * - `POST /v1/handoff` (write key, CORS like ingest, rate-limited) `{ anonymousId, consent? }` →
 *   `{ code, display, expiresAt }`. The same visitor gets the same code while more than half of
 *   its validity is left. Issued and linked to the visitor whatever the client's User-Agent: a
 *   server may ask on a visitor's behalf (the `Handoff Code Issued` event is never bot-flagged). Refused (403) when the body says consent is `denied` or `pending`:
 *   a handoff code exists to link the visitor to offline records.
 * - `GET /v1/handoff/:code?at=` (secret key): validates a code as staff typed it — 200 with its
 *   times, or 422 naming the problem (`handoff_check`: typo or swap; `handoff_unknown`;
 *   `handoff_expired`; `handoff_not_yet_issued`: the `at` time is before the code was issued;
 *   `handoff_format`). Lets a till or CRM check a code while it is typed.
 *
 * @example
 * app.route('/', handoffRoutes(deps));
 */
export function handoffRoutes(deps: CollectorDeps): Hono<AppEnv> {
  const { store, options } = deps;
  const h = options.handoff ?? {};
  const validityMs = (h.validityDays ?? DEFAULT_HANDOFF_VALIDITY_DAYS) * 86_400_000;
  const length = h.length ?? HANDOFF_MIN_LENGTH;
  if (!(validityMs > 0)) throw new RangeError('handoff.validityDays must be positive');
  if (!Number.isInteger(length) || length < HANDOFF_MIN_LENGTH || length > HANDOFF_MAX_LENGTH) {
    throw new RangeError(`handoff.length must be ${HANDOFF_MIN_LENGTH}–${HANDOFF_MAX_LENGTH}`);
  }
  const rl = h.rateLimit === false ? { perKey: false as const, perIp: false as const, perVisitor: false as const } : (h.rateLimit ?? {});
  const perKey = limiter(rl.perKey, { rate: 50, burst: 200 }, deps.now);
  const perIp = limiter(rl.perIp, { rate: 1, burst: 10 }, deps.now);
  const perVisitor = limiter(rl.perVisitor, { rate: 0.1, burst: 5 }, deps.now);
  const uaOf = createUaCache(500);

  const limited = (c: Context, wait: number): never => {
    c.header('Retry-After', String(wait));
    throw new HTTPException(429, { message: `Too many handoff code requests; retry after ${wait} s` });
  };

  const app = new Hono<AppEnv>();
  app.post(
    '/v1/handoff',
    bodyLimit({ maxSize: 4096, onError: () => { throw new HTTPException(413, { message: 'Handoff request larger than 4 KB' }); } }),
    async (c) => {
      try {
        const ip = options.clientIp ? options.clientIp(c) : null;
        if (perIp && ip) {
          const wait = perIp.take(ip);
          if (wait) limited(c, wait);
        }
        const body = await jsonObject(c);
        const site = await resolveWriteKey(c, body);
        applyIngestCors(c, site);
        if (perKey) {
          const wait = perKey.take(site.id);
          if (wait) limited(c, wait);
        }
        const b = body as Record<string, unknown>;
        const anon = identifier('anon', b.anonymousId);
        if (!anon || anon.value.length > 100) {
          throw new HTTPException(400, { message: '"anonymousId" must be the browser\'s anonymous ID (a non-placeholder string of at most 100 characters)' });
        }
        if (b.consent !== undefined && b.consent !== null && b.consent !== 'granted') {
          throw new HTTPException(403, { message: `A handoff code links this visitor to offline purchases; it needs consent "granted" (got "${String(b.consent).slice(0, 20)}")` });
        }
        if (perVisitor) {
          const wait = perVisitor.take(`${site.id} ${anon.value}`);
          if (wait) limited(c, wait);
        }
        const now = deps.now();
        // A site may set its own validity (settings.handoffValidityDays), e.g. a furniture store
        // whose customers come back after weeks; else the collector's option.
        const siteDays = site.settings.handoffValidityDays;
        const validity = typeof siteDays === 'number' && siteDays > 0 && siteDays <= 365 ? siteDays * 86_400_000 : validityMs;
        const { record } = await store.issueHandoffCode(site.id, anon.value, { now, validityMs: validity, length });
        const ua = uaOf(c.req.header('user-agent') ?? '');
        // The event records the code row (which visitor holds which code), not the HTTP client:
        // a server integration asking on a visitor's behalf has a server User-Agent that isbot
        // flags, and a bot-flagged event is never stitched, so its code would never link while
        // orders still accepted it. Anyone with the (public) write key can ask for any visitor
        // anyway, so the flag would protect nothing. Never bot, then; a bot's device class is not
        // the visitor's, so it is left out.
        // Always append (idempotent by messageId): a crash between issuing and appending heals on the next request.
        await store.appendEvents([handoffEvent(record, b.consent === 'granted' ? 'granted' : null, ua.bot ? null : ua.ua)]);
        c.header('Cache-Control', 'no-store');
        return c.json<HandoffResponse>({ code: record.code, display: formatHandoffCode(record.code), expiresAt: new Date(record.expiresAt).toISOString() });
      } catch (e) {
        if (e instanceof HTTPException && !c.get('site')) exposeEarlyError(c);
        throw e;
      }
    },
  );

  app.get('/v1/handoff/:code', requireSecretKey, async (c) => {
    const atRaw = c.req.query('at');
    const at = atRaw ? parseMsOrIso(atRaw) : deps.now();
    if (!Number.isFinite(at)) throw new HTTPException(400, { message: '"at" must be an ISO-8601 time or ms since epoch' });
    const r = await store.lookupHandoffCode(c.get('site').id, c.req.param('code'), at);
    if (!r.ok) return c.json({ error: `handoff_${r.reason}`, message: r.message }, 422);
    return c.json({
      code: r.record.code,
      display: formatHandoffCode(r.record.code),
      issuedAt: new Date(r.record.issuedAt).toISOString(),
      expiresAt: new Date(r.record.expiresAt).toISOString(),
    });
  });
  return app;
}
