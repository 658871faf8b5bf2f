import { describe, expect, test } from 'vitest';
import { withCollector } from '../test-utils/harness';

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
