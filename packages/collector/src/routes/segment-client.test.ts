import { expect, test } from 'vitest';
import { Analytics } from '@segment/analytics-node';
import { withCollector } from '../test-utils/harness';

// A real client we did not write: Segment's own Node library, pointed at the collector.
test('@segment/analytics-node: track/identify/page/batch are stored exactly once', () =>
  withCollector(
    async (fx) => {
      const analytics = new Analytics({ writeKey: fx.writeKey, host: fx.url, path: '/v1/batch', maxEventsInBatch: 10, flushInterval: 50, maxRetries: 2 });
      const errors: unknown[] = [];
      analytics.on('error', (e) => errors.push(e));
      const responses: number[] = [];
      analytics.on('http_request', () => responses.push(1));

      analytics.identify({ userId: 'u-1', anonymousId: 'anon-1', traits: { name: 'Jane', plan: 'pro' } });
      analytics.page({ anonymousId: 'anon-1', name: 'Home', properties: { url: 'https://shop.example/' } });
      analytics.track({ userId: 'u-1', event: 'Order Completed', properties: { order_id: 'o-1', revenue: 42.5, currency: 'EUR' } });
      // 25 more: the library splits them into several batches of at most 10.
      for (let i = 0; i < 25; i++) analytics.track({ anonymousId: `anon-${i}`, event: 'Product Viewed', properties: { product_id: `p${i}` } });
      await analytics.closeAndFlush({ timeout: 10_000 });

      expect(errors).toEqual([]);
      const rows = fx.store.db
        .prepare('SELECT message_id, type, event, user_id, anonymous_id, traits FROM events WHERE site_id = ?')
        .all(fx.site.id) as { message_id: string; type: string; event: string | null; user_id: string | null; anonymous_id: string | null; traits: string }[];
      expect(rows).toHaveLength(28);
      expect(new Set(rows.map((r) => r.message_id)).size).toBe(28);
      expect(rows.filter((r) => r.type === 'identify')).toMatchObject([{ user_id: 'u-1', traits: JSON.stringify({ name: 'Jane', plan: 'pro' }) }]);
      expect(rows.filter((r) => r.type === 'page')).toMatchObject([{ event: 'Home', anonymous_id: 'anon-1' }]);
      expect(rows.filter((r) => r.event === 'Order Completed')).toHaveLength(1);
      expect(rows.filter((r) => r.event === 'Product Viewed')).toHaveLength(25);
      expect(responses.length).toBeGreaterThanOrEqual(3); // really batched (≥ 3 requests for 28 events)

      // Replaying every stored event through the same endpoint counts them all as duplicates.
      const replay = rows.map((r) => ({ type: r.type, messageId: r.message_id, userId: r.user_id ?? undefined, anonymousId: r.anonymous_id ?? undefined, event: r.event ?? undefined, name: r.event ?? undefined }));
      const res = await fx.post('/v1/batch', { batch: replay.map((e) => (e.type === 'track' ? e : { ...e, event: undefined })) });
      expect(await res.json()).toEqual({ accepted: 0, duplicates: 28, rejected: [] });
      expect(await fx.store.countEvents(fx.site.id)).toBe(28);
    },
    { transport: 'http' },
  ));
