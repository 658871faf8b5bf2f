import type { OrderStatus } from '../attribution/journey';
import type { Identifier } from '../stitch/types';
import type { OrderProduct, OrderRecord, StoredOrder } from '../store/orders';

/** The merged fields of an order (what `StoredOrder` holds besides keys and bookkeeping). */
export type MergedOrder = Omit<StoredOrder, 'siteId' | 'orderId' | 'history' | 'createdAt' | 'updatedAt'>;

const statusRank = (s: OrderStatus) => (s === 'completed' ? 0 : 1);
const sourceRank = (s: OrderRecord['source']) => (s === 'server' ? 1 : 0);

/**
 * Total order of records by authority; the last one wins. Only record content is
 * compared (never arrival time), so merging is independent of arrival order:
 * 1. a refund/cancellation beats a completion (a late-arriving web event cannot revive a
 *    refunded order);
 * 2. a server record beats a web event (the ERP/POS is the book of record);
 * 3. a later record time beats an earlier one (corrections);
 * 4. the ref breaks ties deterministically.
 */
export function compareAuthority(a: OrderRecord, b: OrderRecord): number {
  return (
    statusRank(a.status) - statusRank(b.status) ||
    sourceRank(a.source) - sourceRank(b.source) ||
    a.ts - b.ts ||
    (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0)
  );
}

/**
 * Merge all records of one order into its current state. Pure and order-independent.
 *
 * - status, revenue, currency: from the most authoritative record (`compareAuthority`);
 * - channel, location, coupon: from the most authoritative record that states them
 *   (a web event implies channel `web`; default `store`);
 * - products: from the most authoritative `completed` record that lists any (a refund
 *   record does not erase what was bought);
 * - time: the earliest `completed` record (the purchase), else the earliest record;
 * - identifiers and QR codes: the union.
 *
 * @example
 * mergeOrderRecords([webEvent, posRecord]).revenue // the POS revenue, counted once
 */
export function mergeOrderRecords(records: readonly OrderRecord[]): MergedOrder {
  if (records.length === 0) throw new Error('mergeOrderRecords: no records');
  const sorted = [...records].sort(compareAuthority);
  const head = sorted[sorted.length - 1];
  const best = <T>(get: (r: OrderRecord) => T | null | undefined, among = sorted): T | null => {
    for (let i = among.length - 1; i >= 0; i--) {
      const v = get(among[i]);
      if (v !== null && v !== undefined) return v;
    }
    return null;
  };
  const completed = sorted.filter((r) => r.status === 'completed');
  const timed = completed.length ? completed : sorted;

  const seen = new Set<string>();
  const identifiers: Identifier[] = [];
  const qr = new Set<string>();
  for (const r of sorted) {
    for (const id of r.identifiers) {
      const k = `${id.kind}\u0000${id.value}`;
      if (!seen.has(k)) {
        seen.add(k);
        identifiers.push(id);
      }
    }
    if (r.qrCode) qr.add(r.qrCode);
  }
  identifiers.sort((a, b) => (a.kind + '\u0000' + a.value < b.kind + '\u0000' + b.value ? -1 : 1));

  return {
    channel: best((r) => r.channel ?? (r.source === 'web' ? 'web' : null)) ?? 'store',
    location: best((r) => r.location),
    ts: Math.min(...timed.map((r) => r.ts)),
    revenue: head.revenue,
    currency: head.currency ?? best((r) => r.currency),
    status: head.status,
    coupon: best((r) => r.coupon),
    products: best((r) => (r.products.length ? r.products : null), completed) ?? best((r) => (r.products.length ? r.products : null)) ?? [],
    identifiers,
    qrCodes: [...qr].sort(),
    sources: [...new Set(sorted.map((r) => r.source))].sort() as MergedOrder['sources'],
  };
}
