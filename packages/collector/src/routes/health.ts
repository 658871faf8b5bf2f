import { Hono } from 'hono';
import type { AppEnv } from './auth';
import type { CollectorDeps } from '../app';
import { renderMetrics } from '../ingest/metrics';

/**
 * `GET /healthz`: liveness — 200 `{ ok: true }` when the database takes a durable write
 * (`store.ping()`), 503 otherwise (closed, read-only, or too full for one page: ingest fails then).
 * `GET /metrics`: Prometheus text (events accepted / duplicate / rejected, refused requests
 * by status, commit-wait and flush latency histograms).
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
    return ok ? c.json({ ok: true }) : c.json({ ok: false, error: 'unavailable', message: 'The database does not take writes (closed, read-only or full); ingest would fail' }, 503);
  });
  app.get('/metrics', (c) =>
    c.body(renderMetrics(deps.metrics), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' }),
  );
  return app;
}
