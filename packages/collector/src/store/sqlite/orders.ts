import type { OrderStatus } from '../../attribution/journey';
import type { ConsentState } from '@omnitrail/schema';
import { cleanIdentifiers, identifier } from '../../stitch/identifiers';
import { mergeOrderRecords, type MergedOrder } from '../../orders/merge';
import { webOrderRecord } from '../../orders/web';
import type { StoredEvent } from '../core';
import type { OrderRecord, OrdersStore, OrderWriteResult, StoredOrder } from '../orders';
import type { Deriver, SqliteContext } from './context';
import type { Db } from './db';
import { identityBatch, recordIdentifierSet, type IdentityBatch } from './identity';
import { enqueueWebhookMessage } from './webhooks';

/**
 * Orders keyed by (site, order_id) with every record that shaped them.
 *
 * `order_records` keeps each distinct record (server record by content hash, web event by
 * messageId): an identical resend hits the primary key and changes nothing; a refund adds
 * a record. `orders` is the merge of an order's records (`mergeOrderRecords`), recomputed on
 * every new record, so the state never depends on arrival order. Both are WITHOUT ROWID:
 * lookups are always by the full key.
 */
export const ordersMigrationSql = `
CREATE TABLE orders (
  site_id     TEXT NOT NULL,
  order_id    TEXT NOT NULL,
  channel     TEXT NOT NULL,
  location    TEXT,
  ts          INTEGER NOT NULL,
  revenue     REAL NOT NULL,
  currency    TEXT,
  status      TEXT NOT NULL,
  coupon      TEXT,
  products    TEXT NOT NULL DEFAULT '[]',   -- JSON [{id, sku, name, price, quantity, category}]
  identifiers TEXT NOT NULL DEFAULT '[]',   -- JSON [{kind, value}], PII hashed
  qr_codes    TEXT NOT NULL DEFAULT '[]',
  sources     TEXT NOT NULL,                -- JSON ["server","web"]
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (site_id, order_id)
) WITHOUT ROWID;
CREATE INDEX orders_site_ts ON orders (site_id, ts);

CREATE TABLE order_records (
  site_id     TEXT NOT NULL,
  order_id    TEXT NOT NULL,
  ref         TEXT NOT NULL,                -- server: content hash; web: event messageId
  source      TEXT NOT NULL,
  status      TEXT NOT NULL,
  ts          INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  record      TEXT NOT NULL,                -- JSON OrderRecord (hashed PII only)
  PRIMARY KEY (site_id, order_id, ref)
) WITHOUT ROWID;
`;

/** A row of `orders` as stored. */
export interface OrderRow {
  site_id: string;
  order_id: string;
  channel: string;
  location: string | null;
  ts: number;
  revenue: number;
  currency: string | null;
  status: string;
  coupon: string | null;
  products: string;
  identifiers: string;
  qr_codes: string;
  sources: string;
  created_at: number;
  updated_at: number;
}

const stmtCache = new WeakMap<Db, ReturnType<typeof prepare>>();

function prepare(db: Db) {
  return {
    insertRecord: db.prepare(
      `INSERT OR IGNORE INTO order_records (site_id, order_id, ref, source, status, ts, received_at, record)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    records: db.prepare(`SELECT record FROM order_records WHERE site_id = ? AND order_id = ?`).pluck(),
    history: db.prepare(
      `SELECT status, revenue, ts, source, ref, received_at FROM (
         SELECT status, json_extract(record, '$.revenue') AS revenue, ts, source, ref, received_at
         FROM order_records WHERE site_id = ? AND order_id = ?) ORDER BY ts, ref`,
    ),
    get: db.prepare(`SELECT * FROM orders WHERE site_id = ? AND order_id = ?`),
    upsert: db.prepare(
      `INSERT INTO orders (site_id, order_id, channel, location, ts, revenue, currency, status, coupon, products,
                           identifiers, qr_codes, sources, created_at, updated_at)
       VALUES (@site_id, @order_id, @channel, @location, @ts, @revenue, @currency, @status, @coupon, @products,
               @identifiers, @qr_codes, @sources, @now, @now)
       ON CONFLICT (site_id, order_id) DO UPDATE SET channel = excluded.channel, location = excluded.location,
         ts = excluded.ts, revenue = excluded.revenue, currency = excluded.currency, status = excluded.status,
         coupon = excluded.coupon, products = excluded.products, identifiers = excluded.identifiers,
         qr_codes = excluded.qr_codes, sources = excluded.sources, updated_at = excluded.updated_at`,
    ),
    count: db.prepare(`SELECT count(*) FROM orders WHERE site_id = ?`).pluck(),
    range: db.prepare(
      `SELECT * FROM orders WHERE site_id = @site AND ts >= @from AND ts < @to AND (ts, order_id) > (@afterTs, @afterId)
       ORDER BY ts, order_id LIMIT @limit`,
    ),
  };
}

function stmts(db: Db) {
  let s = stmtCache.get(db);
  if (!s) stmtCache.set(db, (s = prepare(db)));
  return s;
}

function mergedColumns(m: MergedOrder) {
  return {
    channel: m.channel,
    location: m.location,
    ts: m.ts,
    revenue: m.revenue,
    currency: m.currency,
    status: m.status,
    coupon: m.coupon,
    products: JSON.stringify(m.products),
    identifiers: JSON.stringify(m.identifiers),
    qr_codes: JSON.stringify(m.qrCodes),
    sources: JSON.stringify(m.sources),
  };
}

/**
 * Write one order record inside the current transaction: store it (a known ref is a
 * duplicate), re-merge the order, and link `order:<id>` with the record's identifiers in the
 * identity graph. Exported for the web-order deriver and for other sqlite domain modules.
 *
 * @example
 * store.commit((db) => writeOrderRecord(db, siteId, record, null));
 */
export function writeOrderRecord(db: Db, siteId: string, rec: OrderRecord, consent: ConsentState | null, batch?: IdentityBatch): OrderWriteResult {
  const s = stmts(db);
  const ins = s.insertRecord.run(siteId, rec.orderId, rec.ref, rec.source, rec.status, rec.ts, rec.receivedAt, JSON.stringify(rec));
  if (ins.changes === 0) return 'duplicate';

  const before = s.get.get(siteId, rec.orderId) as OrderRow | undefined;
  // A new order has exactly this record: skip reading it back (the bulk-import case).
  const records = before ? (s.records.all(siteId, rec.orderId) as string[]).map((j) => JSON.parse(j) as OrderRecord) : [rec];
  const cols = mergedColumns(mergeOrderRecords(records));
  const changed = !before || (Object.keys(cols) as (keyof typeof cols)[]).some((k) => before[k] !== cols[k]);
  if (changed) {
    s.upsert.run({ site_id: siteId, order_id: rec.orderId, now: rec.receivedAt, ...cols });
    enqueueWebhookMessage(db, siteId, before ? 'order.updated' : 'order.created', rec.orderId, rec.receivedAt);
  }

  // Web records are linked by the identity deriver of their event (rule `web-order`);
  // server records are linked here, in the same transaction as the record.
  if (rec.source === 'server') {
    const ids = cleanIdentifiers([identifier('order', rec.orderId), ...rec.identifiers]);
    if (ids.length > 0) {
      recordIdentifierSet(db, {
        siteId,
        ids,
        source: { type: 'order', ref: rec.orderId, ts: rec.ts, rule: 'order-identifiers' },
        consent,
      }, batch);
    }
  }
  if (!before) return 'inserted';
  return changed ? 'updated' : 'duplicate';
}

/**
 * Deriver: a web `Order Completed` / `Order Refunded` / `Order Cancelled` event becomes a
 * record of the same (site, order_id) order a server may also send; runs exactly once per
 * stored event, inside its transaction.
 */
export const ordersDeriver: Deriver = (db, ev: StoredEvent) => {
  const rec = webOrderRecord(ev);
  if (rec) writeOrderRecord(db, ev.siteId, rec, ev.consent);
};

function rowToOrder(db: Db, r: OrderRow): StoredOrder {
  const history = (stmts(db).history.all(r.site_id, r.order_id) as {
    status: OrderStatus;
    revenue: number;
    ts: number;
    source: 'server' | 'web';
    ref: string;
    received_at: number;
  }[]).map((h) => ({ status: h.status, revenue: h.revenue, ts: h.ts, source: h.source, ref: h.ref, receivedAt: h.received_at }));
  return {
    siteId: r.site_id,
    orderId: r.order_id,
    channel: r.channel,
    location: r.location,
    ts: r.ts,
    revenue: r.revenue,
    currency: r.currency,
    status: r.status as OrderStatus,
    coupon: r.coupon,
    products: JSON.parse(r.products),
    identifiers: JSON.parse(r.identifiers),
    qrCodes: JSON.parse(r.qr_codes),
    sources: JSON.parse(r.sources),
    history,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * The orders part of the SQLite store (`...ordersStore(ctx)` in index.ts).
 *
 * @example
 * const results = await store.putOrders(site.id, records); // ['inserted', 'duplicate', …]
 */
export function ordersStore(ctx: SqliteContext): OrdersStore {
  const { db } = ctx;
  return {
    putOrders(siteId, records) {
      if (records.length === 0) return Promise.resolve([]);
      return ctx.commit((tx) => {
        // One identity batch per callback: the orders of a bulk import share identifier lookups.
        const batch = identityBatch(tx, siteId);
        return records.map((r) => writeOrderRecord(tx, siteId, r, null, batch));
      }, records.length);
    },
    async getOrder(siteId, orderId) {
      const r = stmts(db).get.get(siteId, orderId) as OrderRow | undefined;
      return r ? rowToOrder(db, r) : null;
    },
    async ordersByIds(siteId, orderIds) {
      const get = stmts(db).get;
      const out: StoredOrder[] = [];
      for (const id of new Set(orderIds)) {
        const r = get.get(siteId, id) as OrderRow | undefined;
        if (r) out.push(rowToOrder(db, r));
      }
      return out.sort((a, b) => a.ts - b.ts || (a.orderId < b.orderId ? -1 : 1));
    },
    async listOrders(siteId, opts = {}) {
      const rows = stmts(db).range.all({
        site: siteId,
        from: opts.from ?? 0,
        to: opts.to ?? Number.MAX_SAFE_INTEGER,
        afterTs: opts.after?.ts ?? -1,
        afterId: opts.after?.orderId ?? '',
        limit: opts.limit ?? -1,
      }) as OrderRow[];
      return rows.map((r) => rowToOrder(db, r));
    },
    async countOrders(siteId) {
      return stmts(db).count.get(siteId) as number;
    },
  };
}
