import { describe, expect } from 'vitest';
import type { WireEvent } from '@omnitrail/schema';
import { eachTransport, type CollectorFixture } from '../test-utils/harness';

const DAY = 864e5;
const T0 = Date.UTC(2026, 0, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString();
let n = 0;

function ev(anon: string, day: number, e: Partial<WireEvent>, ot: Record<string, unknown> = {}, ctx: Record<string, unknown> = {}): WireEvent {
  const ts = iso(T0 + day * DAY);
  return {
    type: 'page',
    messageId: `m-${anon}-${n++}`,
    anonymousId: anon,
    timestamp: ts,

    context: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36', page: { url: 'https://shop.example/', path: '/' }, omnitrail: { v: 1, consent: 'granted', ...ot }, ...ctx },
    ...e,
  };
}

/**
 * Person A: Paid Search (day 1) → Organic Search (day 3) → web order W1 100 € (day 3).
 * Person B: Email (day 2) → store order S1 50 € (day 5), linked by userId U2.
 * Person C: Organic Social (day 4), no order. A bot: Paid Social session + order (never counted).
 */
async function seed(fx: CollectorFixture) {
  const batch: WireEvent[] = [
    ev('a1', 1, {}, { sessionStart: true, sessionId: 's1' }, { campaign: { source: 'google', medium: 'cpc', name: 'brand' } }),
    ev('a1', 3, {}, { sessionStart: true, sessionId: 's2' }, { page: { url: 'https://shop.example/', path: '/', referrer: 'https://www.google.de/' } }),
    ev('a1', 3, { type: 'identify', userId: 'U1' }),
    ev('a1', 3, { type: 'track', event: 'Order Completed', properties: { order_id: 'W1', revenue: 100, currency: 'EUR' } }),
    ev('b1', 2, {}, { sessionStart: true, sessionId: 's3' }, { campaign: { source: 'newsletter', medium: 'email', name: 'jan' } }),
    ev('b1', 2, { type: 'identify', userId: 'U2' }),
    ev('c1', 4, {}, { sessionStart: true, sessionId: 's4' }, { page: { url: 'https://shop.example/', path: '/', referrer: 'https://l.facebook.com/' } }),
    ev('bot', 4, {}, { sessionStart: true, sessionId: 's5' }, { userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)', campaign: { source: 'facebook', medium: 'paid' } }),
    ev('bot', 4, { type: 'track', event: 'Order Completed', properties: { order_id: 'BOT1', revenue: 999 } }, {}, { userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' }),
    ev('a1', 3, { type: 'track', event: 'Web Vitals', properties: { metric: 'LCP', value: 2000, rating: 'good', id: 'v1' } }),
    ev('a1', 3, { type: 'track', event: 'Web Vitals', properties: { metric: 'LCP', value: 3000, rating: 'needs-improvement', id: 'v2' } }),
    ev('c1', 4, { type: 'track', event: 'Web Vitals', properties: { metric: 'LCP', value: 5000, rating: 'poor', id: 'v3' } }, {}, { page: { url: 'https://shop.example/p/1?x=1' } }),
    ev('bot', 4, { type: 'track', event: 'Web Vitals', properties: { metric: 'LCP', value: 9000, id: 'v4' } }, {}, { userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' }),
  ];
  const res = await fx.post('/v1/batch', { batch });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { accepted: number }).accepted).toBe(batch.length);
  const o = await fx.post('/v1/orders', { order_id: 'S1', channel: 'store', userId: 'U2', revenue: 50, currency: 'EUR', timestamp: iso(T0 + 5 * DAY) }, { auth: 'secret' });
  expect(o.status).toBe(200);
}

const Q = `from=${iso(T0 - DAY)}&to=${iso(T0 + 10 * DAY)}`;

describe('GET /v1/reports/<name>', () => {
  eachTransport('attribution: per channel, all models, bots excluded, persons stitched', async (fx) => {
    await seed(fx);
    const res = await fx.get(`/v1/reports/attribution?${Q}`);
    expect(res.status).toBe(200);
    const r = (await res.json()) as { totals: { conversions: number; revenue: number }; rows: { key: string; revenue: Record<string, number> }[] };
    expect(r.totals).toMatchObject({ conversions: 2, revenue: 150 });
    const rev = Object.fromEntries(r.rows.map((x) => [x.key, x.revenue]));
    expect(Object.keys(rev).sort()).toEqual(['Email', 'Organic Search', 'Paid Search']);
    expect(rev['Paid Search']).toMatchObject({ first_touch: 100, last_touch: 0, linear: 50, position_based: 50 });
    expect(rev['Organic Search']).toMatchObject({ first_touch: 0, last_touch: 100, linear: 50 });
    // B's store order is joined to B's email session through userId U2.
    expect(rev.Email).toMatchObject({ first_touch: 50, markov: 50, shapley: 50 });
    for (const m of ['first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based', 'markov', 'shapley']) {
      expect(Object.values(rev).reduce((s, x) => s + x[m], 0)).toBeCloseTo(150, 6);
    }
  });

  eachTransport("date-only bounds are days of the site's reporting time zone, and every report says which", async (fx) => {
    await fx.store.updateSiteSettings(fx.site.id, { ...fx.site.settings, timezone: 'Europe/Berlin' });
    await seed(fx);
    for (const name of ['attribution', 'ropo', 'funnel', 'journeys', 'qr', 'vitals']) {
      const res = await fx.get(`/v1/reports/${name}?from=2026-01-01&to=2026-01-31${name === 'funnel' ? '&steps=Product%20Viewed,Order%20Completed' : ''}`);
      expect(res.status, name).toBe(200);
      // Berlin is UTC+1 in January: its 1 January starts at 23:00 UTC the day before.
      expect(await res.json(), name).toMatchObject({ from: '2025-12-31T23:00:00.000Z', to: '2026-01-31T23:00:00.000Z', timeZone: 'Europe/Berlin' });
    }
    const ex = await (await fx.get(`/v1/reports/explain?${Q}&order=W1`)).json();
    expect(ex).toMatchObject({ timeZone: 'Europe/Berlin' });
  });

  eachTransport('explain, ropo, journeys, vitals; errors', async (fx) => {
    await seed(fx);
    const ex = (await (await fx.get(`/v1/reports/explain?${Q}&order=W1`)).json()) as { path: { channel: string; credits: Record<string, number> }[] };
    expect(ex.path.map((t) => t.channel)).toEqual(['Paid Search', 'Organic Search']);
    expect(ex.path[0].credits.time_decay).toBeGreaterThan(0);

    const ropo = (await (await fx.get(`/v1/reports/ropo?${Q}`)).json()) as { offlineOrders: Record<string, number>; onlineOrders: Record<string, number> };
    // S1 (store) had B's email session 3 days before; W1 (web) had no offline touch.
    expect(ropo.offlineOrders).toMatchObject({ orders: 1, withOnlineTouch: 1, share: 1, medianDaysFromFirstOnlineTouch: 3 });
    expect(ropo.onlineOrders).toMatchObject({ orders: 1, withOfflineTouch: 0, share: 0 });

    const j = (await (await fx.get(`/v1/reports/journeys?${Q}`)).json()) as { rows: { path: string[]; journeys: number; conversions: number }[] };
    expect(j.rows).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: ['Paid Search', 'Organic Search'], journeys: 1, conversions: 1 }),
      expect.objectContaining({ path: ['Organic Social'], journeys: 1, conversions: 0 }),
    ]));
    expect(j.rows.some((r) => r.path.includes('Paid Social'))).toBe(false);

    const v = (await (await fx.get(`/v1/reports/vitals?${Q}`)).json()) as { rows: { path: string; metrics: Record<string, { samples: number; p75: number; good: number; poor: number }> }[] };
    // All (bot excluded): 2000, 3000, 5000 → p75 nearest rank = 5000 (ceil(.75·3) = 3rd).
    expect(v.rows[0]).toMatchObject({ path: '*', metrics: { LCP: { samples: 3, p75: 5000 } } });
    expect(v.rows.find((r) => r.path === '/')!.metrics.LCP).toMatchObject({ samples: 2, p75: 3000, good: 0.5, poor: 0 });
    expect(v.rows.find((r) => r.path === '/p/1')!.metrics.LCP).toMatchObject({ samples: 1, poor: 1 });

    expect((await fx.get(`/v1/reports/explain?${Q}&order=NOPE`)).status).toBe(404);
    expect((await fx.get(`/v1/reports/explain?${Q}`)).status).toBe(400);
    expect((await fx.get(`/v1/reports/attribution?from=yesterday`)).status).toBe(400);
    expect((await fx.get(`/v1/reports/attribution?model=magic`)).status).toBe(400);
    expect((await fx.get(`/v1/reports/nope`)).status).toBe(404);
    expect((await fx.get(`/v1/reports/attribution`, { auth: 'write' })).status).toBe(401);
    expect((await fx.get(`/v1/reports/attribution`, { auth: 'none' })).status).toBe(401);
  });
});
