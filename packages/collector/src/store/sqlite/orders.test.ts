import { afterEach, describe, expect, it } from 'vitest';
import { applyOrders, applyTouchpoints } from '../../orders/apply';
import { tempDbPath } from '../../test-utils/harness';
import type { StoredEvent } from '../core';
import type { StoredOrder } from '../orders';
import { openSqliteStore, type SqliteStore } from './index';

const T = Date.UTC(2026, 2, 1, 10);
const NOW = Date.UTC(2026, 2, 10, 12);

let stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
});

async function fresh() {
  const store = openSqliteStore(tempDbPath(), { flushMs: 1 });
  stores.push(store);
  const { site } = await store.createSite({ name: 'Shop', origins: ['*'] });
  return { store, siteId: site.id };
}

function webOrder(siteId: string, p: Partial<StoredEvent> = {}): StoredEvent {
  return {
    siteId, messageId: 'web-msg-1', type: 'track', event: 'Order Completed', anonymousId: 'anon-1', userId: null,
    timestamp: T - 60_000, originalTimestamp: null, receivedAt: NOW, sentAt: null, consent: 'granted', bot: false, ua: null,
    country: null, context: {}, traits: {},
    properties: { order_id: 'W-100', revenue: 99, currency: 'EUR', products: [{ product_id: 'P1', name: 'Shoe', price: 99, quantity: 1 }] },
    ...p,
  };
}

const serverOrder = { order_id: 'W-100', channel: 'web', revenue: 100, currency: 'EUR', timestamp: T, email: 'jane@shop.de', loyaltyId: 'L-1' };

/** The order without bookkeeping that legitimately differs between runs. */
function comparable(o: StoredOrder | null) {
  if (!o) return o;
  const { createdAt, updatedAt, history, ...rest } = o;
  return { ...rest, history: history.map(({ receivedAt, ...h }) => h) };
}

describe('orders in SQLite', () => {
  it('is idempotent per (site, order_id): resending changes nothing; a refund updates status and revenue', async () => {
    const { store, siteId } = await fresh();
    const order = { order_id: 'B-1', channel: 'store', location: 'berlin', revenue: 89.9, currency: 'EUR', timestamp: T, loyaltyId: 'L-9' };
    expect(await applyOrders(store, siteId, [order], { now: NOW })).toMatchObject({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await applyOrders(store, siteId, [order, { ...order }], { now: NOW + 1000 })).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(await store.countOrders(siteId)).toBe(1);
    const before = await store.getOrder(siteId, 'B-1');
    expect(before).toMatchObject({ status: 'completed', revenue: 89.9, channel: 'store', location: 'berlin', sources: ['server'] });
    expect(before!.history).toHaveLength(1);

    const refund = { order_id: 'B-1', status: 'refunded', timestamp: T + 86_400_000 };
    expect(await applyOrders(store, siteId, [refund], { now: NOW })).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await applyOrders(store, siteId, [refund], { now: NOW })).toMatchObject({ accepted: 0, duplicates: 1 });
    const after = await store.getOrder(siteId, 'B-1');
    expect(after).toMatchObject({ status: 'refunded', revenue: 0, ts: T, channel: 'store', location: 'berlin', currency: 'EUR' });
    expect(after!.history.map((h) => [h.status, h.revenue])).toEqual([['completed', 89.9], ['refunded', 0]]);
    // the original completion resent after the refund does not revive the order
    await applyOrders(store, siteId, [order], { now: NOW });
    expect((await store.getOrder(siteId, 'B-1'))!.status).toBe('refunded');
  });

  it.each([
    ['web first', ['web', 'server']],
    ['server first', ['server', 'web']],
  ] as const)('a web Order Completed and a server order with the same order_id are one order (%s)', async (_n, arrival) => {
    const { store, siteId } = await fresh();
    for (const a of arrival) {
      if (a === 'web') expect(await store.appendEvents([webOrder(siteId)])).toEqual(['inserted']);
      else expect((await applyOrders(store, siteId, [serverOrder], { now: NOW })).rejected).toEqual([]);
    }
    expect(await store.countOrders(siteId)).toBe(1);
    const o = await store.getOrder(siteId, 'W-100');
    expect(o).toMatchObject({ revenue: 100, ts: T - 60_000, channel: 'web', sources: ['server', 'web'], status: 'completed' });
    expect(o!.products).toEqual([{ id: 'P1', name: 'Shoe', price: 99, quantity: 1 }]);
    expect(o!.identifiers.map((i) => i.kind).sort()).toEqual(['anon', 'email', 'loyalty']);
    // identifiers merged into one person: the browser, the e-mail and the loyalty card
    const byAnon = await store.personOf(siteId, { kind: 'anon', value: 'anon-1' });
    const byCard = await store.personOf(siteId, { kind: 'loyalty', value: 'L-1' });
    expect(byAnon?.personId).toBeTruthy();
    expect(byCard?.personId).toBe(byAnon?.personId);
    // revenue counted once in the journeys the reports read
    const conversions = [];
    for await (const j of store.journeys(siteId, { from: 0, to: NOW + 1 })) conversions.push(...j.conversions);
    expect(conversions).toMatchObject([{ id: 'W-100', value: 100 }]);
  });

  it('merges to the same state whatever the arrival order, and a replayed web event is not a second record', async () => {
    const states: unknown[] = [];
    for (const arrival of [['web', 'server', 'refund'], ['refund', 'server', 'web'], ['server', 'refund', 'web']]) {
      const { store, siteId } = await fresh();
      for (const a of arrival) {
        if (a === 'web') await store.appendEvents([webOrder(siteId)]);
        if (a === 'server') await applyOrders(store, siteId, [serverOrder], { now: NOW });
        if (a === 'refund') await applyOrders(store, siteId, [{ order_id: 'W-100', status: 'refunded', revenue: 30, timestamp: T + 5000 }], { now: NOW });
      }
      expect(await store.appendEvents([webOrder(siteId)])).toEqual(['duplicate']);
      const { siteId: _s, ...o } = comparable(await store.getOrder(siteId, 'W-100'))!;
      states.push(o);
    }
    expect(states[0]).toMatchObject({ status: 'refunded', revenue: 30 });
    expect(states[1]).toEqual(states[0]);
    expect(states[2]).toEqual(states[0]);
  });

  it('reports rejected orders by index and stores the good ones', async () => {
    const { store, siteId } = await fresh();
    const res = await applyOrders(store, siteId, [{ order_id: 'A', revenue: 1 }, { revenue: 2 }, { order_id: 'C', revenue: 'x' }, { order_id: 'D', revenue: 4 }], {
      now: NOW,
      indexOffset: 10,
    });
    expect(res).toMatchObject({
      accepted: 2,
      rejected: [
        { index: 11, reason: 'order_id is required' },
        { index: 12, order_id: 'C', reason: expect.stringMatching(/revenue is not a number/) },
      ],
    });
    expect((await store.ordersByIds(siteId, ['D', 'A', 'nope'])).map((o) => o.orderId)).toEqual(['A', 'D']);
  });

  it('validates handoff codes against storage and joins the journeys', async () => {
    const { store, siteId } = await fresh();
    const { record } = await store.issueHandoffCode(siteId, 'anon-7', { now: T - 3600_000, validityMs: 7 * 86_400_000, length: 6 });
    const display = `${record.code.slice(0, 3)}-${record.code.slice(3).toLowerCase()}`;
    // the SDK's Handoff Code Issued event links the code to the browser
    await store.appendEvents([
      webOrder(siteId, { messageId: 'h1', event: 'Handoff Code Issued', anonymousId: 'anon-7', properties: { code: record.code } }),
    ]);
    const ok = await applyOrders(store, siteId, [{ order_id: 'PH-1', channel: 'phone', revenue: 50, timestamp: T, handoffCode: display }], { now: NOW });
    expect(ok.rejected).toEqual([]);
    const expired = await applyOrders(store, siteId, [{ order_id: 'PH-2', revenue: 5, timestamp: T + 30 * 86_400_000, handoffCode: record.code }], {
      now: T + 31 * 86_400_000,
    });
    expect(expired.rejected).toEqual([{ index: 0, order_id: 'PH-2', reason: expect.stringMatching(/expired/) }]);
    const tp = await applyTouchpoints(store, siteId, [{ type: 'phone_call', timestamp: T, handoffCode: 'AAAAAA' }], { now: NOW });
    expect(tp.rejected).toEqual([{ index: 0, reason: expect.stringMatching(/handoff code/) }]);
    const p = await store.personOf(siteId, { kind: 'order', value: 'PH-1' });
    expect(p?.identifiers).toEqual(expect.arrayContaining([{ kind: 'anon', value: 'anon-7' }]));
  });

  it('stores touchpoints as Offline Touchpoint events, once, linked to the person', async () => {
    const { store, siteId } = await fresh();
    const rows = [
      { type: 'store_visit', timestamp: T, location: 'berlin', loyaltyId: 'L-1', email: 'jane@shop.de', note: 'tried shoes' },
      { type: 'consultation', timestamp: T + 1000, touchpoint_id: 'C-77', userId: 'C-17', loyaltyId: 'L-1' },
    ];
    expect(await applyTouchpoints(store, siteId, rows, { now: NOW })).toMatchObject({ accepted: 2, duplicates: 0, rejected: [] });
    expect(await applyTouchpoints(store, siteId, rows, { now: NOW + 5000 })).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(await store.countEvents(siteId)).toBe(2);
    const p = await store.personOf(siteId, { kind: 'user', value: 'C-17' });
    expect(p?.identifiers.map((i) => i.kind).sort()).toEqual(['email', 'loyalty', 'user']);
    const events = await store.personEvents(siteId, { kind: 'user', value: 'C-17' });
    expect(events.map((e) => [e.event, e.properties.touchpoint_type])).toEqual([
      ['Offline Touchpoint', 'store_visit'],
      ['Offline Touchpoint', 'consultation'],
    ]);
    expect(events[1].messageId).toBe('tp-C-77');
  });
});
