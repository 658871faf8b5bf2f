import { describe, expect, test } from 'vitest';
import { withCollector } from '../test-utils/harness';

describe('/healthz', () => {
  test('is 503 while the database cannot be written (read-only), and 200 again once it can', () =>
    withCollector(async (fx) => {
      expect((await fx.fetch('/healthz')).status).toBe(200);
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
