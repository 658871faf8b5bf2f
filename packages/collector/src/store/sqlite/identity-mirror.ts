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
  /** Largest identity row id known; a new row at or below it means row ids are being reused. */
  maxId: number;
  ids: GenMap<number>;
  pairs: GenMap<string>;
}
/** Entries per generation (two generations per map): ~80 MB for identifiers, ~50 MB for pairs at most. */
const MIRROR_CAP = 500_000;
const mirrors = new WeakMap<Db, Mirror>();
export function mirrorOf(db: Db): Mirror {
  let m = mirrors.get(db);
  if (!m) {
    const maxId = (db.prepare('SELECT coalesce(max(id), 0) FROM identity_ids').pluck().get() as number) ?? 0;
    mirrors.set(db, (m = { lastRowid: 0, maxId, ids: new GenMap(MIRROR_CAP), pairs: new GenMap(MIRROR_CAP) }));
  }
  return m;
}
export function dropMirror(db: Db): void {
  const m = mirrors.get(db);
  if (m) {
    m.ids.clear();
    m.pairs.clear();
  }
}

