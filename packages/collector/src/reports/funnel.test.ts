import { describe, expect, it } from 'vitest';
import { withCollector } from '../test-utils/harness';
import type { FunnelReport } from './funnel';

const T0 = Date.UTC(2026, 2, 10, 12);
const iso = (t: number) => new Date(t).toISOString();
const ORIGIN = 'https://shop.example';

describe('funnel over the store', () => {
  it('a web order cancelled since does not complete "Order Completed"; a kept one does', () =>
    withCollector(async (fx) => {
      const ctx = { omnitrail: { v: 1, consent: 'granted', sessionId: 's1' }, page: { url: `${ORIGIN}/`, path: '/' } };
      const shopper = (anon: string, order: string) => [
        { type: 'track', event: 'Product Viewed', messageId: `${anon}-1`, anonymousId: anon, timestamp: iso(T0), context: ctx },
        { type: 'track', event: 'Product Added', messageId: `${anon}-2`, anonymousId: anon, timestamp: iso(T0 + 1000), context: ctx },
        { type: 'track', event: 'Checkout Started', messageId: `${anon}-3`, anonymousId: anon, timestamp: iso(T0 + 2000), context: ctx },
        { type: 'track', event: 'Order Completed', messageId: `${anon}-4`, anonymousId: anon, timestamp: iso(T0 + 3000), properties: { order_id: order, revenue: 50, currency: 'EUR' }, context: ctx },
      ];
      const batch = [
        ...shopper('kept', 'W-1'),
        ...shopper('gone', 'W-2'),
        { type: 'track', event: 'Order Cancelled', messageId: 'gone-5', anonymousId: 'gone', timestamp: iso(T0 + 3_600_000), properties: { order_id: 'W-2' }, context: ctx },
      ];
      expect(await (await fx.post('/v1/batch', { batch }, { headers: { origin: ORIGIN } })).json()).toMatchObject({ accepted: 9, rejected: [] });
      const r = (await (await fx.get('/v1/reports/funnel?from=2026-03-10&to=2026-03-10')).json()) as FunnelReport;
      expect(r.steps.map((s) => [s.name, s.persons])).toEqual([
        ['Product Viewed', 2],
        ['Product Added', 2],
        ['Checkout Started', 2],
        ['Order Completed', 1],
      ]);
    }, { origins: [ORIGIN], rateLimit: false }));
});
