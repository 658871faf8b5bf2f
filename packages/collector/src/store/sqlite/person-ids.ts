import type { Db } from './db';
import { findIdentifierSync } from './identity';

/** The two kinds of ID an event carries. */
export type EventIdKind = 'anon' | 'user';

/**
 * How a pass resolves IDs: `auto` (default) starts with one lookup per distinct ID and switches to
 * one read of the site's identifiers once the pass would look up a large share of them;
 * `lookup` and `read` force one way (tests compare them).
 */
export type PersonIdsMode = 'auto' | 'lookup' | 'read';

/** Resolves the anonymous and user IDs of a pass over a range to their persons; see {@link personIds}. */
export interface PersonIds {
  /**
   * Called before a page's IDs are resolved, with its anonymous and user ID columns and the share
   * of the range (0–1) the pass reaches with it: may switch to reading all identifiers.
   */
  page(anon: readonly (string | null)[], user: readonly (string | null)[], reached: number): Promise<void>;
  /** The person an ID belongs to, or null (no ID, or an ID the graph does not know). */
  person(kind: EventIdKind, value: string | null): number | null;
  /** Lookups made, and whether the site's identifiers were read (benches, tests). */
  readonly stats: { lookups: number; read: boolean };
}

/**
 * What a lookup costs against one identifier row of a read. A lookup (identity_ids_h, then the
 * row) took 7.6–21 µs at 292 k identifiers, by how warm the cache was; the read took ~0.5 µs per
 * identifier in table order and ~1 µs through identity_ids_person (readPersonIds): a ratio of 6–47.
 * A pass reads once the lookups left × this reach the site's identifier count: at worst 1.3× the
 * lookups' cost, and the map then holds at most 8× the IDs the lookups would have cached.
 */
const LOOKUP_VS_ROW = 8;
/** Below this many lookups a pass costs a few ms: the identifiers are not even counted. */
const MIN_LOOKUPS = 512;

/**
 * The person resolver of one pass over a site's events (funnels, goals: track-events.ts). Each
 * distinct ID is resolved once. A lookup per ID suits a short range; a pass over most of a site's
 * visitors is cheaper reading all of its anonymous and user identifiers once (at 4.82 M events a
 * 30-day funnel resolves 68.7 k IDs: 1.48 s of lookups against ~0.2 s to read all 151 k). The
 * switch is decided page by page from the lookups so far, the new IDs of the page and the share of
 * the range read, so a short range never reads the table and a long one switches after its first
 * page. Both ways answer exactly as {@link findIdentifierSync}: same site, same kind, same value
 * (an ID the read did not see is looked up).
 *
 * @example
 * const ids = personIds(db, siteId);
 * for (const [anon, user, reached] of pages) { await ids.page(anon, user, reached); anon.map((a) => ids.person('anon', a)); }
 */
export function personIds(db: Db, siteId: string, mode: PersonIdsMode = 'auto', readRows?: number): PersonIds {
  const known = { anon: new Map<string, number | null>(), user: new Map<string, number | null>() };
  let all: Record<EventIdKind, Map<string, number>> | null = null;
  let total: number | null = null;
  const stats = { lookups: 0, read: false };

  const read = async () => {
    all = await readPersonIds(db, siteId, { siteRows: total ?? undefined, pageRows: readRows });
    stats.read = true;
  };

  return {
    stats,
    async page(anon, user, reached) {
      if (all || mode === 'lookup') return;
      if (mode === 'read') return read();
      let fresh = 0;
      const seen = { anon: new Set<string>(), user: new Set<string>() };
      const count = (kind: EventIdKind, col: readonly (string | null)[]) => {
        for (const v of col) if (v !== null && !known[kind].has(v) && !seen[kind].has(v)) seen[kind].add(v), fresh++;
      };
      count('anon', anon);
      count('user', user);
      const ahead = stats.lookups + fresh;
      if (ahead < MIN_LOOKUPS) return;
      // The IDs still to look up if new ones keep coming at the rate so far.
      const remaining = ahead / Math.max(reached, 1e-6) - stats.lookups;
      total ??= db.prepare('SELECT count(*) FROM identity_ids WHERE site_id = ?').pluck().get(siteId) as number;
      if (remaining * LOOKUP_VS_ROW >= total) await read();
    },
    person(kind, value) {
      if (value === null) return null;
      // What was read is a cache: an ID it lacks (new since, or moved to a person the read had
      // passed when stitching merged persons between its pages) is looked up like any other.
      const read = all?.[kind].get(value);
      if (read !== undefined) return read;
      const cache = known[kind];
      let p = cache.get(value);
      if (p === undefined) {
        stats.lookups++;
        cache.set(value, (p = findIdentifierSync(db, siteId, { kind, value })?.person ?? null));
      }
      return p;
    },
  };
}

/**
 * Every anonymous and user identifier of a site with its person, page by page (`pageRows`), each
 * page packed by SQLite into JSON columns (one string per column, not one JavaScript row per
 * identifier, and never one string longer than a page); the event loop runs between pages, as
 * between the pages of an event pass (eventColumnPages). A site that holds most of the table
 * (`siteRows` × 2 ≥ the largest identifier id) is read in table order, sequential pages: at 292 k
 * identifiers 0.11 s against 0.18–0.25 s through identity_ids_person, which a site with a small
 * share of the table reads instead.
 */
export async function readPersonIds(
  db: Db,
  siteId: string,
  opts: { siteRows?: number; pageRows?: number } = {},
): Promise<Record<EventIdKind, Map<string, number>>> {
  const pageRows = opts.pageRows ?? 50_000;
  const out = { anon: new Map<string, number>(), user: new Map<string, number>() };
  const maxId = (db.prepare('SELECT max(id) FROM identity_ids').pluck().get() as number | null) ?? 0;
  const inTableOrder = opts.siteRows !== undefined && opts.siteRows * 2 >= maxId;
  // Keyset pages: (id) in table order, (person, id) along the index.
  const after = inTableOrder ? 'id > ?' : '(person, id) > (?, ?)';
  const page = db
    .prepare(
      `SELECT count(*), json_group_array(id), json_group_array(kind), json_group_array(value), json_group_array(person)
       FROM (SELECT id, kind, value, person FROM identity_ids ${inTableOrder ? 'NOT INDEXED' : 'INDEXED BY identity_ids_person'}
             WHERE ${after} AND site_id = ? AND kind IN ('anon', 'user')
             ORDER BY ${inTableOrder ? 'id' : 'person, id'} LIMIT ?)`,
    )
    .raw();
  let lastPerson = -Infinity;
  let lastId = -Infinity;
  for (;;) {
    const key = inTableOrder ? [lastId] : [lastPerson, lastId];
    const [n, ...packed] = page.get(...key, siteId, pageRows) as [number, string, string, string, string];
    if (n === 0) return out;
    const [ids, kinds, values, persons] = packed.map((c) => JSON.parse(c)) as [number[], EventIdKind[], string[], number[]];
    for (let i = 0; i < n; i++) {
      out[kinds[i]].set(values[i], persons[i]);
      // The page's last key, whatever order the aggregate saw its rows in.
      if (inTableOrder ? ids[i] > lastId : persons[i] > lastPerson || (persons[i] === lastPerson && ids[i] > lastId)) {
        lastPerson = persons[i];
        lastId = ids[i];
      }
    }
    if (n < pageRows) return out;
    await new Promise((r) => setImmediate(r));
  }
}
