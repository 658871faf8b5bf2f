import type { Db } from './db';

/**
 * Two-generation map (a cheap LRU): lookups promote into the current generation; when it is
 * full the old generation is dropped. Bounds memory at 2 × `cap` entries.
 */
export class GenMap<V> {
  private cur = new Map<string, V>();
  private old = new Map<string, V>();
  constructor(private readonly cap: number) {}
  get(k: string): V | undefined {
    let v = this.cur.get(k);
    if (v === undefined && (v = this.old.get(k)) !== undefined) this.set(k, v);
    return v;
  }
  set(k: string, v: V): void {
    if (this.cur.size >= this.cap) {
      this.old = this.cur;
      this.cur = new Map();
    }
    this.cur.set(k, v);
  }
  clear(): void {
    this.cur = new Map();
    this.old = new Map();
  }
}

/** What the mirror knows about one site. */
export interface SiteMirror {
  /** identifierKey (`kind:value`) → row id. Keyed per site so a lookup needs no site prefix. */
  ids: GenMap<number>;
  /** `lo|hi` row ids → smallest link key stored for the pair. */
  pairs: GenMap<string>;
}

/**
 * What the deriver already knows, so the common event (a known browser, a known
 * anonymous ↔ user pair) costs no SQL at all: identifier → row id, and pair → smallest link
 * key stored. Both facts only ever get more true as events are added; the cache is dropped
 * whenever they could have become false: an exception in the deriver (its savepoint rolls
 * back), an event row id that does not increase (the whole transaction rolled back, or the
 * newest events were erased), and any identity erasure.
 */
export interface Mirror {
  lastRowid: number;
  /**
   * Largest identity row id handed out or seen. New rows take `maxId + 1` (a plain INSERT …
   * VALUES, no max() subquery); it only grows, so ids freed by a rollback or a removed site are
   * never reused while the mirror lives and cached pairs (keyed by row id) stay unambiguous.
   */
  maxId: number;
  sites: Map<string, SiteMirror>;
  /** `PRAGMA data_version` when the mirror was last validated (batch mirrors only). */
  dataVersion?: number;
}
/**
 * Entries per generation (two generations per map). Sized so that a site with ~1 M
 * identifiers stays in one generation: a GenMap that keeps rotating promotes on almost every
 * lookup, which cost more than the SQL it saved (profile of 5 M events / 960 k identifiers).
 * Worst case ~200 MB for identifiers and ~100 MB for pairs, per site.
 */
const IDS_CAP = 1_200_000;
const PAIRS_CAP = 600_000;
const mirrors = new WeakMap<Db, Mirror>();
/** The mirror of bulk writes outside derivers (see `identityBatch` in identity.ts). */
const batchMirrors = new WeakMap<Db, Mirror>();

/** The connection's mirror (created on first use). */
export function mirrorOf(db: Db): Mirror {
  let m = mirrors.get(db);
  if (!m) {
    const maxId = (db.prepare('SELECT coalesce(max(id), 0) FROM identity_ids').pluck().get() as number) ?? 0;
    mirrors.set(db, (m = { lastRowid: 0, maxId, sites: new Map() }));
  }
  return m;
}

/** The part of `m` about one site. */
export function siteMirror(m: Mirror, siteId: string): SiteMirror {
  let s = m.sites.get(siteId);
  if (!s) m.sites.set(siteId, (s = { ids: new GenMap(IDS_CAP), pairs: new GenMap(PAIRS_CAP) }));
  return s;
}

/**
 * The connection's bulk-write mirror, validated before each use: it is kept only while no
 * other connection has committed (`data_version`) and the largest identity row id is the one
 * it last handed out, i.e. nothing it learnt was rolled back, erased or written behind its
 * back. Pairs are not carried over between batches: a rolled-back batch that only added links
 * leaves no trace in the row ids.
 */
export function batchMirror(db: Db, dataVersion: number, maxId: number, siteId: string): Mirror {
  let m = batchMirrors.get(db);
  if (!m || m.dataVersion !== dataVersion || m.maxId !== maxId) {
    batchMirrors.set(db, (m = { lastRowid: 0, maxId, sites: new Map(), dataVersion }));
  }
  siteMirror(m, siteId).pairs.clear();
  return m;
}

/** Forget every cached fact (they may have become false); `maxId` is kept, it only grows. */
export function dropMirror(db: Db): void {
  mirrors.get(db)?.sites.clear();
  batchMirrors.delete(db);
}
