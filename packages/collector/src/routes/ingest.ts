import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { EventType, IngestResponse } from '@omnitrail/schema';
import type { AppEnv } from './auth';
import { resolveWriteKey } from './auth';
import type { CollectorDeps } from '../app';
import { readJsonBody } from '../ingest/body';
import { applyIngestCors, exposeEarlyError, originAllowed, preflight } from '../ingest/cors';
import { createUaCache } from '../ingest/enrich';
import { LIMITS } from '../ingest/limits';
import { ingestEvents } from '../ingest/pipeline';
import { createRateLimiter, type RateLimiter } from '../ingest/rate-limit';
import { parseIsoTime } from '../ingest/time';
import { checkJsonValue, type Envelope } from '../ingest/validate';
import { bodyHints, mayHoldPii, type BodyHints } from '../pii/scrub';
import { siteCountry } from '../pii/index';
import { retentionDays } from '../privacy/retention-policy';
import { createCookieless } from '../privacy/cookieless';
import { reqHeader } from '../ingest/headers';

const SINGLE: readonly EventType[] = ['track', 'page', 'identify', 'alias', 'group', 'screen'];
const BATCH_PATHS = ['/v1/batch', '/v1/import', '/v1/b'];

/**
 * Every path the write-key ingest endpoints answer (for tests that sort routes by credential).
 *
 * @example
 * INGEST_PATHS.includes('/v1/t') // true: analytics.js short path for track
 */
export const INGEST_PATHS: readonly string[] = [...BATCH_PATHS, ...SINGLE.flatMap((t) => [`/v1/${t}`, `/v1/${t[0]}`])];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The Segment-compatible write-key endpoints: `POST /v1/batch` (alias `/v1/import`) and
 * `POST /v1/{track,page,identify,alias,group,screen}`, the analytics.js short paths
 * (`/v1/b`, `/v1/t`, `/v1/p`, `/v1/i`, `/v1/a`, `/v1/g`, `/v1/s`), and the CORS preflight for
 * every `/v1/*` path.
 *
 * Order of work per request, cheapest refusal first: per-IP limit, content type, body (size
 * limit enforced while reading), JSON, write key, origin, per-key limit, then per-event
 * validation and one group commit.
 *
 * @example
 * app.route('/', ingestRoutes(deps));
 * // curl -u wk_…: -H 'content-type: application/json' -d '{"batch":[…]}' http://localhost:8787/v1/batch
 */
export function ingestRoutes(deps: CollectorDeps): Hono<AppEnv> {
  const { store, metrics, options } = deps;
  const rl = options.rateLimit;
  const perIp: RateLimiter | null =
    rl === false || (rl && rl.perIp === false) ? null : createRateLimiter((rl && rl.perIp) || { rate: 100, burst: 400 }, { now: deps.now });
  const perKey: RateLimiter | null =
    rl === false || (rl && rl.perKey === false) ? null : createRateLimiter((rl && rl.perKey) || { rate: 2000, burst: 4000 }, { now: deps.now });
  const uaOf = createUaCache();
  // Daily-salted visitor hashes for denied-consent page views (sites that opt in).
  const cookieless = createCookieless();
  const fastRead = options.readBody;
  const bodyMsg = `Request body larger than ${LIMITS.maxBodyBytes / 1024} KB; split the batch`;
  const eventMsg = `Event larger than ${LIMITS.maxEventBytes / 1024} KB`;
  const tooLarge = (message: string) => (c: Context): never => {
    metrics.refuse(413);
    exposeEarlyError(c);
    throw new HTTPException(413, { message });
  };

  const limited = (c: Context, wait: number): never => {
    c.header('Retry-After', String(wait));
    throw new HTTPException(429, { message: `Too many requests; retry after ${wait} s` });
  };

  async function handle(c: Context<AppEnv>, endpointType: EventType | null): Promise<Response> {
    const receivedAt = deps.now();
    const ip = options.clientIp ? options.clientIp(c) : null;
    try {
      if (perIp && ip) {
        const wait = perIp.take(ip);
        if (wait) limited(c, wait);
      }
      const max = endpointType === null ? LIMITS.maxBodyBytes : LIMITS.maxEventBytes;
      let hints: BodyHints | undefined;
      const body = await readJsonBody(c, {
        maxBytes: max,
        read: fastRead,
        onText: (text) => {
          hints = bodyHints(text);
        },
        tooLarge: () => {
          throw new HTTPException(413, { message: endpointType === null ? bodyMsg : eventMsg });
        },
      });
      if (!isObject(body)) throw new HTTPException(400, { message: 'Request body must be a JSON object' });
      const site = await resolveWriteKey(c, body);
      applyIngestCors(c, site);
      if (perKey) {
        const wait = perKey.take(site.writeKey);
        if (wait) limited(c, wait);
      }

      let raws: unknown[];
      let sentAt: number | null = null;
      let sentAtRaw: string | null = null;
      let context: Record<string, unknown> | null = null;
      let contextBytes = 0;
      let contextPii = false;
      if (endpointType === null) {
        const batch = body.batch;
        if (!Array.isArray(batch)) {
          throw new HTTPException(400, { message: 'Body must be {"batch": [ …events ]}; "batch" is missing or not an array' });
        }
        if (batch.length === 0) throw new HTTPException(400, { message: '"batch" is empty: send at least one event' });
        if (batch.length > LIMITS.maxBatchEvents) {
          throw new HTTPException(413, {
            message: `Too many events: ${batch.length} in one batch, at most ${LIMITS.maxBatchEvents}; split the batch`,
          });
        }
        if (body.sentAt !== undefined && body.sentAt !== null) {
          if (typeof body.sentAt !== 'string' || Number.isNaN((sentAt = parseIsoTime(body.sentAt)))) {
            throw new HTTPException(400, { message: '"sentAt" must be an ISO-8601 date-time string' });
          }
          sentAtRaw = body.sentAt;
        }
        if (body.context !== undefined && body.context !== null) {
          if (!isObject(body.context)) throw new HTTPException(400, { message: '"context" must be an object' });
          const bad = checkJsonValue(body.context);
          if (bad) throw new HTTPException(400, { message: `context${bad}` });
          context = body.context;
          contextPii = mayHoldPii(context);
          // The batch context is copied into every event it is merged into: without a bound, a
          // 400 KB context over 2 500 tiny events would store 1 GB from one 500 KB request.
          contextBytes = new TextEncoder().encode(JSON.stringify(context)).length;
          if (contextBytes * batch.length > LIMITS.maxBodyBytes) {
            throw new HTTPException(413, {
              message: `The batch-level "context" (${Math.ceil(contextBytes / 1024)} KB) copied into ${batch.length} events exceeds ${LIMITS.maxBodyBytes / 1024} KB; send fewer events per batch or put the context in the events`,
            });
          }
        }
        raws = batch;
      } else {
        raws = [body];
      }

      const env: Envelope = {
        siteId: site.id,
        receivedAt,
        sentAt,
        sentAtRaw,
        context,
        contextBytes,
        endpointType,
        // The request's own User-Agent describes the visitor only when a browser sent it (fetch and
        // sendBeacon always send Origin on POST). A server library's UA (analytics-node, curl) would
        // classify every server-sent event as a bot.
        requestUa: reqHeader(c, 'origin') ? (reqHeader(c, 'user-agent') ?? null) : null,
        uaOf,
        country: options.country ? options.country(c, ip) : null,
        oldest: receivedAt - retentionDays(site.settings) * 86_400_000,
        contextPii,
        bodyHints: hints,
      };
      const defaultCountry = siteCountry(site.settings);
      const ua = reqHeader(c, 'user-agent') ?? null;
      const result = await ingestEvents(raws, env, store, metrics, {
        defaultCountry,
        cookieless: (raw) => cookieless.prepare(raw, site, ip, ua, receivedAt),
      });
      return c.json<IngestResponse>(result, 200);
    } catch (e) {
      if (e instanceof HTTPException) {
        metrics.refuse(e.status);
        if (!c.get('site')) exposeEarlyError(c);
      } else metrics.refuse(500); // storage failed (disk full, read-only): app.onError answers 500
      throw e;
    }
  }

  const app = new Hono<AppEnv>();
  app.options('/v1/*', async (c) => {
    const origin = reqHeader(c, 'origin');
    if (!origin) return preflight(c, false);
    const key = c.req.query('writeKey');
    let allowed: boolean;
    if (key) {
      const site = await c.get('sites').byWriteKey(key);
      allowed = site !== null && originAllowed(site, origin);
    } else {
      allowed = await c.get('sites').anyAllows(origin);
    }
    return preflight(c, allowed);
  });
  // With a runtime reader (Node) the limit is enforced inside readJsonBody while reading;
  // otherwise hono's bodyLimit does it (Content-Length check, then counting while streaming).
  const limit = (maxSize: number, message: string): MiddlewareHandler<AppEnv> => {
    const web = bodyLimit({ maxSize, onError: tooLarge(message) });
    return (c, next) => (fastRead && (c.env as { incoming?: unknown } | undefined)?.incoming ? next() : web(c, next));
  };
  // `/v1/import` is Segment's historical-import alias of batch; the one-letter paths are what
  // analytics.js (@segment/analytics-next) posts to with `apiHost: '<collector>/v1'`.
  for (const path of BATCH_PATHS) app.post(path, limit(LIMITS.maxBodyBytes, bodyMsg), (c) => handle(c, null));
  for (const t of SINGLE) {
    const h = limit(LIMITS.maxEventBytes, eventMsg);
    app.post(`/v1/${t}`, h, (c) => handle(c, t));
    app.post(`/v1/${t[0]}`, h, (c) => handle(c, t));
  }
  return app;
}
