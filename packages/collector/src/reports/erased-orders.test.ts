import { describe, expect, it } from 'vitest';
import { withCollector } from '../test-utils/harness';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 10, 12);
const iso = (t: number) => new Date(t).toISOString();
const Q = `from=${iso(T0 - DAY)}&to=${iso(T0 + 2 * DAY)}`;

describe('orders of an erased person stay in the reports (bookkeeping)', () => {
  it('attribution, ROPO and the journeys stream still count the anonymised order and its revenue', () =>
    withCollector(async (fx) => {
      const orders = [
        { order_id: 'O1', channel: 'store', revenue: 100, currency: 'EUR', timestamp: iso(T0), loyaltyId: 'L-1' },
        { order_id: 'O2', channel: 'store', revenue: 50, currency: 'EUR', timestamp: iso(T0 + 3600_000), loyaltyId: 'L-2' },
        // A walk-in order with no identifiers: a journey of its own already.
        { order_id: 'O3', channel: 'store', revenue: 20, currency: 'EUR', timestamp: iso(T0 + 7200_000) },
      ];
      expect((await fx.post('/v1/orders', { orders }, { auth: 'secret' })).status).toBe(200);
      const report = async () => {
        const a = await (await fx.get(`/v1/reports/attribution?${Q}`)).json();
        const r = await (await fx.get(`/v1/reports/ropo?${Q}`)).json();
        return { attribution: a.totals, ropo: { orders: r.offlineOrders.orders, revenue: r.offlineOrders.revenue } };
      };
      const before = await report();
      expect(before.attribution).toMatchObject({ conversions: 3, revenue: 170 });
      expect(before.ropo).toEqual({ orders: 3, revenue: 170 });

      const erased = await fx.fetch('/v1/persons?loyaltyId=L-1', { method: 'DELETE', headers: { authorization: fx.secretAuth } });
      expect(erased.status).toBe(200);
      expect((await erased.json()).erased.ordersAnonymised).toBe(1);
      // The order is kept for bookkeeping under a new ID, with no identifiers …
      const list = await (await fx.get('/v1/orders')).json();
      const kept = (list.orders as { orderId: string; revenue: number }[]).find((o) => o.orderId.startsWith('erased-'));
      expect(kept?.revenue).toBe(100);
      // … and every report still counts it: revenue does not vanish with the customer.
      expect(await report()).toEqual(before);
      const journeys = [];
      for await (const j of fx.store.journeys(fx.site.id, { from: T0 - DAY, to: T0 + 2 * DAY })) journeys.push(j);
      expect(journeys.map((j) => j.conversions.map((c) => c.value)).flat().sort()).toEqual([100, 20, 50]);
      const anonymised = journeys.find((j) => j.conversions[0].id.startsWith('erased-'))!;
      expect(anonymised.touches).toEqual([]);
      expect(anonymised.personId).toMatch(/^p_/);
    }));
});
