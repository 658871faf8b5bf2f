let lastMs = 0;
let seq = 0;
/** Random bytes fetched 64 IDs at a time: crypto.getRandomValues costs ~10 µs per call in Chromium. */
let pool = new Uint8Array(0);
let at = 0;

/**
 * A time-ordered UUIDv7 (RFC 9562): 48-bit ms timestamp, then a 12-bit counter so IDs made in
 * the same millisecond still sort in creation order (the IndexedDB queue relies on key order,
 * and the collector's indexes stay append-mostly).
 *
 * @example
 * uuidv7() // '0192f3a4-5b6c-7d8e-9f01-23456789abcd'
 */
export function uuidv7(): string {
  if (at >= pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(1024));
    at = 0;
  }
  const b = pool.subarray(at, (at += 16));
  let t = Date.now();
  // Same millisecond: bump the counter; on a new one, start it low so it rarely overflows.
  seq = t > lastMs ? b[7] & 63 : seq + 1;
  lastMs = t = Math.max(t, lastMs);
  // Dividing by 256 is exact for 48-bit values; `& 255` truncates the fraction.
  for (let i = 5; i >= 0; i--, t /= 256) b[i] = t & 255;
  b[6] = 112 | ((seq >> 8) & 15);
  b[7] = seq & 255;
  b[8] = (b[8] & 63) | 128;
  let h = '';
  for (const x of b) h += (x | 256).toString(16).slice(1);
  return h.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
}
