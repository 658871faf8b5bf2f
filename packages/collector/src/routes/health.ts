import { Hono, type MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import type { AppEnv } from './auth';
import type { CollectorDeps } from '../app';
import { renderMetrics } from '../ingest/metrics';
import { renderWebhookMetrics } from '../webhooks/metrics';

/** RFC 6750 `b64token`, what hono's bearerAuth accepts in the header. */
const TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

/**
 * Checks a `metricsToken` option; the message says what is wrong (thrown at start, not at the
 * first scrape: a token no header can carry would lock Prometheus out silently).
 *
 * @example
 * metricsTokenProblem('short') // 'the metrics token needs at least 16 characters'
 */
export function metricsTokenProblem(token: string): string | null {
  if (token.length < 16) return 'the metrics token needs at least 16 characters';
  if (!TOKEN.test(token)) return 'the metrics token may hold only letters, digits and - . _ ~ + / (then = padding)';
  return null;
}

/** 401/400 answers of hono's bearerAuth, in the collector's JSON error shape. */
function metricsAuth(token: string): MiddlewareHandler<AppEnv> {
  const problem = metricsTokenProblem(token);
  if (problem) throw new Error(problem);
  const msg = (message: string) => ({ error: 'unauthorized', message });
  return bearerAuth({
    token,
    noAuthenticationHeader: { message: msg('/metrics needs Authorization: Bearer <metrics token>') },
    invalidAuthenticationHeader: { message: { error: 'bad_request', message: 'Authorization must be "Bearer <token>"' } },
    invalidToken: { message: msg('Wrong metrics token') },
  });
}

/**
 * `GET /healthz`: liveness — 200 `{ ok: true }` when the database takes a durable write
 * (`store.ping()`), 503 otherwise (closed, read-only, or too full for one page: ingest fails then),
 * and 503 `disk_low` while free disk space is below `minFreeDiskBytes`.
 * `GET /metrics`: Prometheus text (events accepted / duplicate / rejected, refused requests
 * by status, commit-wait and flush latency histograms, each webhook's backlog and failures), behind a bearer token when the
 * `metricsToken` option is set.
 *
 * @example
 * app.route('/', healthRoutes(deps));
 */
export function healthRoutes(deps: CollectorDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/healthz', async (c) => {
    let ok = false;
    try {
      ok = await deps.store.ping();
    } catch {
      ok = false;
    }
    c.header('Cache-Control', 'no-store');
    if (!ok) return c.json({ ok: false, error: 'unavailable', message: 'The database does not take writes (closed, read-only or full); ingest would fail' }, 503);
    const min = deps.options.minFreeDiskBytes;
    const free = min ? deps.metrics.diskFreeBytes?.() : null;
    if (min && typeof free === 'number' && free < min) {
      const mb = (n: number) => `${Math.floor(n / 1_048_576)} MB`;
      return c.json({ ok: false, error: 'disk_low', message: `The database's disk is nearly full: ${mb(free)} free, below ${mb(min)}; ingest fails once it is full` }, 503);
    }
    return c.json({ ok: true });
  });
  const token = deps.options.metricsToken;
  if (token !== undefined) app.use('/metrics', metricsAuth(token));
  app.get('/metrics', async (c) =>
    c.body(renderMetrics(deps.metrics) + renderWebhookMetrics(await deps.store.listWebhooks()), 200, {
      'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
      'Cache-Control': 'no-store',
    }),
  );
  return app;
}
