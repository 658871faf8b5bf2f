import { describe, expect, test } from 'vitest';
import { withCollector } from '../test-utils/harness';
import { createMetrics } from '../ingest/metrics';

describe('/healthz', () => {
  test('is 503 while the database cannot be written (read-only), and 200 again once it can', () =>
    withCollector(async (fx) => {
      // What a file system remounted read-only looks like to SQLite: reads work, every write
      // fails. Ingest then answers 500, so /healthz must not report the store as healthy.
      fx.store.db.pragma('query_only = 1');
      const ev = { type: 'track', event: 'X', anonymousId: 'a', messageId: 'm1' };
      expect((await fx.post('/v1/track', ev)).status).toBe(500);
      const res = await fx.fetch('/healthz');
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ ok: false, error: 'unavailable' });
      fx.store.db.pragma('query_only = 0');
      expect((await fx.fetch('/healthz')).status).toBe(200);
      expect((await fx.post('/v1/track', ev)).status).toBe(200);
    }, { logError: () => {} }));
});

describe('/healthz and free disk space', () => {
  test('503 disk_low while free space is below minFreeDiskBytes, 200 again above it; no check without the option', async () => {
    let free: number | null = 50 * 1_048_576;
    const metrics = createMetrics();
    metrics.diskFreeBytes = () => free;
    await withCollector(async (fx) => {
      const low = await fx.fetch('/healthz');
      expect(low.status).toBe(503);
      expect(await low.json()).toEqual({ ok: false, error: 'disk_low', message: "The database's disk is nearly full: 50 MB free, below 100 MB; ingest fails once it is full" });
      free = 101 * 1_048_576;
      expect((await fx.fetch('/healthz')).status).toBe(200);
      // A file system that cannot say (statfs failed): no verdict from the disk.
      free = null;
      expect((await fx.fetch('/healthz')).status).toBe(200);
    }, { metrics, minFreeDiskBytes: 100 * 1_048_576 });
    free = 1;
    await withCollector(async (fx) => {
      expect((await fx.fetch('/healthz')).status).toBe(200);
    }, { metrics });
  });
});

describe('/metrics', () => {
  test('counts an ingest request that failed in storage as refused with status 500', () =>
    withCollector(async (fx) => {
      fx.store.db.pragma('query_only = 1');
      const ev = { type: 'track', event: 'X', anonymousId: 'a', messageId: 'm1' };
      expect((await fx.post('/v1/track', ev)).status).toBe(500);
      fx.store.db.pragma('query_only = 0');
      const text = await (await fx.fetch('/metrics')).text();
      expect(text).toContain('omnitrail_requests_refused_total{status="500"} 1\n');
      expect(text).toContain('omnitrail_events_accepted_total 0\n');
    }, { logError: () => {} }));
});

describe('/metrics with a metrics token', () => {
  const token = 'scrape-0123456789abcdef';
  for (const transport of ['app', 'http'] as const) {
    test(`needs Authorization: Bearer <token>; /healthz stays open [${transport}]`, () =>
      withCollector(async (fx) => {
        const none = await fx.fetch('/metrics');
        expect(none.status).toBe(401);
        expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(await none.json()).toEqual({ error: 'unauthorized', message: '/metrics needs Authorization: Bearer <metrics token>' });
        const wrong = await fx.fetch('/metrics', { headers: { authorization: `Bearer ${token}x` } });
        expect(wrong.status).toBe(401);
        expect(await wrong.text()).not.toContain('omnitrail_');
        // A write key sent the Segment way is not the metrics token.
        expect((await fx.fetch('/metrics', { headers: { authorization: 'Basic ' + btoa(`${token}:`) } })).status).toBe(400);
        const ok = await fx.fetch('/metrics', { headers: { authorization: `Bearer ${token}` } });
        expect(ok.status).toBe(200);
        expect(await ok.text()).toContain('omnitrail_events_accepted_total 0\n');
        expect((await fx.fetch('/healthz')).status).toBe(200);
      }, { transport, metricsToken: token }));
  }

  test('a token no Authorization header can carry, or a short one, is refused at start', async () => {
    const { createCollector } = await import('../app');
    const { openSqliteStore } = await import('../store/sqlite/index');
    const { tempDbPath } = await import('../test-utils/harness');
    const store = openSqliteStore(tempDbPath());
    try {
      expect(() => createCollector({ store, metricsToken: 'short' })).toThrow('at least 16 characters');
      expect(() => createCollector({ store, metricsToken: 'has spaces in the token' })).toThrow('only letters, digits');
      expect(() => createCollector({ store, metricsToken: token })).not.toThrow();
    } finally {
      await store.close();
    }
  });
});

describe('/metrics and webhooks', () => {
  test("each webhook's backlog and failures are gauges; none without webhooks", () =>
    withCollector(async (fx) => {
      expect(await (await fx.fetch('/metrics')).text()).not.toContain('omnitrail_webhook_');
      // A receiver that is down: nothing delivers in this test, so the message stays pending.
      const { webhook } = await fx.store.createWebhook(fx.site.id, { url: 'http://127.0.0.1:1/hooks', events: ['order.created'], privateOk: true });
      const order = { order_id: 'S-1', channel: 'store', revenue: 50, currency: 'EUR', timestamp: new Date().toISOString() };
      expect((await fx.post('/v1/orders', order, { auth: 'secret' })).status).toBe(200);
      const text = await (await fx.fetch('/metrics')).text();
      const series = `{site="${fx.site.id}",webhook="${webhook.id}"}`;
      expect(text).toContain(`# TYPE omnitrail_webhook_pending_messages gauge\nomnitrail_webhook_pending_messages${series} 1\n`);
      expect(text).toContain(`omnitrail_webhook_consecutive_failures${series} 0\n`);
      expect(text).toContain(`omnitrail_webhook_last_success_timestamp_seconds${series} 0\n`);
    }));
});
