import { createHash } from 'node:crypto';
import { describe, expect } from 'vitest';
import { eachTransport } from '../test-utils/harness';

const T = Date.UTC(2026, 2, 1, 10);
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const iso = (t: number) => new Date(t).toISOString();

describe('POST /v1/orders', () => {
  eachTransport('needs the secret key', async (fx) => {
    const body = { order_id: 'B-1', revenue: 1 };
    expect((await fx.post('/v1/orders', body, { auth: 'none' })).status).toBe(401);
    expect((await fx.post('/v1/orders', body, { auth: 'write' })).status).toBe(401);
    expect(await fx.store.countOrders(fx.site.id)).toBe(0);
  });

  eachTransport('one order: stored, resend is a duplicate, refund updates; read back with history', async (fx) => {
    const order = {
      order_id: 'B-1', channel: 'store', location: 'berlin-mitte', timestamp: iso(T), revenue: 89.9, currency: 'EUR',
      products: [{ id: 'P1', sku: 'SKU-1', name: 'Shoe', price: 89.9, quantity: 1 }], email: 'Jane@Shop.de', phone: '030 1234567',
      loyaltyId: 'L-4711', coupon: 'SPRING',
    };
    let res = await fx.post('/v1/orders?defaultCountry=DE', order, { auth: 'secret' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [], warnings: [] });
    res = await fx.post('/v1/orders?defaultCountry=DE', order, { auth: 'secret' });
    expect(await res.json()).toEqual({ accepted: 0, duplicates: 1, rejected: [], warnings: [] });
    res = await fx.post('/v1/orders', { order_id: 'B-1', status: 'refunded', timestamp: iso(T + 3600_000) }, { auth: 'secret' });
    expect(await res.json()).toMatchObject({ accepted: 1, duplicates: 0 });

    res = await fx.get('/v1/orders/B-1');
    expect(res.status).toBe(200);
    const got = await res.json();
    expect(got).toMatchObject({ orderId: 'B-1', status: 'refunded', revenue: 0, channel: 'store', location: 'berlin-mitte', coupon: 'SPRING' });
    expect(got.identifiers).toEqual(
      expect.arrayContaining([
        { kind: 'email', value: sha('jane@shop.de') },
        { kind: 'phone', value: sha('+49301234567') },
        { kind: 'loyalty', value: 'L-4711' },
      ]),
    );
    expect(got.history.map((h: { status: string }) => h.status)).toEqual(['completed', 'refunded']);
    // raw PII is nowhere in the database
    const dump = JSON.stringify(fx.store.db.prepare('SELECT * FROM order_records').all()) + JSON.stringify(fx.store.db.prepare('SELECT * FROM orders').all());
    expect(dump).not.toMatch(/jane|1234567/i);
    expect((await fx.get('/v1/orders/nope')).status).toBe(404);
  });

  eachTransport('batch: per-order rejections by index, the rest stored', async (fx) => {
    const res = await fx.post(
      '/v1/orders',
      { orders: [{ order_id: 'A', revenue: 1 }, { order_id: 'B' }, { order_id: 'C', revenue: 3, status: 'lost' }, { order_id: 'D', revenue: 4, email: 'nope' }] },
      { auth: 'secret' },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: [
        { index: 1, order_id: 'B', reason: 'revenue is required (or total, or products with prices)' },
        { index: 2, order_id: 'C', reason: 'status must be completed, refunded or cancelled' },
      ],
      warnings: [{ index: 3, id: 'D', warning: 'email is not a usable e-mail address; ignored' }],
    });
    expect(await fx.store.countOrders(fx.site.id)).toBe(2);
  });

  eachTransport('GET /v1/orders pages through a period in (time, order_id) order', async (fx) => {
    const orders = ['C', 'A', 'B', 'D', 'E'].map((id, i) => ({ order_id: id, revenue: i + 1, timestamp: iso(T + (id === 'E' ? 99 : 0) * 60_000) }));
    await fx.post('/v1/orders', { orders }, { auth: 'secret' });
    const seen: string[] = [];
    let url = `/v1/orders?from=${iso(T)}&to=${T + 3600_000}&limit=2`;
    for (let page = 0; page < 5; page++) {
      const body = await (await fx.get(url)).json();
      seen.push(...body.orders.map((o: { orderId: string }) => o.orderId));
      if (!body.next) break;
      url = `/v1/orders?from=${iso(T)}&to=${T + 3600_000}&limit=2&after=${encodeURIComponent(body.next)}`;
    }
    expect(seen).toEqual(['A', 'B', 'C', 'D']); // E lies outside the period
    expect((await fx.get('/v1/orders?limit=0')).status).toBe(400);
    expect((await fx.get('/v1/orders?from=yesterday')).status).toBe(400);
    expect((await fx.get('/v1/orders?to=2026-04-31')).status).toBe(400);
    expect((await fx.get(`/v1/orders?from=${encodeURIComponent('March 1, 2026')}`)).status).toBe(400);
    expect((await fx.get('/v1/orders', { auth: 'write' })).status).toBe(401);
  });

  eachTransport('a single invalid order is a 400 with the reason; bad bodies are clear errors', async (fx) => {
    let res = await fx.post('/v1/orders', { revenue: 1 }, { auth: 'secret' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_order', message: 'order_id is required' });
    res = await fx.post('/v1/orders', '{not json', { auth: 'secret' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'bad_request', message: expect.stringMatching(/JSON/) });
    res = await fx.post('/v1/orders', { orders: Array.from({ length: 1001 }, (_, i) => ({ order_id: `X${i}`, revenue: 1 })) }, { auth: 'secret' });
    expect(res.status).toBe(413);
    res = await fx.post('/v1/orders?defaultCountry=Germany', { order_id: 'A', revenue: 1 }, { auth: 'secret' });
    expect(res.status).toBe(400);
  });

  eachTransport('a web Order Completed and the server order are one order, revenue once', async (fx) => {
    const web = {
      type: 'track', event: 'Order Completed', messageId: 'm-1', anonymousId: 'anon-1', timestamp: iso(T),
      properties: { order_id: 'W-1', revenue: 50, currency: 'EUR' },
    };
    // a browser user agent: events flagged as bots are kept out of stitching
    const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
    expect((await fx.post('/v1/track', web, { headers: { origin: 'https://shop.example', 'user-agent': ua } })).status).toBe(200);
    const res = await fx.post('/v1/orders', { order_id: 'W-1', channel: 'web', revenue: 49, timestamp: iso(T + 1000), userId: 'C-1' }, { auth: 'secret' });
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: [] });
    expect(await fx.store.countOrders(fx.site.id)).toBe(1);
    expect(await fx.store.getOrder(fx.site.id, 'W-1')).toMatchObject({ revenue: 49, ts: T, sources: ['server', 'web'] });
    const person = await fx.store.personOf(fx.site.id, { kind: 'user', value: 'C-1' });
    expect(person?.identifiers).toEqual(expect.arrayContaining([{ kind: 'anon', value: 'anon-1' }]));
  });
});

describe('POST /v1/touchpoints', () => {
  eachTransport('stores touchpoints once, rejects bad ones by index', async (fx) => {
    const body = {
      touchpoints: [
        { type: 'store_visit', timestamp: iso(T), location: 'berlin', loyaltyId: 'L-1', note: 'tried shoes' },
        { type: 'fax', loyaltyId: 'L-1' },
        { type: 'phone_call', touchpoint_id: 'CALL-9', timestamp: iso(T + 60_000), phone: '+49 30 1234567', staff: 'mk' },
      ],
    };
    let res = await fx.post('/v1/touchpoints', body, { auth: 'secret' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 2, duplicates: 0, rejected: [{ index: 1, reason: expect.stringMatching(/type must be/) }] });
    res = await fx.post('/v1/touchpoints', body, { auth: 'secret' });
    expect(await res.json()).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(await fx.store.countEvents(fx.site.id)).toBe(2);
    const rows = fx.store.db.prepare("SELECT message_id, properties FROM events WHERE event = 'Offline Touchpoint' ORDER BY ts").all() as {
      message_id: string;
      properties: string;
    }[];
    expect(rows[1].message_id).toBe('tp-CALL-9');
    expect(JSON.parse(rows[1].properties)).toMatchObject({ touchpoint_type: 'phone_call', channel: 'phone', staff: 'mk', identifiers: { phone_sha256: sha('+49301234567') } });
    expect(JSON.stringify(rows)).not.toContain('1234567');
    res = await fx.post('/v1/touchpoints', { type: 'store_visit' }, { auth: 'secret' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_touchpoint', message: expect.stringMatching(/identifier/) });
  });
});
