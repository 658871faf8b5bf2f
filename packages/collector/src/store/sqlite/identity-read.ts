import * as crypto from 'node:crypto';
import type { Conversion, PersonJourney } from '../../attribution/journey';
import { cleanIdentifiers, identifierKey } from '../../stitch/identifiers';
import { linkKey } from '../../stitch/graph';
import { collapseServerSessions } from '../../stitch/sessions';
import type { Identifier } from '../../stitch/types';
import type { StoredEvent } from '../core';
import type { IdentityStore, JourneyQuery, LinkExplanation, PersonIdentity } from '../identity';
import type { SqliteContext } from './context';
import { EVENT_COLUMNS, rowToEvent, type EventRow } from './core';
import type { Db } from './db';
import { keyedParams, keyedWhere } from './event-keys';
import { chunkReader, type ChunkPerson, type MemberRow } from './journeys';
import { ownership } from './person-scope';
import { goalConversionsByPerson, trackEventsByPerson, type TrackEvent } from './track-events';

type ChunkRead = (first: number, last: number) => ChunkPerson[];
import { eraseIdentifiersSync, findIdentifierSync } from './identity';

/** Reads of the identity graph: persons, their events, journeys for reports. */

const DAY = 86_400_000;
/** Event columns qualified with the `e` alias (for joins with identity_refs). */
const E_COLUMNS = EVENT_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ');


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
  return 'p_' + sha256Hex(`${siteId}\n${min}`).slice(0, 24);
}

// One-shot crypto.hash (Node ≥ 20.12) is ~2× faster than createHash for short inputs; journeys hash one key per person.
const sha256Hex: (s: string) => string =
  typeof crypto.hash === 'function' ? (s) => crypto.hash('sha256', s, 'hex') : (s) => crypto.createHash('sha256').update(s).digest('hex');

const asId = (m: { kind: string; value: string }): Identifier => ({ kind: m.kind as Identifier['kind'], value: m.value });

// Prepared statements per connection and SQL text (profiles, goal and funnel reads run these per person).
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
       WHERE l.a IN (${marks}) OR l.b IN (${marks})`,
    )
    .all(...ids, ...ids) as {
    a_kind: string; a_value: string; b_kind: string; b_value: string; ts: number; src_type: LinkExplanation['source']['type'];
    src_ref: string; rule: string; status: LinkExplanation['status']; reason: string | null;
  }[];
  // Canonical evaluation order (the order the links were applied in): sorted by their key.
  return rows
    .map((r) => ({
      a: asId({ kind: r.a_kind, value: r.a_value }),
      b: asId({ kind: r.b_kind, value: r.b_value }),
      source: { type: r.src_type, ref: r.src_ref, ts: r.ts, rule: r.rule },
      status: r.status,
      reason: r.reason,
    }))
    .map((l) => [linkKey(l), l] as const)
    .sort((x, y) => (x[0] < y[0] ? -1 : 1))
    .map(([, l]) => l);
}

/** Event rows of a person's identifiers: anon/user events through the events indexes, others through touch refs. */
function personEventRows(db: Db, siteId: string, members: MemberRow[], from: number, to: number, newest: number): EventRow[] {
  const out = new Map<number, EventRow>();
  // Each identifier contributes at most its `newest` latest events (profiles of heavy users stay
  // bounded); the merged list is cut to `newest` by the caller.
  const tail = ' ORDER BY ts DESC, id DESC LIMIT ?';
  const byAnon = stmt(db, `SELECT ${EVENT_COLUMNS} FROM events WHERE ${keyedWhere('anonymousId')} AND ts >= ? AND ts < ?${tail}`);
  const byUser = stmt(db, `SELECT ${EVENT_COLUMNS} FROM events WHERE ${keyedWhere('userId')} AND ts >= ? AND ts < ?${tail}`);
  const byRef = stmt(db, `SELECT ${E_COLUMNS} FROM identity_refs r JOIN events e ON e.id = r.event_id WHERE r.ident = ? AND r.ts >= ? AND r.ts < ?${tail.replace(/ts|id/g, (c) => `e.${c}`)}`);
  for (const m of members) {
    let rows: EventRow[] = [];
    if (m.kind === 'anon') rows = byAnon.all(...keyedParams(db, siteId, m.value), from, to, newest) as EventRow[];
    else if (m.kind === 'user') rows = byUser.all(...keyedParams(db, siteId, m.value), from, to, newest) as EventRow[];
    else rows = byRef.all(m.id, from, to, newest) as EventRow[];
    for (const r of rows) out.set(r.id, r);
  }
  return [...out.values()].sort((a, b) => a.ts - b.ts || a.id - b.id);
}

/** Touches count from `from − lookback` (default 30 days). */
const touchFromOf = (q: JourneyQuery) => q.from - (q.lookbackMs ?? 30 * DAY);

/**
 * The journeys of one chunk of persons `[first, last]` (see journeys.ts), with the goal
 * conversions and funnel events the range's passes found for them (when asked for).
 */
function chunkJourneys(
  read: ChunkRead,
  siteId: string,
  first: number,
  last: number,
  goals: Map<number, Conversion[]> | null,
  events: Map<number, TrackEvent[]> | null,
): PersonJourney[] {
  const out: PersonJourney[] = [];
  for (const { person, minKey, touches: all, conversions } of read(first, last)) {
    const reached = goals?.get(person);
    if (reached) conversions.push(...reached);
    const named = events?.get(person);
    // A person with none of these is nothing to a report; one with only funnel events (a
    // visitor who came direct and never bought) still walks a funnel.
    if (all.length === 0 && conversions.length === 0 && !named?.length) continue;
    all.sort((a, b) => a.ts - b.ts || (a.messageId < b.messageId ? -1 : 1));
    const touches = collapseServerSessions(all);
    conversions.sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
    const j: PersonJourney = { personId: personIdOf(siteId, [minKey]), touches, conversions };
    if (events) j.events = named ?? [];
    out.push(j);
  }
  return out;
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
    async personOf(siteId, id, opts = {}): Promise<PersonIdentity | null> {
      await ctx.stitched();
      const members = lookup(siteId, id);
      if (!members) return null;
      return {
        personId: personIdOf(siteId, members.map((m) => identifierKey(asId(m)))),
        identifiers: members.map(asId),
        links: opts.links === false ? [] : linksOf(db, members),
      };
    },

    async personEvents(siteId, id, opts = {}): Promise<StoredEvent[]> {
      await ctx.stitched();
      const members = lookup(siteId, id);
      if (!members) return [];
      // Events another customer sent from this person's device are theirs (the rule erasure and export apply).
      const owner = ownership(db, siteId, members.filter((m) => m.kind === 'user').map((m) => m.value));
      const rows = personEventRows(db, siteId, members, 0, Number.MAX_SAFE_INTEGER, opts.limit ?? 10_000).filter((r) => owner.owns(r.user_id));
      return rows.slice(Math.max(0, rows.length - (opts.limit ?? 10_000))).map(rowToEvent);
    },

    async *journeys(siteId, q) {
      await ctx.stitched();
      const site = db.prepare('SELECT settings FROM sites WHERE id = ?').get(siteId) as { settings: string } | undefined;
      const settings = site ? (JSON.parse(site.settings) as Record<string, unknown>) : {};
      const goals = q.goals ?? (Array.isArray(settings.goals) ? settings.goals.filter((g): g is string => typeof g === 'string') : []);
      const chunk = Math.max(1, q.chunkSize ?? 2000);
      const read = chunkReader(db, siteId, { from: q.from, to: q.to, touchFrom: touchFromOf(q) });
      const last = (db.prepare('SELECT max(person) FROM identity_ids WHERE site_id = ?').pluck().get(siteId) as number | null) ?? -1;
      // Goal conversions and funnel events: one pass over the range each, for every person (see track-events.ts).
      const reached = goals.length ? await goalConversionsByPerson(ctx, siteId, q.from, q.to, goals) : null;
      const events = q.events ? await trackEventsByPerson(ctx, siteId, touchFromOf(q), q.to, q.eventNames) : null;
      // Chunks of person numbers: each is read in one short burst, never all rows.
      for (let first = 0; first <= last; first += chunk) {
        for (const j of chunkJourneys(read, siteId, first, first + chunk - 1, reached, events)) yield j;
        // Let other requests run between chunks (the reads are synchronous).
        await new Promise((r) => setImmediate(r));
      }
      // Orders no person reaches (anonymised by an erasure) are journeys of their own (journeys.ts).
      for (const j of chunkJourneys(read.unreached, siteId, 0, 0, null, events)) yield j;
    },

    eraseIdentifiers(siteId, ids) {
      return ctx.commit((tx) => (ctx.stitchSync(tx), eraseIdentifiersSync(tx, siteId, ids)));
    },
  };
}
