import type { Link, LinkStatus } from '../../stitch/graph';
import type { Identifier, LinkSource } from '../../stitch/types';
import { SCAN_TOKEN_RULE } from '../../stitch/policy';
import type { Db } from './db';

/**
 * Rows and prepared statements shared by the identity write path: identifiers and sets
 * (`identity.ts`) and links and components (`identity-links.ts`).
 */

/** A row of `identity_ids` as the write path needs it. */
export interface IdRow {
  id: number;
  kind: string;
  value: string;
  person: number;
  comp: number;
  /** Inserted during the current call: no stored link can involve it yet. */
  created?: boolean;
  /** Created and not linked yet: still its own person and raw component (no need to re-read). */
  fresh?: boolean;
}

/** An identifier row with its raw component's size and largest link key (`byIdComp`). */
export type CompRow = IdRow & { size: number; max_key: string };

export interface LinkRow {
  a: number;
  b: number;
  ts: number;
  src_type: LinkSource['type'];
  src_ref: string;
  rule: string;
  status: LinkStatus;
  reason: string | null;
}

/** The time field of a link key (`linkKey` pads `floor(max(0, ts))`), as a number. */
export const keyTime = (ts: number) => Math.max(0, Math.floor(ts));

/** A stored link as the pure graph code sees it (its two identifiers' rows given). */
export function linkOfRow(l: LinkRow, a: { kind: string; value: string }, b: { kind: string; value: string }): Link {
  return {
    a: { kind: a.kind as Identifier['kind'], value: a.value },
    b: { kind: b.kind as Identifier['kind'], value: b.value },
    source: { type: l.src_type, ref: l.src_ref, ts: l.ts, rule: l.rule },
  };
}

// Prepared statements per connection (a deriver only gets the Db, not the store).
const cache = new WeakMap<Db, ReturnType<typeof prepare>>();
function prepare(db: Db) {
  return {
    find: db.prepare('SELECT id, kind, value, person, comp FROM identity_ids WHERE h = ? AND site_id = ? AND kind = ? AND value = ?'),
    // One statement: a new identifier is its own person and raw component (max(id) is O(log n)).
    insert: db.prepare(
      'INSERT INTO identity_ids (id, site_id, kind, value, h, person, comp) SELECT n, ?, ?, ?, ?, n, n FROM (SELECT coalesce(max(id), 0) + 1 AS n FROM identity_ids)',
    ),
    // With a mirror the next id is known: a plain VALUES insert (person = comp = id).
    insertAt: db.prepare('INSERT INTO identity_ids (id, site_id, kind, value, h, person, comp) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    maxId: db.prepare('SELECT coalesce(max(id), 0) FROM identity_ids').pluck(),
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    byId: db.prepare('SELECT id, kind, value, person, comp FROM identity_ids WHERE id = ?'),
    // A row with its raw component's size and largest key in one read (the link hot path).
    byIdComp: db.prepare(
      'SELECT i.id, i.kind, i.value, i.person, i.comp, coalesce(c.size, 1) AS size, coalesce(c.max_key, \'\') AS max_key FROM identity_ids i LEFT JOIN identity_comps c ON c.id = i.comp WHERE i.id = ?',
    ),
    link: db.prepare('SELECT * FROM identity_links WHERE b = ? AND a = ?'),
    insertLink: db.prepare(
      'INSERT INTO identity_links (a, b, site_id, ts, src_type, src_ref, rule, status, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    updateLinkSource: db.prepare('UPDATE identity_links SET ts = ?, src_type = ?, src_ref = ?, rule = ? WHERE b = ? AND a = ?'),
    setLinkStatus: db.prepare('UPDATE identity_links SET status = ?, reason = ? WHERE b = ? AND a = ?'),
    comp: db.prepare('SELECT size, max_key FROM identity_comps WHERE id = ?'),
    upsertComp: db.prepare('INSERT INTO identity_comps (id, size, max_key) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET size = excluded.size, max_key = excluded.max_key'),
    deleteComp: db.prepare('DELETE FROM identity_comps WHERE id = ?'),
    relabelComp: db.prepare('UPDATE identity_ids SET comp = ? WHERE comp = ?'),
    relabelPerson: db.prepare('UPDATE identity_ids SET person = ? WHERE site_id = ? AND person = ?'),
    personCounts: db.prepare('SELECT kind, count(*) AS n FROM identity_ids WHERE site_id = ? AND person = ? GROUP BY kind'),
    compMembers: db.prepare('SELECT id, kind, value, person, comp FROM identity_ids WHERE comp = ?'),
    personMembers: db.prepare('SELECT id, kind, value, person, comp FROM identity_ids WHERE site_id = ? AND person = ?'),
    // A linked link joins two members of one person: each is found once, through its newer
    // side `b` (the primary key's prefix). Through `a` a shared device's old ID would scan every
    // refused link to every customer it saw.
    personLinked: db.prepare("SELECT l.* FROM identity_ids i JOIN identity_links l ON l.b = i.id WHERE i.site_id = ? AND i.person = ? AND l.status = 'linked'"),
    // Does a cap (not a user conflict) refuse any link touching the person? By `b` through the
    // primary key, by `a` through the small partial index of cap refusals (migration 13).
    personCapRefused: db
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM identity_ids i JOIN identity_links l INDEXED BY identity_links_cap_a ON l.a = i.id WHERE i.site_id = @site AND i.person = @person AND l.status = 'refused' AND l.reason <> 'user-conflict')
             OR EXISTS (SELECT 1 FROM identity_ids i JOIN identity_links l ON l.b = i.id WHERE i.site_id = @site AND i.person = @person AND l.status = 'refused' AND l.reason <> 'user-conflict')`,
      )
      .pluck(),
    compLinks: db.prepare('SELECT l.* FROM identity_ids i JOIN identity_links l ON l.a = i.id WHERE i.comp = ?'),
    setPerson: db.prepare('UPDATE identity_ids SET person = ? WHERE id = ?'),
    setComp: db.prepare('UPDATE identity_ids SET comp = ? WHERE id = ?'),
    setPersonComp: db.prepare('UPDATE identity_ids SET person = ?, comp = ? WHERE id = ?'),
    // Has the scan token another browser's `scan-token` link (forwarded landing URL)? By both sides.
    scanForwarded: db
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM identity_links WHERE b = @scan AND a <> @other AND rule = '${SCAN_TOKEN_RULE}')
             OR EXISTS (SELECT 1 FROM identity_links WHERE a = @scan AND b <> @other AND rule = '${SCAN_TOKEN_RULE}')`,
      )
      .pluck(),
    insertRef: db.prepare('INSERT OR IGNORE INTO identity_refs (ident, ts, event_id, kind) VALUES (?, ?, ?, ?)'),
  };
}
/** The identity statements of a connection, prepared on first use. */
export function stmts(db: Db) {
  let s = cache.get(db);
  if (!s) cache.set(db, (s = prepare(db)));
  return s;
}
