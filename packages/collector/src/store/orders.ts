import type { OrderStatus } from '../attribution/journey';
import type { Identifier } from '../stitch/types';

/** One product line as stored. */
export interface OrderProduct {
  id?: string;
  sku?: string;
  name?: string;
  price?: number;
  quantity: number;
  category?: string;
}

/**
 * One normalised record about an order: a server record (`POST /v1/orders`, CSV import) or
 * a web `Order Completed` / `Order Refunded` / `Order Cancelled` event. An order is the
 * merge of all its records (see `mergeOrderRecords`), so the result does not depend on the
 * order in which they arrive.
 */
export interface OrderRecord {
  orderId: string;
  source: 'server' | 'web';
  /** Server: content hash (identical resends share it); web: the event's messageId. */
  ref: string;
  /** Null when the record does not say (the merge then falls back). */
  channel: string | null;
  location: string | null;
  /** Time the record describes (order time, refund time), ms since epoch. */
  ts: number;
  /** The order's value according to this record (net after a refund; 0 for a full refund). */
  revenue: number;
  currency: string | null;
  status: OrderStatus;
  coupon: string | null;
  products: OrderProduct[];
  /** Hashed identifiers carried by the record (the order ID itself is not repeated here). */
  identifiers: Identifier[];
  /** Shared (non-personalised) QR code quoted on the order: campaign evidence, not identity. */
  qrCode: string | null;
  receivedAt: number;
}

/** An order after merging all its records. */
export interface StoredOrder {
  siteId: string;
  orderId: string;
  channel: string;
  location: string | null;
  /** Order time: the earliest `completed` record (else the earliest record). */
  ts: number;
  revenue: number;
  currency: string | null;
  status: OrderStatus;
  coupon: string | null;
  products: OrderProduct[];
  /** Union of every record's identifiers (hashed PII only). */
  identifiers: Identifier[];
  qrCodes: string[];
  /** Which kinds of record exist: a web event, a server record, or both. */
  sources: ('server' | 'web')[];
  /** Status history, oldest first by record time. */
  history: { status: OrderStatus; revenue: number; ts: number; source: 'server' | 'web'; ref: string; receivedAt: number }[];
  createdAt: number;
  updatedAt: number;
}

/**
 * What writing one record did: a new order, a real change (status, revenue, products,
 * identifiers…), or nothing (a resend).
 */
export type OrderWriteResult = 'inserted' | 'updated' | 'duplicate';

/**
 * Orders keyed by (site, order_id), across channels. Server records are written here;
 * web `Order Completed` events reach the same table through an ingest deriver, so both are
 * one order. Every write links the order's identifiers in the identity graph in the same
 * transaction.
 */
export interface OrdersStore {
  /** Write server records; resolves after COMMIT. One result per record, in order. */
  putOrders(siteId: string, records: OrderRecord[]): Promise<OrderWriteResult[]>;
  getOrder(siteId: string, orderId: string): Promise<StoredOrder | null>;
  /** Orders by ID (profiles: the person's `order` identifiers), by time. Unknown IDs are skipped. */
  ordersByIds(siteId: string, orderIds: string[]): Promise<StoredOrder[]>;
  /**
   * Orders whose time lies in [from, to), by (time, order_id) (reports, exports). Page with
   * `after`: the time and ID of the last order of the previous page.
   */
  listOrders(siteId: string, opts?: { from?: number; to?: number; limit?: number; after?: { ts: number; orderId: string } }): Promise<StoredOrder[]>;
  countOrders(siteId: string): Promise<number>;
}
