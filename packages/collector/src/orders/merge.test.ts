import { describe, expect, it } from 'vitest';
import type { OrderRecord } from '../store/orders';
import { mergeOrderRecords } from './merge';

const T = Date.UTC(2026, 2, 1, 10);

function rec(p: Partial<OrderRecord>): OrderRecord {
  return {
    orderId: 'O-1',
    source: 'server',
    ref: 's:' + Math.random().toString(36).slice(2),
    channel: null,
    location: null,
    ts: T,
    revenue: 100,
    currency: 'EUR',
    status: 'completed',
    coupon: null,
    products: [],
    identifiers: [],
    qrCode: null,
    receivedAt: 0,
    ...p,
  };
}

const web = rec({
  source: 'web',
  ref: 'msg-web',
  channel: 'web',
  ts: T - 60_000,
  revenue: 99,
  products: [{ id: 'P1', name: 'Shoe', price: 99, quantity: 1 }],
  identifiers: [{ kind: 'anon', value: 'a-1' }],
  coupon: 'SPRING',
});
const erp = rec({
  ref: 's:erp',
  channel: 'web',
  revenue: 100,
  currency: 'EUR',
  identifiers: [{ kind: 'email', value: 'e'.repeat(64) }],
});
const refund = rec({ ref: 's:refund', status: 'refunded', revenue: 0, ts: T + 86_400_000, currency: null });

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

describe('mergeOrderRecords', () => {
  it.each([
    ['web only', [web], { status: 'completed', revenue: 99, channel: 'web', sources: ['web'], ts: T - 60_000 }],
    ['server only, channel defaults to store', [rec({ ref: 's:x' })], { channel: 'store', revenue: 100 }],
    ['web + server: server revenue, earliest time, both sources', [web, erp], { revenue: 100, ts: T - 60_000, sources: ['server', 'web'], coupon: 'SPRING' }],
    ['refund wins over completion', [web, erp, refund], { status: 'refunded', revenue: 0, currency: 'EUR', ts: T - 60_000 }],
    ['partial refund keeps the remaining value', [erp, rec({ ref: 's:p', status: 'refunded', revenue: 40, ts: T + 1 })], { status: 'refunded', revenue: 40 }],
    ['later server correction wins', [erp, rec({ ref: 's:c', revenue: 80, ts: T + 5 })], { revenue: 80 }],
    ['a web event never overrides the server', [erp, rec({ source: 'web', ref: 'm2', revenue: 1, ts: T + 99 })], { revenue: 100 }],
  ] as const)('%s', (_name, records, want) => {
    expect(mergeOrderRecords(records as unknown as OrderRecord[])).toMatchObject(want);
  });

  it('keeps the purchased products and merges identifiers when refunded', () => {
    const m = mergeOrderRecords([web, erp, refund]);
    expect(m.products).toEqual(web.products);
    expect(m.identifiers).toEqual([
      { kind: 'anon', value: 'a-1' },
      { kind: 'email', value: 'e'.repeat(64) },
    ]);
  });

  it('is independent of arrival order', () => {
    const records = [web, erp, refund, rec({ ref: 's:c', revenue: 80, ts: T + 5, location: 'berlin' })];
    const results = permutations(records).map((p) => JSON.stringify(mergeOrderRecords(p)));
    expect(new Set(results).size).toBe(1);
  });
});
