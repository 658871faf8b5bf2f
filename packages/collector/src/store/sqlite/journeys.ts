import type { Conversion, OrderStatus, Touch, TouchKind } from '../../attribution/journey';
import type { Db } from './db';
import type { OrderRow as StoredOrderRow } from './orders';
import { touchOfEvent } from './touch-fields';

/**
 * Set-based reads of journeys for a chunk of persons (`store.journeys`): one query for the
 * persons' identifiers and one for their touches, instead of a few queries per identifier. A
 * touch is read as the JSON `touchOf` built at ingest (`touch_fields`, see touch-fields.ts):
 * neither the events table nor a full event parse is on this path.
 */

/** An identifier of a person (`identity_ids` row). */
export interface MemberRow {
  id: number;
  kind: string;
  value: string;
  person: number;
}

/** An order row (the columns a conversion needs). */
export type OrderRow = Pick<StoredOrderRow, 'order_id' | 'channel' | 'location' | 'ts' | 'revenue' | 'currency' | 'status'>;

/** One person of a chunk: touches in `[touchFrom, to)` and orders in `[from, to)`, unsorted. */
export interface ChunkPerson {
  /** The person number (`identity_ids.person`). */
  person: number;
  /** The smallest identifier key (`kind:value`) of the person: its public ID derives from it. */
  minKey: string;
  touches: Touch[];
  conversions: Conversion[];
}

/** The range of a chunk read. */
export interface ChunkRange {
  /** Conversions from (inclusive) … to (exclusive). */
  from: number;
  to: number;
  /** Touches from this time on (`from − lookback`), up to `to`. */
  touchFrom: number;
}

/** Reads one chunk of persons; `unreached` gives the orders no chunk reached (see {@link chunkReader}). */
export type ChunkReader = ((first: number, last: number) => ChunkPerson[]) & {
  /**
   * Once every chunk was read: the range's orders that an erasure anonymised (`erased-…`,
   * identifiers removed, kept for bookkeeping: `sources` is `["erased"]`), each as a person of
   * its own with no touches (sorted by order ID). No person reaches them any more; they count as
   * a walk-in order with no identifiers does — that one is a person holding only its
   * `order:<id>` identifier, so its journey is one conversion and no touch, credited to its
   * sales channel. Without this, an erased customer's revenue left every report. Other orders
   * no person reaches stay out, as before: a bot's web order, or one sent without consent
   * (neither is stitched, `stitch/derive.ts`).
   */
  unreached(): ChunkPerson[];
};

/**
 * Reads chunks of persons `[first, last]` (person numbers of a site) for one report range. One
 * row per person for its identifiers (smallest key, count, order IDs: aggregated in SQL) and
 * one per touch; rows come back as arrays (`raw`): at 5 M events building ~600 k row objects
 * cost more than the SQL itself.
 *
 * The orders of `[from, to)` are read once, in one index range scan, and kept by ID: they are
 * the report's conversions, which the engine keeps anyway (memory grows with conversions, not
 * events), and one random lookup of a wide order row per order identifier cost ~4× more. The
 * orders table belongs to the orders module; a database without it has no orders.
 *
 * @example
 * const read = chunkReader(db, site.id, { from, to, touchFrom: from - lookback });
 * for (const p of read(1, 2000)) p.touches.length;
 */
export function chunkReader(db: Db, siteId: string, range: ChunkRange): ChunkReader {
  // SQLite compares text as UTF-8 bytes, JavaScript as UTF-16 units: the same order for ASCII.
  // A person with a non-ASCII key (more bytes than characters) takes its minimum in JS.
  const persons = db
    .prepare(
      `SELECT person, min(kind || ':' || value), count(*), json_group_array(value) FILTER (WHERE kind = 'order'), max(octet_length(value) > length(value))
       FROM identity_ids WHERE site_id = ? AND person >= ? AND person <= ? GROUP BY person`,
    )
    .raw();
  const keysOf = db.prepare("SELECT kind || ':' || value FROM identity_ids WHERE site_id = ? AND person = ?").pluck();
  // identity_ids_person (site_id, person), covering → identity_refs primary key (ident, ts) → touch_fields by event_id.
  // The touch is null when it is missing or was built for another kind (the ingest guess was wrong).
  // A chunk's touches come as columns — three JSON arrays and one array of the stored touch JSON
  // (valid JSON: written by JSON.stringify), each parsed once: better-sqlite3 spends ~1 µs building
  // a row, and 283 k touches at 4.82 M events are 283 k rows (event-pages.ts, eventColumnPages).
  const touches = db
    .prepare(
      `SELECT json_group_array(person), json_group_array(kind), json_group_array(event_id), '[' || group_concat(ifnull(touch, 'null'), ',') || ']'
       FROM (SELECT i.person AS person, r.kind AS kind, r.event_id AS event_id, CASE WHEN t.kind = r.kind THEN t.touch END AS touch
             FROM identity_ids i JOIN identity_refs r ON r.ident = i.id LEFT JOIN touch_fields t ON t.event_id = r.event_id
             WHERE i.site_id = ? AND i.person >= ? AND i.person <= ? AND r.ts >= ? AND r.ts < ? AND r.kind <> 'handoff')`,
    )
    .raw();
  const hasOrders = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'orders'").get();
  let orders: Map<string, OrderRow> | null = null;
  const ordersOfRange = () =>
    (orders ??= new Map(
      hasOrders
        ? (db.prepare('SELECT order_id, channel, location, ts, revenue, currency, status FROM orders WHERE site_id = ? AND ts >= ? AND ts < ?').all(siteId, range.from, range.to) as OrderRow[]).map((o) => [o.order_id, o])
        : [],
    ));
  /** Order IDs some person reached. */
  const reached = new Set<string>();

  const read = (first: number, last: number): ChunkPerson[] => {
    const orders = ordersOfRange();
    const chunk = new Map<number, ChunkPerson & { multi: boolean; seen?: Set<number> }>();
    for (const [person, minKey, n, orderIds, wide] of persons.all(siteId, first, last) as [number, string, number, string, number][]) {
      const p = { person, minKey, multi: n > 1, touches: [], conversions: [] as Conversion[] };
      if (wide) p.minKey = (keysOf.all(siteId, person) as string[]).reduce((a, b) => (b < a ? b : a));
      chunk.set(person, p);
      if (orderIds === '[]') continue;
      // Orders of every channel (orders table of store/sqlite/orders.ts), through the person's order IDs.
      for (const id of JSON.parse(orderIds) as string[]) {
        const o = orders.get(id);
        if (o) {
          p.conversions.push(conversionOfRow(o));
          reached.add(id);
        }
      }
    }
    const packed = touches.get(siteId, first, last, range.touchFrom, range.to) as [string, string, string, string | null];
    // No touches: group_concat gives NULL.
    const [owners, kinds, eventIds, stored] =
      packed[3] === null ? [[], [], [], []] : (packed.map((c) => JSON.parse(c!)) as [number[], TouchKind[], number[], (Touch | null)[]]);
    for (let i = 0; i < owners.length; i++) {
      const eventId = eventIds[i];
      const touch = stored[i];
      const p = chunk.get(owners[i])!;
      if (p.multi) {
        // One event can be a touch of several identifiers of the person: take it once.
        p.seen ??= new Set();
        if (p.seen.has(eventId)) continue;
        p.seen.add(eventId);
      }
      // Without a stored touch, the event itself (as before touch_fields).
      p.touches.push(touch === null ? touchOfEvent(db, kinds[i], eventId) : touch);
    }
    return [...chunk.values()];
  };
  // Few orders go unreached (bots, no consent, erased): one primary-key lookup each.
  const erased = hasOrders ? db.prepare("SELECT 1 FROM orders WHERE site_id = ? AND order_id = ? AND sources = '[\"erased\"]'").pluck() : null;
  const unreached = (): ChunkPerson[] =>
    [...ordersOfRange().values()]
      .filter((o) => !reached.has(o.order_id) && erased?.get(siteId, o.order_id) === 1)
      .sort((a, b) => (a.order_id < b.order_id ? -1 : a.order_id > b.order_id ? 1 : 0))
      .map((o) => ({ person: -1, minKey: `order:${o.order_id}`, touches: [], conversions: [conversionOfRow(o)] }));
  return Object.assign(read, { unreached });
}

/** The conversion of an order row (the same fields, in the same order, as before). */
export function conversionOfRow(o: OrderRow): Conversion {
  const c: Conversion = { id: o.order_id, ts: o.ts, value: o.revenue, channel: o.channel, status: o.status as OrderStatus };
  if (o.currency) c.currency = o.currency;
  if (o.location) c.location = o.location;
  return c;
}
