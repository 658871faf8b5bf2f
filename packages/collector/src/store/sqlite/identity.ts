import type { ConsentState } from '@omnitrail/schema';
import { eventIdentity } from '../../stitch/derive';
import { pairKey } from '../../stitch/graph';
import { cleanIdentifiers, identifierKey } from '../../stitch/identifiers';
import { DEFAULT_CAPS, type StitchCaps } from '../../stitch/policy';
import type { Identifier, LinkSource } from '../../stitch/types';
import type { Deriver } from './context';
import type { Db } from './db';
import { keyHash } from './hash';
import { addLink, deferRestitches, restitchComponent, type PersonCountCache } from './identity-links';
import { batchMirror, dropMirror, idHash, idKey, mirrorOf, siteMirror, validateMirror, type Mirror } from './identity-mirror';
import { stmts, type IdRow } from './identity-stmts';

/**
 * The identity graph in SQLite, maintained incrementally by the background stitching pass
 * (`stitcher.ts`: many events per transaction, shortly after ingest committed them).
 *
 * Tables:
 * - `identity_ids`: one row per (site, kind, value), looked up through a hash index (`keyHash`, 32 bits)
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
 * is decided from its two persons where that is exact (`identity-late.ts`), else re-stitches
 * its whole raw component from scratch with the pure `stitch()`. Every path uses the same
 * `mergeVerdict`, so the stored result always equals `stitch()` over all links.
 */
export { capRefusalsSql, identityMigrationSql, identityLinksByNewerSql } from './identity-schema';
export { restitchComponent } from './identity-links';

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

/** The identity rules of `stitch/derive.ts` for one stored event (see {@link identityDeriver}). */
const deriveIdentity: Deriver = (db, ev, rowid) => {
  const r = eventIdentity(ev);
  if (r.register.length === 0 && r.sets.length === 0) return;
  if (!inPass.has(db)) checkMirror(db); // called on its own: no pass checked it
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
 * Deriver: the identity rules of `stitch/derive.ts` applied to every newly stored event, in
 * row-id order, by the background stitching pass (`backgroundDerivers` in `store/sqlite/index.ts`),
 * which checks the mirror against other connections' commits at its start and re-stitches
 * each component at most once, at its end (`deferRestitches`).
 */
export const identityDeriver: Deriver = Object.assign(deriveIdentity, { pass: identityPass });

/** Connections inside {@link identityPass} (their mirror was checked at its start). */
const inPass = new WeakSet<Db>();

/** Drops the mirror when another connection committed since it was last checked (see `validateMirror`). */
function checkMirror(db: Db): void {
  const s = stmts(db);
  validateMirror(db, s.dataVersion.get() as number, () => s.maxId.get() as number);
}

/**
 * One background pass: the mirror is re-checked once at its start (another process — the
 * `erase` CLI on a live server's file — may have removed rows it names), then the events are
 * applied and touched components re-stitched at the end (`deferRestitches`).
 */
function identityPass<T>(db: Db, run: () => T): T {
  if (inPass.has(db)) return run();
  checkMirror(db);
  inPass.add(db);
  try {
    return deferRestitches(db, run);
  } finally {
    inPass.delete(db);
  }
}

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
