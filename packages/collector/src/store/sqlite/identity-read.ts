import { createHash } from 'node:crypto';
import type { Conversion, OrderStatus, PersonJourney, Touch, TouchKind } from '../../attribution/journey';
import { touchOf } from '../../stitch/touch';
import { cleanIdentifiers, identifierKey } from '../../stitch/identifiers';
import type { Identifier } from '../../stitch/types';
import type { StoredEvent } from '../core';
import type { IdentityStore, JourneyQuery, LinkExplanation, PersonIdentity } from '../identity';
import type { SqliteContext } from './context';
import { EVENT_COLUMNS, rowToEvent, type EventRow } from './core';
import type { Db } from './db';
import { keyHash } from './hash';
import { eraseIdentifiersSync, findIdentifierSync } from './identity';

/** Reads of the identity graph: persons, their events, journeys for reports. */

const DAY = 86_400_000;
/** Event columns qualified with the `e` alias (for joins with identity_refs). */
const E_COLUMNS = EVENT_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ');

interface MemberRow {
  id: number;
  kind: string;
  value: string;
  person: number;
}

/**
 * Public person ID: a hash of the person's smallest identifier key, so it is the same
 * whatever the ingestion order, and reveals no identifier.
 *
 * @example
 * personIdOf('site_1', ['anon:a1', 'user:C1']) // 'p_3f1c…' (24 hex)
 */
export function personIdOf(siteId: string, memberKeys: string[]): string {
  let min = memberKeys[0];
  for (const k of memberKeys) if (k < min) min = k;
  return 'p_' + createHash('sha256').update(`${siteId}\n${min}`).digest('hex').slice(0, 24);
}

const asId = (m: { kind: string; value: string }): Identifier => ({ kind: m.kind as Identifier['kind'], value: m.value });

// Prepared statements per connection and SQL text: journeys run these per person.
type AnyStmt = { all(...args: unknown[]): unknown[]; get(...args: unknown[]): unknown };
const prepared = new WeakMap<Db, Map<string, AnyStmt>>();
function stmt(db: Db, sql: string): AnyStmt {
  let m = prepared.get(db);
  if (!m) prepared.set(db, (m = new Map()));
  let st = m.get(sql);
  if (!st) m.set(sql, (st = db.prepare(sql) as unknown as AnyStmt));
  return st;
}

function membersOf(db: Db, siteId: string, person: number): MemberRow[] {
  return stmt(db, 'SELECT id, kind, value, person FROM identity_ids WHERE site_id = ? AND person = ? ORDER BY kind, value').all(siteId, person) as MemberRow[];
}

function linksOf(db: Db, members: MemberRow[]): LinkExplanation[] {
  if (members.length === 0) return [];
  const ids = members.map((m) => m.id);
  const marks = ids.map(() => '?').join(',');
  const rows = db
    .prepare(
      `SELECT l.*, ia.kind AS a_kind, ia.value AS a_value, ib.kind AS b_kind, ib.value AS b_value
       FROM identity_links l JOIN identity_ids ia ON ia.id = l.a JOIN identity_ids ib ON ib.id = l.b
       WHERE l.a IN (${marks}) OR l.b IN (${marks}) ORDER BY l.key`,
    )
    .all(...ids, ...ids) as {
    a_kind: string; a_value: string; b_kind: string; b_value: string; ts: number; src_type: LinkExplanation['source']['type'];
    src_ref: string; rule: string; status: LinkExplanation['status']; reason: string | null;
  }[];
  return rows.map((r) => ({
    a: asId({ kind: r.a_kind, value: r.a_value }),
    b: asId({ kind: r.b_kind, value: r.b_value }),
    source: { type: r.src_type, ref: r.src_ref, ts: r.ts, rule: r.rule },
    status: r.status,
    reason: r.reason,
  }));
}

/** Event rows of a person's identifiers: anon/user events through the events indexes, others through touch refs. */
function personEventRows(db: Db, siteId: string, members: MemberRow[], from = 0, to = Number.MAX_SAFE_INTEGER, names?: string[], newest = -1): EventRow[] {
  const out = new Map<number, EventRow>();
  const nameSql = names ? ` AND type = 'track' AND event IN (${names.map(() => '?').join(',')})` : '';
  // With a limit, each identifier contributes at most its `newest` latest events (profiles of
  // heavy users stay bounded); the merged list is cut to `newest` by the caller.
  const tail = newest >= 0 ? ' ORDER BY ts DESC, id DESC LIMIT ?' : '';
  const lim = newest >= 0 ? [newest] : [];
  const byAnon = stmt(db, `SELECT ${EVENT_COLUMNS} FROM events WHERE anon_hash = ? AND site_id = ? AND anonymous_id = ? AND ts >= ? AND ts < ?${nameSql}${tail}`);
  const byUser = stmt(db, `SELECT ${EVENT_COLUMNS} FROM events WHERE user_hash = ? AND site_id = ? AND user_id = ? AND ts >= ? AND ts < ?${nameSql}${tail}`);
  const byRef = stmt(db, `SELECT ${E_COLUMNS} FROM identity_refs r JOIN events e ON e.id = r.event_id WHERE r.ident = ? AND r.ts >= ? AND r.ts < ?${tail.replace(/ts|id/g, (c) => `e.${c}`)}`);
  for (const m of members) {
    let rows: EventRow[] = [];
    if (m.kind === 'anon') rows = byAnon.all(keyHash(siteId, m.value), siteId, m.value, from, to, ...(names ?? []), ...lim) as EventRow[];
    else if (m.kind === 'user') rows = byUser.all(keyHash(siteId, m.value), siteId, m.value, from, to, ...(names ?? []), ...lim) as EventRow[];
    else if (!names) rows = byRef.all(m.id, from, to, ...lim) as EventRow[];
    for (const r of rows) out.set(r.id, r);
  }
  return [...out.values()].sort((a, b) => a.ts - b.ts || a.id - b.id);
}

interface OrderRow {
  order_id: string;
  channel: string;
  location: string | null;
  ts: number;
  revenue: number;
  currency: string | null;
  status: string;
}

type Stmt = { get(...args: unknown[]): unknown };
const orderStmts = new WeakMap<Db, Stmt | null>();
function ordersStmt(db: Db) {
  if (!orderStmts.has(db)) {
    // The orders table belongs to the orders module; a store without it has no orders.
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'orders'").get();
    orderStmts.set(db, exists ? db.prepare('SELECT order_id, channel, location, ts, revenue, currency, status FROM orders WHERE site_id = ? AND order_id = ?') : null);
  }
  return orderStmts.get(db)!;
}

function conversionsOf(db: Db, siteId: string, members: MemberRow[], goals: string[], q: JourneyQuery): Conversion[] {
  const out: Conversion[] = [];
  // Orders of every channel (orders table of store/sqlite/orders.ts), through the person's order IDs.
  const orderStmt = ordersStmt(db);
  for (const m of members) {
    if (m.kind !== 'order' || !orderStmt) continue;
    const o = orderStmt.get(siteId, m.value) as OrderRow | undefined;
    if (!o || o.ts < q.from || o.ts >= q.to) continue;
    const c: Conversion = { id: o.order_id, ts: o.ts, value: o.revenue, channel: o.channel, status: o.status as OrderStatus };
    if (o.currency) c.currency = o.currency;
    if (o.location) c.location = o.location;
    out.push(c);
  }
  if (goals.length) {
    for (const r of personEventRows(db, siteId, members, q.from, q.to, goals)) {
      const props = JSON.parse(r.properties) as Record<string, unknown>;
      const value = typeof props.value === 'number' && Number.isFinite(props.value) ? props.value : 1;
      out.push({ id: r.message_id, ts: r.ts, value, channel: 'goal', status: 'completed' });
    }
  }
  return out.sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
}

function journeyOf(db: Db, siteId: string, members: MemberRow[], goals: string[], q: JourneyQuery): PersonJourney | null {
  const touchFrom = q.from - (q.lookbackMs ?? 30 * DAY);
  const touches: Touch[] = [];
  const refStmt = stmt(
    db,
    `SELECT r.kind AS ref_kind, ${E_COLUMNS} FROM identity_refs r JOIN events e ON e.id = r.event_id WHERE r.ident = ? AND r.ts >= ? AND r.ts < ?`,
  );
  const seen = new Set<number>();
  for (const m of members) {
    for (const r of refStmt.all(m.id, touchFrom, q.to) as (EventRow & { ref_kind: TouchKind })[]) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      touches.push(touchOf(r.ref_kind, rowToEvent(r)));
    }
  }
  const conversions = conversionsOf(db, siteId, members, goals, q);
  if (touches.length === 0 && conversions.length === 0) return null;
  touches.sort((a, b) => a.ts - b.ts || (a.messageId < b.messageId ? -1 : 1));
  const j: PersonJourney = { personId: personIdOf(siteId, members.map((m) => identifierKey(asId(m)))), touches, conversions };
  if (q.events) {
    j.events = personEventRows(db, siteId, members.filter((m) => m.kind === 'anon' || m.kind === 'user'), touchFrom, q.to)
      .filter((r) => r.type === 'track' && r.event && r.bot === 0)
      .map((r) => ({ name: r.event!, ts: r.ts }));
  }
  return j;
}

/**
 * The identity reads of the SQLite store (`...identityStore(ctx)` in index.ts).
 *
 * @example
 * const p = await store.personOf(site.id, { kind: 'user', value: 'C-17' });
 */
export function identityStore(ctx: SqliteContext): IdentityStore {
  const { db } = ctx;

  function lookup(siteId: string, id: Identifier): MemberRow[] | null {
    const [clean] = cleanIdentifiers([id]);
    if (!clean) return null;
    const row = findIdentifierSync(db, siteId, clean);
    return row ? membersOf(db, siteId, row.person) : null;
  }

  return {
    async personOf(siteId, id): Promise<PersonIdentity | null> {
      const members = lookup(siteId, id);
      if (!members) return null;
      return {
        personId: personIdOf(siteId, members.map((m) => identifierKey(asId(m)))),
        identifiers: members.map(asId),
        links: linksOf(db, members),
      };
    },

    async personEvents(siteId, id, opts = {}): Promise<StoredEvent[]> {
      const members = lookup(siteId, id);
      if (!members) return [];
      const rows = personEventRows(db, siteId, members, 0, Number.MAX_SAFE_INTEGER, undefined, opts.limit ?? 10_000);
      return rows.slice(Math.max(0, rows.length - (opts.limit ?? 10_000))).map(rowToEvent);
    },

    async *journeys(siteId, q) {
      const site = db.prepare('SELECT settings FROM sites WHERE id = ?').get(siteId) as { settings: string } | undefined;
      const settings = site ? (JSON.parse(site.settings) as Record<string, unknown>) : {};
      const goals = q.goals ?? (Array.isArray(settings.goals) ? settings.goals.filter((g): g is string => typeof g === 'string') : []);
      const chunk = Math.max(1, q.chunkSize ?? 500);
      const nextPersons = db.prepare('SELECT DISTINCT person FROM identity_ids WHERE site_id = ? AND person > ? ORDER BY person LIMIT ?').pluck();
      const membersIn = db.prepare('SELECT id, kind, value, person FROM identity_ids WHERE site_id = ? AND person >= ? AND person <= ? ORDER BY person');
      let after = -1;
      for (;;) {
        // Keyset pagination over persons: each chunk is read in one short burst, never all rows.
        const persons = nextPersons.all(siteId, after, chunk) as number[];
        if (persons.length === 0) return;
        after = persons[persons.length - 1];
        const rows = membersIn.all(siteId, persons[0], after) as MemberRow[];
        const batch: PersonJourney[] = [];
        let i = 0;
        while (i < rows.length) {
          let k = i;
          while (k < rows.length && rows[k].person === rows[i].person) k++;
          const j = journeyOf(db, siteId, rows.slice(i, k), goals, q);
          if (j) batch.push(j);
          i = k;
        }
        for (const j of batch) yield j;
        // Let other requests run between chunks (the reads are synchronous).
        await new Promise((r) => setImmediate(r));
      }
    },

    eraseIdentifiers(siteId, ids) {
      return ctx.commit((tx) => eraseIdentifiersSync(tx, siteId, ids));
    },
  };
}
