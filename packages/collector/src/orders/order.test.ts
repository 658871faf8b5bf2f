import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../store/core';
import { normaliseOrder } from './order';
import { normaliseTouchpoint, OFFLINE_TOUCHPOINT } from './touchpoint';
import { webOrderRecord } from './web';

const NOW = Date.UTC(2026, 2, 10, 12);
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('normaliseOrder', () => {
  it('normalises a full store order and hashes PII', async () => {
    const r = await normaliseOrder(
      {
        order_id: ' B-1001 ',
        channel: 'Store',
        location: 'berlin-mitte',
        timestamp: '2026-03-01 10:15',
        revenue: '89,90',
        currency: 'eur',
        products: [{ id: 'P1', sku: 'SKU-1', name: 'Shoe', price: '89,90', quantity: '1' }],
        email: ' Jane@Example.com ',
        phone: '030 1234567',
        loyaltyId: 'l-4711',
        userId: 'C-17',
        coupon: 'SPRING',
      },
      { now: NOW, defaultCountry: 'DE' },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.record).toMatchObject({
      orderId: 'B-1001',
      source: 'server',
      channel: 'store',
      location: 'berlin-mitte',
      ts: Date.UTC(2026, 2, 1, 10, 15),
      revenue: 89.9,
      currency: 'EUR',
      status: 'completed',
      coupon: 'SPRING',
      products: [{ id: 'P1', sku: 'SKU-1', name: 'Shoe', price: 89.9, quantity: 1 }],
    });
    expect(r.record.identifiers).toEqual(
      expect.arrayContaining([
        { kind: 'user', value: 'C-17' },
        { kind: 'email', value: sha('jane@example.com') },
        { kind: 'phone', value: sha('+49301234567') },
        { kind: 'loyalty', value: 'L-4711' },
      ]),
    );
    // no raw PII anywhere in the stored record
    expect(JSON.stringify(r.record)).not.toMatch(/jane|1234567/i);
  });

  it('gives identical resends the same ref, whatever the spelling', async () => {
    const a = await normaliseOrder({ order_id: 'X', revenue: 10, email: 'a.b@shop.de' }, { now: NOW });
    const b = await normaliseOrder({ email: 'A.B@SHOP.DE ', revenue: '10,00', order_id: 'X' }, { now: NOW + 5000 });
    const c = await normaliseOrder({ order_id: 'X', revenue: 10, status: 'refunded' }, { now: NOW });
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (!a.ok || !b.ok || !c.ok) return;
    expect(a.record.ref).toBe(b.record.ref);
    expect(c.record.ref).not.toBe(a.record.ref);
  });

  it.each([
    [{ revenue: 1 }, /order_id is required/],
    [{ order_id: 'A' }, /revenue is required/],
    [{ order_id: 'A', revenue: -1 }, /negative/],
    [{ order_id: 'A', revenue: 'ten' }, /revenue is not a number/],
    [{ order_id: 'A', revenue: 1, status: 'shipped' }, /status must be/],
    [{ order_id: 'A', revenue: 1, currency: '$' }, /ISO 4217/],
    [{ order_id: 'A', revenue: 1, timestamp: 'soon' }, /not a date/],
    [{ order_id: 'A', revenue: 1, products: [{ price: 1 }] }, /needs an id, sku or name/],
    [{ order_id: 'A', revenue: 1, email_sha256: 'abc' }, /64 hex/],
    ['nope', /JSON object/],
  ])('refuses %j', async (input, re) => {
    const r = await normaliseOrder(input, { now: NOW });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(re);
  });

  it('derives revenue from products, and a refund without revenue is a full refund', async () => {
    const a = await normaliseOrder({ order_id: 'A', products: [{ id: 'p', price: 2.5, quantity: 4 }, { id: 'q', price: 1 }] }, { now: NOW });
    expect(a.ok && a.record.revenue).toBe(11);
    const b = await normaliseOrder({ order_id: 'A', status: 'refunded' }, { now: NOW });
    expect(b.ok && b.record.revenue).toBe(0);
  });

  it('keeps the order but warns about an unusable e-mail or phone', async () => {
    const r = await normaliseOrder({ order_id: 'A', revenue: 1, email: 'nope', phone: '0301234567' }, { now: NOW });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.record.identifiers).toEqual([]);
    expect(r.warnings).toEqual([expect.stringMatching(/email/), expect.stringMatching(/default country/)]);
  });

  it('asks the resolver about quoted codes and refuses what it refuses', async () => {
    const seen: unknown[] = [];
    const resolveCodes = async (codes: { handoffCode?: string; qrCode?: string }) => {
      seen.push(codes);
      return codes.handoffCode === 'K7M2QX'
        ? { ok: true as const, qrRecipient: { campaignId: 'c1', recipientRef: 'R-9' } }
        : { ok: false as const, reason: 'handoff code expired' };
    };
    const good = await normaliseOrder({ order_id: 'A', revenue: 1, handoffCode: 'k7m-2qx', qrCode: 'QQQ' }, { now: NOW, resolveCodes });
    expect(good.ok).toBe(true);
    if (good.ok) {
      expect(good.record.identifiers).toEqual(
        expect.arrayContaining([
          { kind: 'handoff', value: 'K7M2QX' },
          { kind: 'recipient', value: 'c1/R-9' },
        ]),
      );
      expect(good.record.qrCode).toBe('QQQ');
    }
    expect(seen).toEqual([{ handoffCode: 'K7M2QX', qrCode: 'QQQ' }]);
    const bad = await normaliseOrder({ order_id: 'A', revenue: 1, handoffCode: 'ZZZ-ZZZ' }, { now: NOW, resolveCodes });
    expect(bad).toEqual({ ok: false, orderId: 'A', reason: 'handoff code expired' });
  });
});

function ev(p: Partial<StoredEvent>): StoredEvent {
  return {
    siteId: 's1', messageId: 'm1', type: 'track', event: 'Order Completed', anonymousId: 'a-1', userId: null,
    timestamp: NOW, originalTimestamp: null, receivedAt: NOW, sentAt: null, consent: 'granted', bot: false, ua: null,
    country: null, context: {}, properties: {}, traits: {}, ...p,
  };
}

describe('webOrderRecord', () => {
  it('reads Segment Order Completed', () => {
    const r = webOrderRecord(
      ev({ properties: { order_id: 'W-1', total: 30, currency: 'eur', coupon: 'X', products: [{ product_id: 'p1', price: 10, quantity: 3 }, 'junk'] } }),
    );
    expect(r).toMatchObject({
      orderId: 'W-1', source: 'web', ref: 'm1', channel: 'web', revenue: 30, currency: 'EUR', status: 'completed',
      products: [{ id: 'p1', price: 10, quantity: 3 }], identifiers: [{ kind: 'anon', value: 'a-1' }],
    });
  });
  it('sums products without revenue, reads refunds, ignores other events', () => {
    expect(webOrderRecord(ev({ properties: { order_id: 'W', products: [{ sku: 's', price: 5, quantity: 2 }] } }))?.revenue).toBe(10);
    expect(webOrderRecord(ev({ event: 'Order Refunded', properties: { order_id: 'W' } }))).toMatchObject({ status: 'refunded', revenue: 0 });
    expect(webOrderRecord(ev({ event: 'Product Viewed', properties: { order_id: 'W' } }))).toBeNull();
    expect(webOrderRecord(ev({ properties: {} }))).toBeNull();
    expect(webOrderRecord(ev({ type: 'page', properties: { order_id: 'W' } }))).toBeNull();
  });
  it('keeps the order but not who placed it without consent', () => {
    const r = webOrderRecord(ev({ consent: 'denied', userId: 'C-1', properties: { order_id: 'W', revenue: 5 } }));
    expect(r).toMatchObject({ orderId: 'W', revenue: 5, identifiers: [] });
  });
});

describe('normaliseTouchpoint', () => {
  const opts = { siteId: 's1', now: NOW, defaultCountry: 'DE' };
  it('builds an Offline Touchpoint event with hashed identifiers', async () => {
    const r = await normaliseTouchpoint(
      { type: 'phone_call', timestamp: '2026-03-02T09:00:00Z', phone: '030 1234567', userId: 'C-17', note: 'asked for a size', staff: 'mk' },
      opts,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event).toMatchObject({
      siteId: 's1', type: 'track', event: OFFLINE_TOUCHPOINT, userId: 'C-17', anonymousId: null,
      timestamp: Date.UTC(2026, 2, 2, 9), receivedAt: NOW,
      properties: {
        touchpoint_type: 'phone_call', channel: 'phone', note: 'asked for a size', staff: 'mk',
        identifiers: { userId: 'C-17', phone_sha256: sha('+49301234567') },
      },
    });
    expect(r.event.messageId).toMatch(/^tp-[0-9a-f]{40}$/);
    expect(JSON.stringify(r.event)).not.toContain('1234567');
  });

  it('derives the same messageId for the same content, and uses touchpoint_id when given', async () => {
    const row = { type: 'store_visit', timestamp: '2026-03-02 09:00', loyaltyId: 'L1', location: 'b1' };
    const a = await normaliseTouchpoint(row, opts);
    const b = await normaliseTouchpoint({ ...row }, { ...opts, now: NOW + 1000 });
    const c = await normaliseTouchpoint({ ...row, location: 'b2' }, opts);
    const d = await normaliseTouchpoint({ ...row, touchpoint_id: 'V-9' }, opts);
    expect(a.ok && b.ok && a.event.messageId === b.event.messageId).toBe(true);
    expect(a.ok && c.ok && a.event.messageId !== c.event.messageId).toBe(true);
    expect(d.ok && d.event.messageId).toBe('tp-V-9');
  });

  it.each([
    [{ loyaltyId: 'L1' }, /type is required/],
    [{ type: 'fax', loyaltyId: 'L1' }, /type must be/],
    [{ type: 'custom', loyaltyId: 'L1' }, /needs a name/],
    [{ type: 'store_visit' }, /identifier is required/],
    [{ type: 'store_visit', userId: 'n/a' }, /identifier is required/],
    [{ type: 'store_visit', userId: 'C1', timestamp: '2030-01-01' }, /future/],
  ])('refuses %j', async (input, re) => {
    const r = await normaliseTouchpoint(input, opts);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(re);
  });
});

describe('normaliseTouchpoint: extra properties follow ingest\'s key rules', () => {
  const opts = { siteId: 's1', now: NOW };
  it.each([
    ['{"type":"store_visit","loyaltyId":"L1","properties":{"__proto__":{"isAdmin":true}}}', 'properties.__proto__: forbidden key'],
    ['{"type":"store_visit","loyaltyId":"L1","properties":{"a":{"constructor":{"prototype":{"x":1}}}}}', 'properties.a.constructor: forbidden key'],
    ['{"type":"store_visit","loyaltyId":"L1","properties":{"prototype":1}}', 'properties.prototype: forbidden key'],
  ])('refuses %s', async (json, reason) => {
    // JSON.parse makes `__proto__` an own key, as a request body does.
    const r = await normaliseTouchpoint(JSON.parse(json), opts);
    expect(r).toMatchObject({ ok: false, reason });
  });

  it('keeps ordinary extra properties', async () => {
    const r = await normaliseTouchpoint({ type: 'store_visit', loyaltyId: 'L1', properties: { basket: { items: 2 }, proto: 'x' } }, opts);
    expect(r.ok && r.event.properties).toMatchObject({ basket: { items: 2 }, proto: 'x' });
  });
});

describe('createPiiMemo', () => {
  it('hashes exactly like hashPii, sharing one digest per distinct value, and stays bounded', async () => {
    const { createPiiMemo } = await import('./identifiers');
    const memo = createPiiMemo(2);
    const a = memo.hash('email', 'Jane@Shop.de');
    expect(memo.hash('email', 'Jane@Shop.de')).toBe(a); // the same promise: one digest
    expect(await a).toBe(sha('jane@shop.de'));
    expect(await memo.hash('phone', '030 1234567', 'DE')).toBe(sha('+49301234567'));
    expect(await memo.hash('phone', '030 1234567')).toBeNull(); // country is part of the key
    expect(memo.hash('email', 'Jane@Shop.de')).not.toBe(a); // cleared when full
  });

  it('with the CLI\'s synchronous node:crypto digest gives the same hashes as Web Crypto', async () => {
    const { createPiiMemo } = await import('./identifiers');
    const { sha256HexSync } = await import('../cli/import-csv');
    const { hashPii } = await import('../pii/index');
    const memo = createPiiMemo(10, sha256HexSync);
    for (const [kind, raw] of [['email', ' Jürgen@Straße.de '], ['email', 'test@test.com'], ['phone', '030 1234567'], ['phone', 'AB'.repeat(32)]] as const) {
      expect(await memo.hash(kind, raw, 'DE')).toBe(await hashPii(kind, raw, 'DE'));
    }
  });
});

describe('appointments', () => {
  it('keep the appointment time, which may lie ahead', async () => {
    const now = Date.UTC(2026, 2, 10, 12);
    const r = await normaliseTouchpoint({ type: 'appointment', timestamp: now, appointment_at: '2026-04-01 15:00', userId: 'C-1' }, { siteId: 's', now });
    expect(r.ok && r.event.properties.appointment_at).toBe('2026-04-01T15:00:00.000Z');
    const far = await normaliseTouchpoint({ type: 'appointment', appointment_at: '2031-01-01', userId: 'C-1' }, { siteId: 's', now });
    expect(far).toMatchObject({ ok: false, reason: 'appointment_at is in the future' });
  });
});
