import { describe, expect, it } from 'vitest';
import { withCollector, type CollectorFixture } from '../test-utils/harness';
import type { JourneysReport } from './journeys';
import type { RopoReport } from './ropo';

const T0 = Date.UTC(2026, 2, 10, 12);
const iso = (t: number) => new Date(t).toISOString();
const ORIGIN = 'https://shop.example';
const Q = `from=2026-03-09&to=2026-03-11&goals=${encodeURIComponent('Signed Up')}`;

/** One visitor who signs up (a goal, value 1) and buys online; one store order of another person. */
async function seed(fx: CollectorFixture) {
  const ctx = (extra: Record<string, unknown> = {}) => ({ omnitrail: { v: 1, consent: 'granted', sessionId: 's1', ...extra }, page: { url: `${ORIGIN}/`, path: '/', referrer: '' } });
  const batch = [
    { type: 'page', messageId: 'g1', anonymousId: 'a1', timestamp: iso(T0), context: ctx({ sessionStart: true }) },
    { type: 'track', event: 'Signed Up', messageId: 'g2', anonymousId: 'a1', timestamp: iso(T0 + 1000), context: ctx() },
    { type: 'track', event: 'Order Completed', messageId: 'g3', anonymousId: 'a1', timestamp: iso(T0 + 2000), properties: { order_id: 'W-1', revenue: 80, currency: 'EUR' }, context: ctx() },
  ];
  expect(await (await fx.post('/v1/batch', { batch }, { headers: { origin: ORIGIN } })).json()).toMatchObject({ accepted: 3, rejected: [] });
  expect((await fx.post('/v1/orders', { order_id: 'S-1', channel: 'store', revenue: 50, currency: 'EUR', loyaltyId: 'L-1', timestamp: iso(T0 + 3000) }, { auth: 'secret' })).status).toBe(200);
}

describe('goal conversions in the ROPO and journeys reports', () => {
  it('ROPO counts orders only: a goal is not an offline order', () =>
    withCollector(async (fx) => {
      await seed(fx);
      const r = (await (await fx.get(`/v1/reports/ropo?${Q}`)).json()) as RopoReport;
      expect(r.offlineOrders).toMatchObject({ orders: 1, revenue: 50 });
      expect(r.onlineOrders).toMatchObject({ orders: 1, revenue: 80 });
      expect(r.bySalesChannel.map((s) => s.salesChannel)).toEqual(['store']);
    }, { origins: [ORIGIN], rateLimit: false }));

  it('journeys count a goal as a conversion but add no revenue for it', () =>
    withCollector(async (fx) => {
      await seed(fx);
      const r = (await (await fx.get(`/v1/reports/journeys?${Q}`)).json()) as JourneysReport;
      expect(r.conversions).toBe(3);
      expect(r.rows.reduce((s, x) => s + x.revenue, 0)).toBe(130);
    }, { origins: [ORIGIN], rateLimit: false }));
});
