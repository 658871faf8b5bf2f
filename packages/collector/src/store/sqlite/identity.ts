import type { ConsentState } from '@omnitrail/schema';
import { eventIdentity } from '../../stitch/derive';
import { linkKey, pairKey, stitch, type Link, type LinkStatus } from '../../stitch/graph';
import { cleanIdentifiers, identifierKey } from '../../stitch/identifiers';
import { DEFAULT_CAPS, mergeVerdict, type KindCounts, type StitchCaps } from '../../stitch/policy';
import type { Identifier, LinkSource } from '../../stitch/types';
import type { Deriver } from './context';
import type { Db } from './db';
import { keyHash } from './hash';
import { batchMirror, dropMirror, idHash, idKey, mirrorOf, siteMirror, type Mirror } from './identity-mirror';

/**
 * The identity graph in SQLite, maintained incrementally by the background stitching pass
 * (`stitcher.ts`: many events per transaction, shortly after ingest committed them).
 *
 * Tables:
 * - `identity_ids`: one row per (site, kind, value), looked up through a 53-bit hash index
 *   (like the events table). `person` is the internal person (a member's row id), `comp` the
 *   raw component: identifiers connected by ANY link, refused ones included.
 * - `identity_links`: one row per identifier pair (keyed by the newer one, so new links
 *   append), holding the pair's earliest evidence and its outcome (linked/redundant/refused).
 *   Its canonical key (time|source|ref|rule|pair) is recomputed from the row (`keyOfRow`).
 * - `identity_comps`: size and largest link key of raw components with more than one member.
 * - `identity_refs`: touch events (session starts, QR scans, offline touchpoints, handoff
 *   issuance) by the identifier carrying them, for journeys.
 *
 * Order independence: the outcome of a link depends on the links evaluated before it, so
 * links are evaluated in canonical key order (stitch/graph.ts). A new link whose key is larger
 * than every key in both raw components it touches is simply applied (the common case:
 * events arrive roughly in time order). A late link — or earlier evidence for a known pair —
 * re-stitches its whole raw component from scratch with the pure `stitch()`. Both paths use
 * the same `mergeVerdict`, so the stored result always equals `stitch()` over all links.
 */
export { identityMigrationSql, identityLinksByNewerSql } from './identity-schema';

/** A row of `identity_ids` as the write path needs it. */
interface IdRow {
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

interface LinkRow {
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
const keyTime = (ts: number) => Math.max(0, Math.floor(ts));

/** A stored link as the pure graph code sees it (its two identifiers' rows given). */
function linkOfRow(l: LinkRow, a: { kind: string; value: string }, b: { kind: string; value: string }): Link {
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
    compLinks: db.prepare('SELECT l.* FROM identity_ids i JOIN identity_links l ON l.a = i.id WHERE i.comp = ?'),
    setPerson: db.prepare('UPDATE identity_ids SET person = ? WHERE id = ?'),
    setComp: db.prepare('UPDATE identity_ids SET comp = ? WHERE id = ?'),
    setPersonComp: db.prepare('UPDATE identity_ids SET person = ?, comp = ? WHERE id = ?'),
    insertRef: db.prepare('INSERT OR IGNORE INTO identity_refs (ident, ts, event_id, kind) VALUES (?, ?, ?, ?)'),
  };
}
function stmts(db: Db) {
  let s = cache.get(db);
  if (!s) cache.set(db, (s = prepare(db)));
  return s;
}

/** Rows already resolved in this call: a list for one event, a map for a bulk batch of orders. */
type Seen = IdRow[] | Map<string, IdRow>;

/**
 * ensureId through the mirror: a known identifier costs one hash-table probe. `seen` memoises
 * the rows of the current deriver call (an event names the same identifier in `register`, its
 * sets and its touch: one probe, not three; a handful of rows, so a list).
 */
function cachedId(db: Db, m: Mirror | null, siteId: string, id: Identifier, seen?: Seen): IdRow {
  if (!m) return ensureId(db, siteId, id, null);
  if (seen) {
    const mine = Array.isArray(seen) ? seen.find((r) => r.value === id.value && r.kind === id.kind) : seen.get(identifierKey(id));
    if (mine) return mine;
  }
  const sm = siteMirror(m, siteId);
  idHash(id.kind, id.value);
  const { a, b } = idKey;
  const known = sm.ids.get(a, b);
  let row: IdRow;
  // person/comp are not cached (they change); addLink re-reads them when it needs them.
  if (known !== undefined) row = { id: known, kind: id.kind, value: id.value, person: -1, comp: -1 };
  else {
    row = ensureId(db, siteId, id, m);
    sm.ids.set(a, b, row.id);
    if (row.created && seen) row.fresh = true;
    else row.created = false;
  }
  if (Array.isArray(seen)) seen.push(row);
  else seen?.set(identifierKey(id), row);
  return row;
}

/** PK conflict of `insertAt`: another connection (a CLI import) or the mirror-less path took the id. */
const isPkConflict = (e: unknown) => (e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY';

/**
 * The row of an identifier (value already normalised), created if new: a new identifier is
 * its own person and its own raw component. With a mirror, the new row id is `maxId + 1`.
 */
function ensureId(db: Db, siteId: string, id: Identifier, m: Mirror | null): IdRow {
  const s = stmts(db);
  const h = keyHash(siteId, `${id.kind}:${id.value}`);
  const row = s.find.get(h, siteId, id.kind, id.value) as IdRow | undefined;
  if (row) {
    if (m && row.id > m.maxId) m.maxId = row.id;
    return row;
  }
  let rowid: number;
  if (m) {
    for (;;) {
      rowid = m.maxId + 1;
      try {
        s.insertAt.run(rowid, siteId, id.kind, id.value, h, rowid, rowid);
        m.maxId = rowid;
        break;
      } catch (e) {
        if (!isPkConflict(e)) throw e;
        m.maxId = Math.max(m.maxId + 1, s.maxId.get() as number);
      }
    }
  } else rowid = Number(s.insert.run(siteId, id.kind, id.value, h).lastInsertRowid);
  return { id: rowid, kind: id.kind, value: id.value, person: rowid, comp: rowid, created: true };
}

/** Read-only lookup of an identifier's row (value already normalised). */
export function findIdentifierSync(db: Db, siteId: string, id: Identifier): IdRow | null {
  const h = keyHash(siteId, `${id.kind}:${id.value}`);
  return (stmts(db).find.get(h, siteId, id.kind, id.value) as IdRow | undefined) ?? null;
}

const SINGLETON = { size: 1, maxKey: '' } as const;

function compInfo(db: Db, comp: number): { size: number; maxKey: string } {
  const r = stmts(db).comp.get(comp) as { size: number; max_key: string } | undefined;
  return r ? { size: r.size, maxKey: r.max_key } : { size: 1, maxKey: '' };
}

/**
 * Per-kind counts of persons, remembered within one identity batch: every change of a
 * person's members in the batch goes through `addLink` (which updates or clears it), so a
 * loyal customer's counts are read once per batch, not once per order.
 */
type PersonCountCache = Map<number, KindCounts>;

function countsOf(db: Db, siteId: string, person: number, pc?: PersonCountCache): KindCounts {
  let c = pc?.get(person);
  if (!c) {
    c = personCounts(db, siteId, person);
    pc?.set(person, c);
  }
  return c;
}

function personCounts(db: Db, siteId: string, person: number): KindCounts {
  const out: KindCounts = {};
  for (const r of stmts(db).personCounts.all(siteId, person) as { kind: string; n: number }[]) out[r.kind] = r.n;
  return out;
}

/**
 * Merge raw components `x` and `y` (relabel the smaller); returns the surviving id. With
 * `deferSingleton`, a dropped singleton's row is not relabelled here but returned, so the
 * caller can set its person and component in one UPDATE.
 */
function mergeComps(
  db: Db,
  x: number,
  y: number,
  key: string,
  cx = compInfo(db, x),
  cy = x === y ? cx : compInfo(db, y),
  deferSingleton = false,
): { keep: number; singleton: number | null } {
  const s = stmts(db);
  const maxKey = [cx.maxKey, cy.maxKey, key].reduce((m, k) => (k > m ? k : m), '');
  if (x === y) {
    s.upsertComp.run(x, cx.size, maxKey);
    return { keep: x, singleton: null };
  }
  const [keep, drop] = cx.size >= cy.size ? [x, y] : [y, x];
  const dropSize = drop === x ? cx.size : cy.size;
  let singleton: number | null = null;
  // A singleton's comp id is its own row id.
  if (dropSize === 1) {
    if (deferSingleton) singleton = drop;
    else s.setComp.run(keep, drop);
  } else {
    s.relabelComp.run(keep, drop);
    s.deleteComp.run(drop);
  }
  s.upsertComp.run(keep, cx.size + cy.size, maxKey);
  return { keep, singleton };
}

/**
 * Re-stitch one raw component from scratch with the pure `stitch()` (canonical order) and
 * write back persons and link outcomes that changed. Also splits the component if links were
 * removed (erasure), so it is the one repair path for every non-append change.
 */
export function restitchComponent(db: Db, siteId: string, comp: number, caps: StitchCaps = DEFAULT_CAPS): void {
  const s = stmts(db);
  const members = s.compMembers.all(comp) as IdRow[];
  if (members.length === 0) {
    s.deleteComp.run(comp);
    return;
  }
  const links = s.compLinks.all(comp) as LinkRow[];
  const byId = new Map(members.map((m) => [m.id, m]));
  const ident = (m: IdRow): Identifier => ({ kind: m.kind as Identifier['kind'], value: m.value });
  const asLink = (l: LinkRow): Link => linkOfRow(l, byId.get(l.a)!, byId.get(l.b)!);
  const result = stitch(members.map(ident), links.map(asLink), caps);

  // Raw sub-components (after an erasure the component may have fallen apart).
  const parent = new Map<number, number>(members.map((m) => [m.id, m.id]));
  const find = (x: number): number => {
    while (parent.get(x) !== x) x = parent.get(x)!;
    return x;
  };
  for (const l of links) {
    const ra = find(l.a);
    const rb = find(l.b);
    if (ra !== rb) parent.set(Math.max(ra, rb), Math.min(ra, rb));
  }
  const subs = new Map<number, { size: number; maxKey: string }>();
  for (const m of members) {
    const r = find(m.id);
    const sub = subs.get(r) ?? { size: 0, maxKey: '' };
    sub.size++;
    subs.set(r, sub);
  }
  for (const l of links) {
    const sub = subs.get(find(l.a))!;
    const key = linkKey(asLink(l));
    if (key > sub.maxKey) sub.maxKey = key;
  }
  s.deleteComp.run(comp);
  for (const [root, sub] of subs) if (sub.size > 1) s.upsertComp.run(root, sub.size, sub.maxKey);

  // Internal person id: the smallest row id among the person's members.
  const personRow = new Map<string, number>();
  for (const m of members) {
    const p = result.personOf.get(identifierKey(ident(m)))!;
    const cur = personRow.get(p);
    if (cur === undefined || m.id < cur) personRow.set(p, m.id);
  }
  for (const m of members) {
    const person = personRow.get(result.personOf.get(identifierKey(ident(m)))!)!;
    if (person !== m.person) s.setPerson.run(person, m.id);
    const c = find(m.id);
    if (c !== m.comp) s.setComp.run(c, m.id);
  }
  for (const l of links) {
    const link = asLink(l);
    const out = result.outcomes.get(pairKey(link.a, link.b));
    if (out && (out.status !== l.status || out.reason !== l.reason)) s.setLinkStatus.run(out.status, out.reason, l.b, l.a);
  }
}

/** Apply one link (evidence that `x` and `y` are one person) incrementally. */
function addLink(db: Db, siteId: string, x: IdRow, y: IdRow, source: LinkSource, caps: StitchCaps, m: Mirror | null, pc?: PersonCountCache): void {
  if (x.id === y.id) return;
  const s = stmts(db);
  const [lo, hi] = x.id < y.id ? [x, y] : [y, x];
  const link: Link = { a: { kind: lo.kind as Identifier['kind'], value: lo.value }, b: { kind: hi.kind as Identifier['kind'], value: hi.value }, source };
  const key = linkKey(link);
  // Row ids are per site and never reused while the mirror lives (see cachedId). The mirror
  // keeps the time of the pair's earliest stored evidence: a strictly later time means a larger
  // key (keys start with the time), i.e. a repeat; anything else is decided on the stored row.
  const pairs = m ? siteMirror(m, siteId).pairs : null;
  const t = keyTime(source.ts);
  const knownTs = pairs?.get(lo.id, hi.id);
  if (knownTs !== undefined && t > knownTs) return; // a repeat of known evidence: nothing changes
  // A row inserted during this call has no stored link yet, unless this very pair was linked
  // earlier in the call (then the mirror knows the pair).
  const existing = knownTs === undefined && (lo.created || hi.created) ? undefined : (s.link.get(hi.id, lo.id) as LinkRow | undefined);
  if (existing) {
    if (key >= linkKey(linkOfRow(existing, lo, hi))) {
      pairs?.set(lo.id, hi.id, keyTime(existing.ts));
      return; // a repeat of known evidence: nothing changes
    }
    // Earlier evidence for a known pair moves the pair in the canonical order.
    pairs?.set(lo.id, hi.id, t);
    s.updateLinkSource.run(source.ts, source.type, source.ref, source.rule, hi.id, lo.id);
    const comp = (s.byId.get(lo.id) as IdRow).comp;
    mergeComps(db, comp, comp, key);
    pc?.clear(); // persons of the component may change
    restitchComponent(db, siteId, comp, caps);
    return;
  }
  pairs?.set(lo.id, hi.id, t);
  // Re-read: earlier links of the same set may have moved these rows to other persons/comps.
  const ra = lo.fresh ? null : (s.byIdComp.get(lo.id) as IdRow & { size: number; max_key: string });
  const rb = hi.fresh ? null : (s.byIdComp.get(hi.id) as IdRow & { size: number; max_key: string });
  const a = ra ?? lo;
  const b = rb ?? hi;
  const compA = ra ? { size: ra.size, maxKey: ra.max_key } : SINGLETON;
  const compB = rb ? { size: rb.size, maxKey: rb.max_key } : SINGLETON;
  // From here on the rows may join other persons/components: re-read them next time.
  lo.fresh = false;
  hi.fresh = false;
  const late = key < (compA.maxKey > compB.maxKey ? compA.maxKey : compB.maxKey);
  let status: LinkStatus = 'redundant';
  let reason: string | null = null;
  let ca: KindCounts | null = null;
  let cb: KindCounts | null = null;
  if (!late && a.person !== b.person) {
    // A raw component of one identifier is a person of one identifier: no need to count.
    ca = compA.size === 1 ? { [a.kind]: 1 } : countsOf(db, siteId, a.person, pc);
    cb = compB.size === 1 ? { [b.kind]: 1 } : countsOf(db, siteId, b.person, pc);
    reason = mergeVerdict(ca, cb, caps);
    status = reason ? 'refused' : 'linked';
  }
  s.insertLink.run(lo.id, hi.id, siteId, source.ts, source.type, source.ref, source.rule, status, reason);
  const linked = !late && status === 'linked';
  const { keep: comp, singleton } = mergeComps(db, a.comp, b.comp, key, compA, compB, linked);
  if (late) {
    pc?.clear();
    restitchComponent(db, siteId, comp, caps); // late link: re-evaluate in canonical order
    return;
  }
  if (!linked) return;
  const sizeA = Object.values(ca!).reduce((n, v) => n + v, 0);
  const sizeB = Object.values(cb!).reduce((n, v) => n + v, 0);
  const [keep, drop] = sizeA > sizeB || (sizeA === sizeB && a.person < b.person) ? [a.person, b.person] : [b.person, a.person];
  const dropRow = drop === b.person ? b : a;
  if (pc) {
    const merged: KindCounts = { ...ca };
    for (const k in cb) merged[k] = (merged[k] ?? 0) + cb![k];
    pc.delete(drop);
    pc.set(keep, merged);
  }
  let compPending = singleton !== null;
  if ((drop === b.person ? sizeB : sizeA) === 1) {
    // The common case (a new identifier joins a known person): one UPDATE of its row.
    if (singleton === dropRow.id) {
      s.setPersonComp.run(keep, comp, dropRow.id);
      compPending = false;
    } else s.setPerson.run(keep, dropRow.id);
  } else s.relabelPerson.run(keep, siteId, drop);
  if (compPending) s.setComp.run(comp, singleton);
}

/** Anchor priority: the identifier the others of a set are linked to (strongest first). */
const ANCHOR: Record<string, number> = { user: 0, email: 1, phone: 2, loyalty: 3, recipient: 4, order: 5, anon: 6, handoff: 7, scan: 8 };
const anchorRank = (kind: string) => ANCHOR[kind] ?? 3.5; // ext:* between loyalty and recipient

/** Arguments of {@link recordIdentifierSet}. */
export interface IdentifierSetInput {
  siteId: string;
  /** Identifiers that belong together (e-mail/phone hashed); blocked values are dropped. */
  ids: Identifier[];
  /** The evidence: which event/order/touchpoint, when, which rule. */
  source: LinkSource;
  /** Consent of the source; anything but `granted` (or absent) links nothing. */
  consent?: ConsentState | null;
  /** Per-kind caps (default {@link DEFAULT_CAPS}). */
  caps?: StitchCaps;
}

/**
 * Record that some identifiers belong to one person, INSIDE the caller's transaction (a
 * deriver, or a `store.commit()` callback): registers each identifier and links each of them
 * to the strongest one (user > email > phone > loyalty > ext > recipient > order > anon >
 * handoff > scan) under the guards. Idempotent: repeating the same evidence changes nothing.
 *
 * @example
 * await store.commit((db) =>
 *   recordIdentifierSet(db, {
 *     siteId, ids: [{ kind: 'order', value: 'B-1' }, { kind: 'loyalty', value: 'L-4711' }],
 *     source: { type: 'order', ref: 'B-1', ts: Date.now(), rule: 'order-identifiers' },
 *   }),
 * );
 */
export function recordIdentifierSet(db: Db, input: IdentifierSetInput, batch?: IdentityBatch): void {
  if (batch && batch.siteId === input.siteId) applySet(db, input, batch.m, false, batch.seen, batch.counts);
  else applySet(db, input, null);
}

/**
 * Shared state of the identity writes of one commit callback (a bulk import's batch of
 * orders): identifier rows found or created, pairs linked, new rows that are still
 * singletons. Identifier rows are also remembered across batches, in a mirror that is
 * re-validated at the start of every batch (see `batchMirror`), so a customer seen in an
 * earlier batch costs no lookup.
 */
export interface IdentityBatch {
  siteId: string;
  m: Mirror;
  seen: Map<string, IdRow>;
  counts: PersonCountCache;
}

/**
 * Start an {@link IdentityBatch} for `siteId` inside the caller's transaction.
 *
 * @example
 * store.commit((db) => { const batch = identityBatch(db, siteId); for (const s of sets) recordIdentifierSet(db, s, batch); });
 */
export function identityBatch(db: Db, siteId: string): IdentityBatch {
  const s = stmts(db);
  return { siteId, m: batchMirror(db, s.dataVersion.get() as number, s.maxId.get() as number, siteId), seen: new Map(), counts: new Map() };
}

function applySet(db: Db, input: IdentifierSetInput, m: Mirror | null, clean = false, seen?: Seen, pc?: PersonCountCache): void {
  if (input.consent && input.consent !== 'granted') return;
  // The deriver's sets come from eventIdentity, already normalised and deduplicated.
  const ids = clean ? input.ids : cleanIdentifiers(input.ids);
  if (ids.length === 0) return;
  const rows = ids.map((id) => cachedId(db, m, input.siteId, id, seen));
  if (rows.length < 2) return;
  let anchor = 0;
  for (let i = 1; i < rows.length; i++) {
    const r = anchorRank(rows[i].kind) - anchorRank(rows[anchor].kind);
    if (r < 0 || (r === 0 && rows[i].value < rows[anchor].value)) anchor = i;
  }
  // Applied in canonical key order, so a set never counts as "late" against itself.
  const caps = input.caps ?? DEFAULT_CAPS;
  const pairs = rows
    .filter((_, i) => i !== anchor)
    .map((other) => ({ other, key: pairKey(rows[anchor] as Identifier, other as Identifier) }))
    .sort((x, y) => (x.key < y.key ? -1 : 1));
  for (const { other } of pairs) addLink(db, input.siteId, rows[anchor], other, input.source, caps, m, pc);
}

/**
 * Deriver: the identity rules of `stitch/derive.ts` applied to every newly stored event, in
 * row-id order, by the background stitching pass (`backgroundDerivers` in `store/sqlite/index.ts`).
 */
export const identityDeriver: Deriver = (db, ev, rowid) => {
  const r = eventIdentity(ev);
  if (r.register.length === 0 && r.sets.length === 0) return;
  const m = mirrorOf(db);
  if (rowid <= m.lastRowid) dropMirror(db); // a rollback or an erasure of the newest events
  m.lastRowid = rowid;
  const seen: IdRow[] = [];
  try {
    for (const id of r.register) cachedId(db, m, ev.siteId, id, seen);
    for (const set of r.sets) {
      applySet(db, { siteId: ev.siteId, ids: set.ids, source: { type: 'event', ref: ev.messageId, ts: ev.timestamp, rule: set.rule } }, m, true, seen);
    }
    if (r.touch) {
      const row = cachedId(db, m, ev.siteId, r.touch.id, seen);
      stmts(db).insertRef.run(row.id, ev.timestamp, rowid, r.touch.kind);
    }
  } catch (e) {
    dropMirror(db); // our savepoint rolls back: forget what it wrote
    throw e;
  }
};

/**
 * Remove identifiers, every link touching them and their touch references, then re-stitch
 * the components they were part of (persons joined only through them split again).
 * Runs inside the caller's transaction; returns how many identifiers were removed.
 *
 * @example
 * await store.commit((db) => eraseIdentifiersSync(db, siteId, [{ kind: 'user', value: 'C-17' }]));
 */
export function eraseIdentifiersSync(db: Db, siteId: string, ids: Identifier[]): number {
  dropMirror(db);
  const rows = cleanIdentifiers(ids)
    .map((id) => findIdentifierSync(db, siteId, id))
    .filter((r): r is IdRow => r !== null);
  const comps = new Set<number>();
  for (const r of rows) {
    comps.add(r.comp);
    db.prepare('DELETE FROM identity_links WHERE a = ? OR b = ?').run(r.id, r.id);
    db.prepare('DELETE FROM identity_refs WHERE ident = ?').run(r.id);
    db.prepare('DELETE FROM identity_ids WHERE id = ?').run(r.id);
  }
  for (const c of comps) restitchComponent(db, siteId, c);
  dropMirror(db);
  return rows.length;
}
