import type { Conversion, OrderStatus, Touch, TouchKind } from '../../attribution/journey';
import { touchOf, type TouchSource } from '../../stitch/touch';
import type { Db } from './db';

/**
 * Set-based reads of journeys for a chunk of persons (`store.journeys`): one query for the
 * touches of every person in the chunk and one for their orders, instead of a few queries
 * per identifier. A touch reads only what channel rules look at: the ref, the event's time
 * and messageId, and the few JSON fields of `touchOf`, extracted by SQLite's JSON functions
 * (`json_extract` with several paths returns them as one small JSON array). The full event
 * (context, properties, traits objects) is never rebuilt in JavaScript: that parse was
 * ~70 % of the report's cost through the store.
 */

/**
 * The JSON fields each touch kind needs, in the order {@link touchSource} reads them back.
 * Kinds without an entry (`handoff`, `email`) need only the time and messageId.
 */
const TOUCH_FIELDS = `CASE r.kind
    WHEN 'session' THEN json_extract(e.context, '$.campaign', '$.page.referrer', '$.page.url', '$.omnitrail.clickIds')
    WHEN 'qr' THEN json_extract(e.properties, '$.code', '$.campaign_id', '$.personalised', '$.campaign_name')
    WHEN 'offline' THEN json_extract(e.properties, '$.touchpoint_type', '$.location')
  END`;

/** A touch row of {@link chunkReader}: the person, the ref kind and the extracted fields. */
export interface TouchRow {
  person: number;
  kind: TouchKind;
  event_id: number;
  ts: number;
  message_id: string;
  /** JSON array of the kind's fields (see TOUCH_FIELDS), or null. */
  x: string | null;
}

/** An order row of {@link chunkReader}, with the person it belongs to. */
export interface OrderRow {
  person: number;
  order_id: string;
  channel: string;
  location: string | null;
  ts: number;
  revenue: number;
  currency: string | null;
  status: string;
}

/** Reads of one chunk of persons `[first, last]` (person numbers of one site). */
export interface ChunkReader {
  /** Touches with `touchFrom ≤ ref time < to` of every identifier of the chunk's persons (duplicates possible: one event, several identifiers). */
  touches(siteId: string, first: number, last: number, touchFrom: number, to: number): TouchRow[];
  /** Orders with `from ≤ ts < to` reached through the chunk's `order` identifiers. */
  orders(siteId: string, first: number, last: number, from: number, to: number): OrderRow[];
}

/**
 * Prepared chunk queries for a connection. The orders table belongs to the orders module; a
 * database without it (domain-subset test stores) has no orders.
 *
 * @example
 * const r = chunkReader(db);
 * r.touches(site.id, 1, 500, from - lookback, to).map((row) => touchOfRow(row));
 */
export function chunkReader(db: Db): ChunkReader {
  // identity_ids_person (site_id, person) → identity_refs primary key (ident, ts) → events by rowid.
  const touches = db.prepare(
    `SELECT i.person, r.kind, r.event_id, e.ts, e.message_id, ${TOUCH_FIELDS} AS x
     FROM identity_ids i JOIN identity_refs r ON r.ident = i.id JOIN events e ON e.id = r.event_id
     WHERE i.site_id = ? AND i.person >= ? AND i.person <= ? AND r.ts >= ? AND r.ts < ?`,
  );
  const hasOrders = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'orders'").get();
  const orders = hasOrders
    ? db.prepare(
        `SELECT i.person, o.order_id, o.channel, o.location, o.ts, o.revenue, o.currency, o.status
         FROM identity_ids i JOIN orders o ON o.site_id = i.site_id AND o.order_id = i.value
         WHERE i.site_id = ? AND i.person >= ? AND i.person <= ? AND i.kind = 'order' AND o.ts >= ? AND o.ts < ?`,
      )
    : null;
  return {
    touches: (siteId, first, last, touchFrom, to) => touches.all(siteId, first, last, touchFrom, to) as TouchRow[],
    orders: (siteId, first, last, from, to) => (orders ? (orders.all(siteId, first, last, from, to) as OrderRow[]) : []),
  };
}

/**
 * What `touchOf` reads of an event, rebuilt from a touch row's extracted fields. A missing
 * JSON field comes back as null where the parsed event had undefined: `touchOf` treats both
 * alike (`?? ''`, `str()`, truthiness), so the touch is the same as from the full event.
 */
export function touchSource(row: TouchRow): TouchSource {
  const x = row.x === null ? null : (JSON.parse(row.x) as unknown[]);
  const src: TouchSource = { timestamp: row.ts, messageId: row.message_id, context: {}, properties: {} };
  if (!x) return src;
  if (row.kind === 'session') src.context = { campaign: x[0], page: { referrer: x[1], url: x[2] }, omnitrail: { clickIds: x[3] } };
  else if (row.kind === 'qr') src.properties = { code: x[0], campaign_id: x[1], personalised: x[2], campaign_name: x[3] };
  else if (row.kind === 'offline') src.properties = { touchpoint_type: x[0], location: x[1] };
  return src;
}

/**
 * The touch of a row, as `touchOf` builds it from the full stored event.
 *
 * @example
 * touchOfRow({ person: 3, kind: 'offline', event_id: 9, ts: 1, message_id: 'm9', x: '["store_visit","Berlin"]' })
 * // { ts: 1, kind: 'offline', messageId: 'm9', offline: { type: 'store_visit', location: 'Berlin' } }
 */
export function touchOfRow(row: TouchRow): Touch {
  return touchOf(row.kind, touchSource(row));
}

/** The conversion of an order row (the same fields, in the same order, as before). */
export function conversionOfRow(o: OrderRow): Conversion {
  const c: Conversion = { id: o.order_id, ts: o.ts, value: o.revenue, channel: o.channel, status: o.status as OrderStatus };
  if (o.currency) c.currency = o.currency;
  if (o.location) c.location = o.location;
  return c;
}
