import type { Identifier } from '../../stitch/types';
import { cleanIdentifiers, identifier } from '../../stitch/identifiers';
import { EVENT_COLUMNS, type EventRow } from './core';
import type { Db } from './db';
import { keyedParams, keyedWhere } from './event-keys';
import { findIdentifierSync } from './identity';

/** One identifier of a person: `id` is its `identity_ids` row, or -1 when only unstitched events carry it. */
export interface Member {
  id: number;
  kind: string;
  value: string;
}

/**
 * Migration 16: identify events by the hashed e-mail / phone of their traits.
 *
 * Why: events that are never stitched (consent denied or pending, bot-flagged) put nothing in
 * the identity graph, so an erasure or export by e-mail or phone had no way to find them short
 * of reading every event. Partial on `type = 'identify'` (the only events whose traits the
 * stitching reads): every other event pays one string comparison on insert, and an identify
 * event (about one per login) one more index entry.
 */
export const identifyPiiIndexSql = `
CREATE INDEX events_identify_email ON events (site_id, json_extract(traits, '$.email_sha256'))
  WHERE type = 'identify' AND json_extract(traits, '$.email_sha256') IS NOT NULL;
CREATE INDEX events_identify_phone ON events (site_id, json_extract(traits, '$.phone_sha256'))
  WHERE type = 'identify' AND json_extract(traits, '$.phone_sha256') IS NOT NULL;
`;

/**
 * Who owns an event that carries one of a person's identifiers: the one rule erasure, export
 * and profiles share.
 *
 * An event without a user ID, or with one of the person's user IDs, is the person's. An event
 * with a user ID the graph gives to someone else is theirs (a shared device: the stitching
 * guards kept the two apart). A user ID the graph does not know (its events were never
 * stitched: consent not granted, bot-flagged) belongs to the person, unless the person already
 * has a user ID: the graph's own guard, two user IDs never merge. Call `owns` in event time
 * order so that, like the graph, the earliest unknown user ID is the one that joins.
 */
export interface Ownership {
  /** True when an event (or order) with this user ID belongs to the person. */
  owns(userId: string | null): boolean;
  /** The person's user IDs (grows as unknown ones join). */
  readonly users: ReadonlySet<string>;
}

/**
 * Creates the {@link Ownership} of a person whose known user IDs are `users`.
 *
 * @example
 * const own = ownership(db, siteId, ['C-1']);
 * own.owns('C-2'); // false when the graph gives C-2 to someone else
 */
export function ownership(db: Db, siteId: string, users: Iterable<string>): Ownership {
  const mine = new Set(users);
  const decided = new Map<string, boolean>();
  return {
    users: mine,
    owns(userId) {
      if (userId == null || mine.has(userId)) return true;
      let own = decided.get(userId);
      if (own === undefined) {
        // The graph holds user IDs normalised; a placeholder ("anonymous", "0", …) names nobody:
        // the event is as if it had no user ID.
        const [clean] = cleanIdentifiers([identifier('user', userId)]);
        if (!clean || mine.has(clean.value)) own = true;
        else {
          own = mine.size === 0 && findIdentifierSync(db, siteId, clean) === null;
          if (own) mine.add(clean.value);
        }
        decided.set(userId, own);
      }
      return own;
    },
  };
}

/** A person as erasure and export see it; see {@link resolvePerson}. */
export interface PersonScope {
  /** The graph's identifiers of the person, then those only unstitched events carry (id -1). */
  members: Member[];
  /** The person's own events, in time order. */
  events: EventRow[];
  /** Events that carry one of the person's identifiers but belong to another user (kept on erasure). */
  foreign: EventRow[];
  /** The ownership decisions made so far (orders use it too). */
  owner: Ownership;
}

const key = (kind: string, value: string) => `${kind}\u0000${value}`;

function traitsOf(r: EventRow): Record<string, unknown> {
  try {
    const t = JSON.parse(r.traits) as unknown;
    return t && typeof t === 'object' ? (t as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Resolves a person for erasure or export: the identity graph's component of `id`, widened by
 * the events that were never stitched. Those events are found through the columns and indexes
 * the log has (anonymous and user ID key lookups, `events_identify_email` / `_phone`); the
 * identifiers they carry that the graph does not know (anonymous ID, user ID under
 * {@link ownership}, identify traits' `email_sha256` / `phone_sha256`) join the person, and
 * are looked up in turn until nothing new turns up. Identifiers the graph gives to another
 * person never join.
 *
 * Returns null when `id` is not a valid identifier.
 *
 * @example
 * const scope = resolvePerson(db, site.id, { kind: 'email', value: sha256('jane@example.com') });
 * scope?.events.length; // identify events with denied consent included
 */
export function resolvePerson(db: Db, siteId: string, id: Identifier): PersonScope | null {
  const [clean] = cleanIdentifiers([id]);
  if (!clean) return null;
  const row = findIdentifierSync(db, siteId, clean);
  const members: Member[] = row
    ? (db.prepare('SELECT id, kind, value FROM identity_ids WHERE site_id = ? AND person = ? ORDER BY kind, value').all(siteId, row.person) as Member[])
    : [{ id: -1, kind: clean.kind, value: clean.value }];
  const seen = new Set(members.map((m) => key(m.kind, m.value)));
  const owner = ownership(db, siteId, members.filter((m) => m.kind === 'user').map((m) => m.value));
  const q = queries(db);
  const own = new Map<number, EventRow>();
  const foreign = new Map<number, EventRow>();
  // Unknown identifiers join only if no other person of the graph has them.
  const join = (kind: string, value: unknown) => {
    if (typeof value !== 'string') return;
    const [c] = cleanIdentifiers([{ kind, value } as Identifier]);
    if (!c || seen.has(key(c.kind, c.value))) return;
    seen.add(key(c.kind, c.value));
    if (findIdentifierSync(db, siteId, c) === null) members.push({ id: -1, kind: c.kind, value: c.value });
  };

  // Rounds: every member added by one round is looked up by the next.
  for (let done = 0; done < members.length; ) {
    const found = new Map<number, EventRow>();
    for (const m of members.slice(done)) for (const r of q.rowsOf(siteId, m)) found.set(r.id, r);
    done = members.length;
    // In time order, so the earliest unknown user ID is the one that joins (as the graph would).
    for (const r of [...found.values()].sort(byTime)) {
      if (own.has(r.id) || foreign.has(r.id)) continue;
      if (!owner.owns(r.user_id)) {
        foreign.set(r.id, r);
        continue;
      }
      own.set(r.id, r);
      if (r.user_id != null) join('user', r.user_id);
      if (r.anonymous_id != null) join('anon', r.anonymous_id);
      if (r.type === 'identify') {
        const t = traitsOf(r);
        join('email', t.email_sha256);
        join('phone', t.phone_sha256);
      }
    }
  }
  return { members, events: [...own.values()].sort(byTime), foreign: [...foreign.values()].sort(byTime), owner };
}

const byTime = (a: EventRow, b: EventRow) => a.ts - b.ts || a.id - b.id;

const cache = new WeakMap<Db, ReturnType<typeof prepare>>();
const queries = (db: Db) => {
  let q = cache.get(db);
  if (!q) cache.set(db, (q = prepare(db)));
  return q;
};

function prepare(db: Db) {
  const byAnon = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE ${keyedWhere('anonymousId')}`);
  const byUser = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE ${keyedWhere('userId')}`);
  const byRef = db.prepare(`SELECT ${EVENT_COLUMNS.split(', ').map((c) => 'e.' + c).join(', ')} FROM identity_refs r JOIN events e ON e.id = r.event_id WHERE r.ident = ?`);
  const byScan = db.prepare('SELECT event_rowid FROM qr_scans WHERE token = ? AND site_id = ?').pluck();
  const byRowid = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = ?`);
  // The expressions and conditions match the partial indexes of identifyPiiIndexSql exactly, so the planner uses them.
  const byEmail = db.prepare(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE site_id = ? AND json_extract(traits, '$.email_sha256') = ?
     AND type = 'identify' AND json_extract(traits, '$.email_sha256') IS NOT NULL`,
  );
  const byPhone = db.prepare(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE site_id = ? AND json_extract(traits, '$.phone_sha256') = ?
     AND type = 'identify' AND json_extract(traits, '$.phone_sha256') IS NOT NULL`,
  );
  // A web `Order Completed` of the person's order, whoever's browser sent it: the order's web
  // records name those events by messageId (an indexed lookup, no scan of the log).
  const webRefs = db.prepare("SELECT ref FROM order_records WHERE site_id = ? AND order_id = ? AND source = 'web'").pluck();
  const byMid = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE ${keyedWhere('messageId')}`);
  return {
    /** Events carrying one identifier: by column, by the graph's touch references, by scan token, by order. */
    rowsOf(siteId: string, m: Member): EventRow[] {
      let rows: EventRow[] = [];
      if (m.kind === 'anon') rows = byAnon.all(...keyedParams(db, siteId, m.value)) as EventRow[];
      else if (m.kind === 'user') rows = byUser.all(...keyedParams(db, siteId, m.value)) as EventRow[];
      else if (m.kind === 'email') rows = byEmail.all(siteId, m.value) as EventRow[];
      else if (m.kind === 'phone') rows = byPhone.all(siteId, m.value) as EventRow[];
      if (m.id >= 0) rows = rows.concat(byRef.all(m.id) as EventRow[]);
      if (m.kind === 'scan') {
        const rid = byScan.get(m.value, siteId) as number | undefined;
        const r = rid === undefined ? undefined : (byRowid.get(rid) as EventRow | undefined);
        if (r) rows.push(r);
      }
      if (m.kind === 'order') {
        for (const ref of webRefs.all(siteId, m.value) as string[]) rows = rows.concat(byMid.all(...keyedParams(db, siteId, ref)) as EventRow[]);
      }
      return rows;
    },
  };
}
