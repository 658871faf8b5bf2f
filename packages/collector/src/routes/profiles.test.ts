import { describe, expect } from 'vitest';
import { hashPii } from '../pii/index';
import type { Profile } from './profiles';
import { eachTransport } from '../test-utils/harness';

// Node's fetch says "node", which isbot flags (and bots are never stitched).
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const T = Date.parse('2026-03-01T10:00:00Z');
const at = (min: number) => new Date(T + min * 60_000).toISOString();

describe('GET /v1/profiles', () => {
  eachTransport('joins web visits, a web order, a store order and a store visit into one profile', async (fx) => {
    const web = await fx.post(
      '/v1/batch',
      {
        batch: [
          { type: 'page', messageId: 'p1', anonymousId: 'a1', timestamp: at(0), context: { page: { url: 'https://shop.example/?utm_source=newsletter', path: '/', title: 'Home' }, campaign: { source: 'newsletter', medium: 'email', name: 'spring' }, omnitrail: { v: 1, consent: 'granted', sessionId: 's1', sessionStart: true } } },
          { type: 'identify', messageId: 'i1', anonymousId: 'a1', userId: 'C-17', timestamp: at(1), traits: { email: 'Jane@Example.com', loyalty_id: 'L-4711' }, context: { omnitrail: { consent: 'granted' } } },
          { type: 'track', event: 'Order Completed', messageId: 'o1', anonymousId: 'a1', userId: 'C-17', timestamp: at(2), properties: { order_id: 'W-1', revenue: 50, currency: 'EUR', products: [{ product_id: 'P-1', name: 'Shoe', price: 50, quantity: 1 }] }, context: { omnitrail: { consent: 'granted' } } },
        ],
      },
      { headers: { 'user-agent': CHROME } },
    );
    expect(await web.json()).toMatchObject({ accepted: 3, rejected: [] });
    const order = await fx.post('/v1/orders', { order_id: 'S-1', channel: 'store', location: 'berlin', timestamp: at(60 * 24), revenue: 20, currency: 'EUR', loyaltyId: 'L-4711', products: [{ id: 'P-2', name: 'Socks', price: 10, quantity: 2 }] }, { auth: 'secret' });
    expect(order.status).toBe(200);
    const tp = await fx.post('/v1/touchpoints', { type: 'store_visit', timestamp: at(60 * 23), location: 'berlin', email: ' jane@example.com ' }, { auth: 'secret' });
    expect(tp.status).toBe(200);

    const res = await fx.get('/v1/profiles?email=JANE@example.com');
    expect(res.status).toBe(200);
    const p: Profile = await res.json();
    const emailHash = (await hashPii('email', 'jane@example.com'))!;
    expect(p.identifiers).toEqual([
      { kind: 'anon', value: 'a1' },
      { kind: 'email', value: emailHash },
      { kind: 'loyalty', value: 'L-4711' },
      { kind: 'order', value: 'S-1' },
      { kind: 'order', value: 'W-1' },
      { kind: 'user', value: 'C-17' },
    ]);
    expect(JSON.stringify(p)).not.toMatch(/jane@example\.com/i);
    expect(p.orders.map((o) => [o.orderId, o.channel, o.revenue])).toEqual([['W-1', 'web', 50], ['S-1', 'store', 20]]);
    expect(p.products.map((x) => [x.name, x.quantity, x.channels])).toEqual([['Socks', 2, ['store']], ['Shoe', 1, ['web']]]);
    expect(p.touchpoints.map((t) => [t.kind, t.channel])).toEqual([['session', 'Email'], ['offline', 'Store']]);
    expect(Object.keys(p.touchpointsByChannel).sort()).toEqual(['Email', 'Store']);
    expect(p.firstSeen).toBe(at(0));
    expect(p.lastSeen).toBe(at(60 * 24));
    expect(p.summary).toMatchObject({ sessions: 1, pageViews: 1, orders: 2, offlineTouchpoints: 1, revenue: { EUR: 70 } });
    expect(p.summary.revenueInReportingCurrency).toBeUndefined(); // the site sets no reporting currency
    // Every link explains itself: evidence, time, rule.
    expect(p.links.find((l) => l.source.rule === 'identify')).toMatchObject({ status: 'linked', source: { type: 'event', ref: 'i1', at: at(1) } });

    for (const q of ['loyaltyId=l-4711', 'orderId=S-1', 'userId=C-17', 'anonymousId=a1']) {
      const other: Profile = await (await fx.get(`/v1/profiles?${q}`)).json();
      expect(other.personId, q).toBe(p.personId);
    }
  });

  eachTransport('email_sha256 / phone_sha256 name a person by the stored hash, so no raw contact data goes into the URL', async (fx) => {
    const tp = await fx.post('/v1/touchpoints', { type: 'store_visit', timestamp: at(0), location: 'berlin', email: 'Jane@Example.com', phone: '+49 30 1234567' }, { auth: 'secret' });
    expect(tp.status).toBe(200);
    const email = (await hashPii('email', 'jane@example.com'))!;
    const phone = (await hashPii('phone', '+49 30 1234567'))!;
    const byRaw: Profile = await (await fx.get('/v1/profiles?email=jane@example.com')).json();
    for (const q of [`email_sha256=${email}`, `email_sha256=${email.toUpperCase()}`, `phone_sha256=${phone}`]) {
      const res = await fx.get(`/v1/profiles?${q}`);
      expect(res.status, q).toBe(200);
      expect((await res.json()).personId, q).toBe(byRaw.personId);
    }
    expect((await fx.get(`/v1/persons/export?email_sha256=${email}`)).status).toBe(200);
    const bad = await fx.get('/v1/profiles?email_sha256=jane@example.com');
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toContain('email_sha256 must be the 64 hex digits of SHA-256');
    expect((await fx.get(`/v1/profiles?email_sha256=${email}&email=jane@example.com`)).status).toBe(400);
    const erased = await fx.fetch(`/v1/persons?phone_sha256=${phone}`, { method: 'DELETE', headers: { authorization: fx.secretAuth } });
    expect((await erased.json()).erased).toBeTruthy();
    expect((await fx.get('/v1/profiles?email=jane@example.com')).status).toBe(404);
  });

  eachTransport('revenue counts a partly refunded order with what remains; with a reporting currency the summary adds it in that currency and keeps what has no rate apart', async (fx) => {
    const order = (id: string, revenue: number, currency?: string) => ({ order_id: id, channel: 'store', timestamp: at(0), revenue, ...(currency ? { currency } : {}), loyaltyId: 'L-1' });
    const res = await fx.post('/v1/orders', { orders: [order('E', 100, 'EUR'), order('U', 30, 'USD'), order('G', 10, 'GBP'), order('N', 5), order('R', 60, 'EUR'), order('C', 70, 'EUR')] }, { auth: 'secret' });
    expect(res.status).toBe(200);
    // A partial refund keeps 40 of R; C is refunded in full: as in the reports, 40 counts, C nothing.
    const later = { channel: 'store', timestamp: at(60), loyaltyId: 'L-1' };
    expect((await fx.post('/v1/orders', { orders: [{ ...later, order_id: 'R', status: 'refunded', revenue: 40 }, { ...later, order_id: 'C', status: 'refunded', revenue: 0 }] }, { auth: 'secret' })).status).toBe(200);
    await fx.store.updateSiteSettings(fx.site.id, { ...fx.site.settings, currency: 'EUR', exchangeRates: { USD: 0.5 } });
    const p: Profile = await (await fx.get('/v1/profiles?loyaltyId=L-1')).json();
    expect(p.summary.revenue).toEqual({ EUR: 140, USD: 30, GBP: 10, XXX: 5 });
    expect(p.summary.revenueInReportingCurrency).toEqual({ currency: 'EUR', value: 155, unconverted: { GBP: 10, XXX: 5 } });
  });

  eachTransport('answers 404 for unknown identifiers, 400 for bad queries and 401 without the secret key', async (fx) => {
    expect((await fx.get('/v1/profiles?userId=nobody')).status).toBe(404);
    expect((await fx.get('/v1/profiles')).status).toBe(400);
    expect((await fx.get('/v1/profiles?userId=a&email=b@c.de')).status).toBe(400);
    expect((await fx.get('/v1/profiles?email=not-an-email')).status).toBe(400);
    expect((await fx.get('/v1/profiles?userId=C-17', { auth: 'write' })).status).toBe(401);
    const body = await (await fx.get('/v1/profiles?userId=nobody')).json();
    expect(body).toEqual({ error: 'not_found', message: expect.stringContaining('No person') });
  });
});
