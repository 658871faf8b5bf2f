import type { Db } from './db';
import { fmix } from '../key-hash';

/**
 * Open-addressing hash table from a 64-bit key (two uint32 halves) to a number, in typed
 * arrays: a lookup is one or two cache lines, no key string to build, hash or compare, and no
 * garbage. At a million identifiers the `Map<string, number>` it replaces cost ~1 µs per lookup
 * (a sixth of the stitching profile). Key (0, 0) is reserved for empty slots. When it would
 * grow past `cap` entries it starts over empty (it is a cache: a miss only costs a query).
 */
export class Table64 {
  private k1: Uint32Array;
  private k2: Uint32Array;
  private v: Float64Array;
  private mask: number;
  size = 0;
  constructor(private readonly cap: number, capacity = 1024) {
    this.k1 = new Uint32Array(capacity);
    this.k2 = new Uint32Array(capacity);
    this.v = new Float64Array(capacity);
    this.mask = capacity - 1;
  }
  /** The slot of (a, b): where it is, or the empty slot where it would go. */
  private slot(a: number, b: number): number {
    let i = (Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b) >>> 0) & this.mask;
    while ((this.k1[i] !== a || this.k2[i] !== b) && (this.k1[i] !== 0 || this.k2[i] !== 0)) i = (i + 1) & this.mask;
    return i;
  }
  get(a: number, b: number): number | undefined {
    const i = this.slot(a >>> 0, b >>> 0);
    return this.k1[i] === 0 && this.k2[i] === 0 ? undefined : this.v[i];
  }
  set(a: number, b: number, value: number): void {
    a >>>= 0;
    b >>>= 0;
    let i = this.slot(a, b);
    if (this.k1[i] === 0 && this.k2[i] === 0) {
      // A new key: make room first (the slot moves when the arrays change).
      if (this.size >= this.cap) this.clear(), (i = this.slot(a, b));
      else if ((this.size + 1) * 2 > this.k1.length) this.grow(), (i = this.slot(a, b));
      this.k1[i] = a;
      this.k2[i] = b;
      this.size++;
    }
    this.v[i] = value;
  }
  clear(): void {
    this.k1 = new Uint32Array(1024);
    this.k2 = new Uint32Array(1024);
    this.v = new Float64Array(1024);
    this.mask = 1023;
    this.size = 0;
  }
  private grow(): void {
    const [k1, k2, v] = [this.k1, this.k2, this.v];
    this.k1 = new Uint32Array(k1.length * 2);
    this.k2 = new Uint32Array(k1.length * 2);
    this.v = new Float64Array(k1.length * 2);
    this.mask = k1.length * 2 - 1;
    for (let j = 0; j < k1.length; j++) {
      if (k1[j] === 0 && k2[j] === 0) continue;
      const i = this.slot(k1[j], k2[j]);
      this.k1[i] = k1[j];
      this.k2[i] = k2[j];
      this.v[i] = v[j];
    }
  }
}

/** The two 32-bit halves of the last {@link idHash} (module state: no allocation per call). */
export const idKey = { a: 0, b: 0 };

/**
 * 64-bit hash of an identifier (kind and value, no concatenated key) into {@link idKey}: two
 * independent MurmurHash3-style mixes. Two of a site's million identifiers share a hash with
 * probability ~3·10⁻⁸; (0, 0) is moved aside because it marks empty slots.
 */
export function idHash(kind: string, value: string): void {
  let h1 = 0x9e3779b9 | 0;
  let h2 = 0x7f4a7c15 | 0;
  for (const s of [kind, value]) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x5bd1e995);
      h1 ^= h1 >>> 13;
      h2 = Math.imul(h2 + c, 0xcc9e2d51);
      h2 = (h2 << 15) | (h2 >>> 17);
    }
    // Separator: ("ab", "c") and ("a", "bc") differ.
    h1 = Math.imul(h1 ^ 0xffff, 0x1b873593);
    h2 = Math.imul(h2 ^ s.length, 0x85ebca6b);
  }
  h1 = fmix(h1 ^ (h2 >>> 7));
  h2 = fmix(h2 + h1);
  idKey.a = h1 >>> 0;
  idKey.b = h2 >>> 0 || 1;
}

/** What the mirror knows about one site. */
export interface SiteMirror {
  /** {@link idHash} of (kind, value) → row id. Per site, so a lookup needs no site prefix. */
  ids: Table64;
  /** (lo, hi) row ids → the time of the earliest evidence stored for the pair. */
  pairs: Table64;
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
  /**
   * `PRAGMA data_version` when the mirror was last validated: it changes when ANOTHER
   * connection commits (a CLI `erase`, `import` or `qr` on the server's file), never for this
   * connection's own commits.
   */
  dataVersion?: number;
}
/**
 * Entries per table before it starts over: 32 bytes per entry at most (16 per slot, half the
 * slots empty), so worst case 128 MB for identifiers and 128 MB for pairs, per site.
 */
const IDS_CAP = 4_000_000;
const PAIRS_CAP = 4_000_000;
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

/**
 * Re-checks the connection's mirror against `dataVersion` (`PRAGMA data_version`, read by the
 * caller at the start of a transaction): when another connection committed since the last
 * check, every cached fact may be false (an `omnitrail erase --db` on the live file deletes
 * identifier rows this cache still names, and links would be written against rows that no
 * longer exist), so the sites are dropped and `maxId` catches up with the table. While this
 * connection holds the write transaction nobody else can commit, so one check per
 * transaction (per background pass) is enough.
 */
export function validateMirror(db: Db, dataVersion: number, maxId: () => number): void {
  const m = mirrorOf(db);
  if (m.dataVersion === dataVersion) return;
  if (m.dataVersion !== undefined) {
    m.sites.clear();
    m.maxId = Math.max(m.maxId, maxId());
  }
  m.dataVersion = dataVersion;
}

/** The part of `m` about one site. */
export function siteMirror(m: Mirror, siteId: string): SiteMirror {
  let s = m.sites.get(siteId);
  if (!s) m.sites.set(siteId, (s = { ids: new Table64(IDS_CAP), pairs: new Table64(PAIRS_CAP) }));
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
