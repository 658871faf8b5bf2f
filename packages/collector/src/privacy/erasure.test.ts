import { createHash } from 'node:crypto';
import { describe, expect } from 'vitest';
import { eachTransport, type CollectorFixture } from '../test-utils/harness';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
// A browser user agent: a request without one is flagged as a bot and never stitched.
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const ANNA = { email: 'anna@example.com', phone: '+49301234567', loyalty: 'L-4711', user: 'C-100', anon: 'anon-A' };
const BEN = { email: 'ben@example.org', user: 'C-200' };
// Recent times: a handoff code quoted on an order must already have been issued at the order's time.
const START = Date.now() - 3_600_000;
const t = (min: number) => new Date(START + min * 60_000).toISOString();

async function ok(res: Response, status = 200) {
  const body = await res.text();
  expect(res.status, body).toBe(status);
  return body ? JSON.parse(body) : null;
}

/**
 * Anna: a personalised mailing code (scanned), web visits with the scan token, a login, a
 * handoff code, a store visit, a store order by loyalty card and a phone order by handoff code.
 * Ben: logs in on Anna's browser (the guards keep him apart: two user IDs never merge) and has
 * his own order.
 */
async function buildPeople(fx: CollectorFixture) {
  const campaign = await ok(await fx.post('/v1/qr/campaigns', { name: 'Letter', targetUrl: 'https://shop.example/welcome' }, { auth: 'secret' }), 201);
  const mailing = await ok(
    await fx.post(`/v1/qr/campaigns/${campaign.id}/recipients`, [{ ref: 'R-1', customerId: ANNA.user, email: ANNA.email, phone: ANNA.phone, loyaltyId: ANNA.loyalty }], { auth: 'secret' }),
    201,
  );
  const code = mailing.codes[0].code as string;
  const scan = await fx.fetch(`/q/${code}`, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Safari/604.1' } });
  expect(scan.status).toBe(302);
  const token = new URL(scan.headers.get('location')!).searchParams.get('ot_scan')!;

  const web = (messageId: string, extra: Record<string, unknown>) => ({
    messageId,
    anonymousId: ANNA.anon,
    timestamp: t(Number(messageId.slice(1))),
    context: { omnitrail: { consent: 'granted' } },
    ...extra,
  });
  await ok(
    await fx.post('/v1/batch', {
      batch: [
        web('m1', { type: 'page', name: 'Welcome', context: { omnitrail: { consent: 'granted', sessionStart: true, sessionId: 's1', scanToken: token } } }),
        web('m2', { type: 'track', event: 'Product Viewed', properties: { product_id: 'P-1' } }),
        web('m3', { type: 'identify', userId: ANNA.user, traits: { email: ANNA.email } }),
        // Ben logs in on the same browser: refused link (user conflict), his event stays his.
        web('m4', { type: 'identify', userId: BEN.user, traits: { email: BEN.email } }),
      ],
    }),
  );
  const handoff = await ok(await fx.post('/v1/handoff', { anonymousId: ANNA.anon, consent: 'granted' }, { headers: { 'user-agent': CHROME } }));
  const tp = await ok(
    await fx.post('/v1/touchpoints', { touchpoints: [{ type: 'store_visit', loyaltyId: ANNA.loyalty, timestamp: t(20), location: 'Berlin-1', note: 'tried shoes' }] }, { auth: 'secret' }),
  );
  expect(tp.rejected).toEqual([]);
  const orders = await ok(
    await fx.post(
      '/v1/orders',
      {
        orders: [
          { order_id: 'O-1', channel: 'store', loyaltyId: ANNA.loyalty, revenue: 100, currency: 'EUR', products: [{ id: 'P-1', name: 'Shoe', price: 100, quantity: 1, engraving: 'For Anna' }] },
          { order_id: 'O-2', channel: 'phone', handoffCode: handoff.code, revenue: 50, currency: 'EUR' },
          { order_id: 'O-3', channel: 'web', userId: BEN.user, email: BEN.email, revenue: 70, currency: 'EUR' },
        ],
      },
      { auth: 'secret' },
    ),
  );
  expect(orders.rejected).toEqual([]);
  return { code, token, handoff: handoff.code as string, campaignId: campaign.id as string };
}

/** Every table, every column: rows that mention `needle` anywhere. */
function mentions(fx: CollectorFixture, needle: string): string[] {
  const tables = fx.store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  const hits: string[] = [];
  for (const table of tables) {
    for (const row of fx.store.db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]) {
      for (const [col, v] of Object.entries(row)) {
        if (v != null && String(v).toLowerCase().includes(needle.toLowerCase())) hits.push(`${table}.${col}`);
      }
    }
  }
  return hits;
}

function orderTotals(fx: CollectorFixture) {
  return fx.store.db.prepare('SELECT count(*) AS n, sum(revenue) AS revenue FROM orders WHERE site_id = ?').get(fx.site.id);
}

describe('erasure and export of a stitched person', () => {
  eachTransport('export shows the whole person; erase by one identifier leaves nothing personal, keeps totals and the other person', async (fx) => {
    const { token, handoff, campaignId } = await buildPeople(fx);
    // Stitched: the loyalty card (store), the handoff code (phone) and the browser are one person.
    const person = await fx.store.personOf(fx.site.id, { kind: 'loyalty', value: ANNA.loyalty });
    const kinds = person!.identifiers.map((i) => i.kind);
    expect(kinds).toEqual(expect.arrayContaining(['anon', 'user', 'email', 'loyalty', 'handoff', 'order', 'scan', 'recipient']));

    const exported = await ok(await fx.get(`/v1/persons/export?email=${encodeURIComponent(' Anna@Example.com ')}`));
    expect(exported.identifiers).toEqual(expect.arrayContaining([{ kind: 'email', value: sha(ANNA.email) }, { kind: 'loyalty', value: ANNA.loyalty }]));
    expect(exported.orders.map((o: { order_id: string }) => o.order_id).sort()).toEqual(['O-1', 'O-2']);
    expect(exported.events.map((e: { event: string }) => e.event)).toEqual(expect.arrayContaining(['QR Code Scanned', 'Product Viewed', 'Offline Touchpoint', 'Handoff Code Issued']));
    expect(exported.qrScans).toHaveLength(1);
    expect(JSON.stringify(exported)).not.toContain(ANNA.email); // raw PII was never stored

    const before = orderTotals(fx);
    const benEventsBefore = fx.store.db.prepare('SELECT count(*) FROM events WHERE user_id = ?').pluck().get(BEN.user);

    const res = await ok(await fx.fetch(`/v1/persons?loyaltyId=${ANNA.loyalty}`, { method: 'DELETE', headers: { authorization: fx.secretAuth } }));
    expect(res.erased.identifiers).toBeGreaterThanOrEqual(8);
    expect(res.erased.events).toBeGreaterThanOrEqual(5);
    expect(res.erased.ordersAnonymised).toBe(2);
    expect(res.erased.scans).toBe(1);
    expect(res.erased.handoffCodes).toBe(1);
    expect(res.erased.recipients).toBe(1);

    // Nothing personal of Anna's remains in any table or column, raw or hashed.
    const needles = [ANNA.anon, ANNA.user, ANNA.loyalty, sha(ANNA.email), sha(ANNA.phone), token, handoff, 'O-1', 'O-2', `${campaignId}/R-1`, 'R-1', 'For Anna', 'tried shoes', ANNA.email, '1234567'];
    for (const n of needles) expect(mentions(fx, n), n).toEqual([]);

    // Bookkeeping: order count and revenue are unchanged.
    expect(orderTotals(fx)).toEqual(before);
    // Ben (same browser, never stitched to Anna) is intact: his person, order and events.
    const ben = await fx.store.personOf(fx.site.id, { kind: 'user', value: BEN.user });
    expect(ben!.identifiers).toEqual(expect.arrayContaining([{ kind: 'user', value: BEN.user }, { kind: 'email', value: sha(BEN.email) }, { kind: 'order', value: 'O-3' }]));
    expect(fx.store.db.prepare('SELECT count(*) FROM events WHERE user_id = ?').pluck().get(BEN.user)).toBe(benEventsBefore);
    expect(await ok(await fx.get(`/v1/orders/O-3`))).toMatchObject({ revenue: 70 });

    // Idempotent: nothing left the second time; export finds nothing.
    const again = await ok(await fx.fetch(`/v1/persons?loyaltyId=${ANNA.loyalty}`, { method: 'DELETE', headers: { authorization: fx.secretAuth } }));
    expect(Object.values(again.erased).every((v) => v === 0)).toBe(true);
    expect((await fx.get(`/v1/persons/export?loyaltyId=${ANNA.loyalty}`)).status).toBe(404);

    // The audit log names the request kind and counts, never the identifier.
    const audit = await ok(await fx.get('/v1/persons/audit'));
    expect(audit.entries.map((e: { action: string; identifierKind: string }) => `${e.action}:${e.identifierKind}`)).toEqual(['export:loyalty', 'erase:loyalty', 'erase:loyalty', 'export:email']);
    expect(JSON.stringify(audit)).not.toContain(ANNA.loyalty);
  });

  eachTransport('a suppressed anonymous ID sends into the void; later events are never re-linked', async (fx) => {
    const ev = (messageId: string) => ({ type: 'track', event: 'Product Viewed', messageId, anonymousId: 'anon-S', userId: 'C-9', context: { omnitrail: { consent: 'granted' } } });
    await ok(await fx.post('/v1/track', ev('s1')));
    const erased = await ok(await fx.fetch('/v1/persons?userId=C-9&suppress=true', { method: 'DELETE', headers: { authorization: fx.secretAuth } }));
    expect(erased.erased).toMatchObject({ events: 1, suppressed: 1 });
    const res = await ok(await fx.post('/v1/track', ev('s2')));
    expect(res.accepted + res.duplicates).toBe(1);
    expect(await fx.store.countEvents(fx.site.id)).toBe(0);
    expect(await fx.store.personOf(fx.site.id, { kind: 'anon', value: 'anon-S' })).toBeNull();
    expect(mentions(fx, 'anon-S')).toEqual([]);
  });

  eachTransport('names a person by exactly one identifier; write keys cannot erase', async (fx) => {
    expect((await fx.fetch('/v1/persons', { method: 'DELETE', headers: { authorization: fx.secretAuth } })).status).toBe(400);
    expect((await fx.fetch('/v1/persons?userId=a&email=b@c.de', { method: 'DELETE', headers: { authorization: fx.secretAuth } })).status).toBe(400);
    expect((await fx.fetch('/v1/persons?email=not-an-email', { method: 'DELETE', headers: { authorization: fx.secretAuth } })).status).toBe(400);
    expect((await fx.fetch('/v1/persons?userId=a', { method: 'DELETE', headers: { authorization: fx.writeAuth } })).status).toBe(401);
    expect((await fx.get('/v1/persons/export?userId=a', { auth: 'write' })).status).toBe(401);
    // Unknown person: zeros, not an error (erasure must be safe to repeat).
    const none = await ok(await fx.fetch('/v1/persons?userId=nobody', { method: 'DELETE', headers: { authorization: fx.secretAuth } }));
    expect(none.erased.events).toBe(0);
  });
});
