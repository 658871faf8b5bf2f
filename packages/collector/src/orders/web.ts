import type { OrderStatus } from '../attribution/journey';
import { mayStitch } from '../stitch/derive';
import type { Identifier } from '../stitch/types';
import type { StoredEvent } from '../store/core';
import type { OrderProduct, OrderRecord } from '../store/orders';
import { FieldError, optString, parseAmount, parseCurrency, parseQuantity } from './parse';

/** Segment ecommerce events that describe an order's state, and the status each implies. */
export const ORDER_EVENTS: Readonly<Record<string, OrderStatus>> = {
  'Order Completed': 'completed',
  'Order Refunded': 'refunded',
  'Order Cancelled': 'cancelled',
};

function products(v: unknown): OrderProduct[] {
  if (!Array.isArray(v)) return [];
  const out: OrderProduct[] = [];
  for (const p of v.slice(0, 500)) {
    if (!p || typeof p !== 'object') continue;
    const o = p as Record<string, unknown>;
    try {
      const item: OrderProduct = { quantity: parseQuantity(o.quantity, 'quantity') };
      const id = optString(o.product_id ?? o.id, 'product_id');
      const sku = optString(o.sku, 'sku');
      const name = optString(o.name, 'name', 500);
      const price = parseAmount(o.price, 'price');
      const category = optString(o.category, 'category');
      if (id !== undefined) item.id = id;
      if (sku !== undefined) item.sku = sku;
      if (name !== undefined) item.name = name;
      if (price !== undefined) item.price = price;
      if (category !== undefined) item.category = category;
      out.push(item);
    } catch (e) {
      // A malformed product line in a browser event must not lose the order itself.
      if (!(e instanceof FieldError)) throw e;
    }
  }
  return out;
}

/**
 * The order record a web ecommerce event describes (`Order Completed`, `Order Refunded`,
 * `Order Cancelled` with an `order_id`), or null for any other event. Synchronous: it runs
 * inside the ingest transaction as a deriver. Revenue follows Segment: `revenue`, else
 * `total`, else the sum of product lines; a refund/cancel event without a value is a full
 * refund.
 *
 * @example
 * webOrderRecord(storedEvent)?.orderId // 'W-100'
 */
export function webOrderRecord(ev: StoredEvent): OrderRecord | null {
  if (ev.type !== 'track' || !ev.event) return null;
  const status = ORDER_EVENTS[ev.event];
  if (!status) return null;
  const p = ev.properties ?? {};
  let orderId: string | undefined;
  try {
    orderId = optString(p.order_id ?? p.orderId, 'order_id', 100);
  } catch {
    return null;
  }
  if (!orderId) return null;
  const safe = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch {
      return undefined;
    }
  };
  const lines = products(p.products);
  let revenue = safe(() => parseAmount(p.revenue, 'revenue') ?? parseAmount(p.total, 'total'));
  if (revenue === undefined || revenue < 0) {
    revenue =
      status !== 'completed'
        ? 0
        : Math.round(lines.reduce((s, l) => s + (l.price ?? 0) * l.quantity, 0) * 1e6) / 1e6;
  }
  // The order counts whatever the consent; who placed it is kept only when stitching is allowed.
  const identifiers: Identifier[] = [];
  if (mayStitch(ev)) {
    if (ev.anonymousId) identifiers.push({ kind: 'anon', value: ev.anonymousId });
    if (ev.userId) identifiers.push({ kind: 'user', value: ev.userId });
  }
  return {
    orderId,
    source: 'web',
    ref: ev.messageId,
    channel: 'web',
    location: null,
    ts: ev.timestamp,
    revenue,
    currency: safe(() => parseCurrency(p.currency)) ?? null,
    status,
    coupon: safe(() => optString(p.coupon, 'coupon', 100)) ?? null,
    products: lines,
    identifiers,
    qrCode: null,
    receivedAt: ev.receivedAt,
  };
}
