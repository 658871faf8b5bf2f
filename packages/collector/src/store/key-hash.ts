/**
 * Non-cryptographic string hash (two 32-bit MurmurHash3-style mixes), returned as a plain
 * non-negative number that SQLite stores as an 8-byte integer.
 *
 * `keyHash(a)` carries 53 bits. `keyHash(a, b)` carries only 32: both halves leave the `b`
 * loop as the same function of one 32-bit word, so the final `h1` is always 0 (found in
 * session 8; the doc here used to promise 53 bits). Every stored `mid_hash`, `anon_hash`,
 * `user_hash` and identity `h` is this value, so it stays as it is; at N keys of a site a new
 * one matches a stored hash with probability N / 2^32. Used only as an index key: every hit is
 * verified against the full text, so a match (or one crafted by an attacker) costs one extra row
 * read, never a wrong answer. Where a match costs more than a read — the dedup filter, whose
 * "maybe" is a probe through every generation — use a 53-bit key instead (`dedup.ts`
 * `filterKey`). We avoid SHA-256 here because this runs for every event on the ingest hot path
 * (~0.1 µs vs ~1.5 µs).
 *
 * The result fits in JavaScript's safe integer range (53 bits) so better-sqlite3 binds it
 * as a plain number.
 *
 * @example
 * keyHash('site_1', 'msg-123'); // → e.g. 4503599627370495
 */
export function keyHash(a: string, b?: string): number {
  let h1 = 0x9e3779b9 | 0;
  let h2 = 0x85ebca6b | 0;
  h1 = mixString(h1, h2, a);
  h2 = mixString(h2 ^ 0x5bd1e995, h1, a);
  if (b !== undefined) {
    // A separator that cannot occur in either input's code units changes both halves.
    h1 = Math.imul(h1 ^ 0xffff, 0xcc9e2d51);
    h2 = Math.imul(h2 ^ 0xfffe, 0x1b873593);
    const t = h1;
    h1 = mixString(h1, h2, b);
    h2 = mixString(h2, t, b);
  }
  h1 = fmix(h1 ^ h2);
  h2 = fmix(h2 + h1);
  // 21 high bits from h1, 32 from h2 → 53 bits, non-negative.
  return (h1 >>> 11) * 0x100000000 + (h2 >>> 0);
}

function mixString(h: number, seed: number, s: string): number {
  h = h ^ seed;
  for (let i = 0; i < s.length; i++) {
    let k = Math.imul(s.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return h ^ s.length;
}

/** MurmurHash3's 32-bit finaliser: spreads every input bit over the whole word. */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
