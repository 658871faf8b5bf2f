let last = 0;
let seq = 0;
/** Random bytes fetched 1 KB at a time: crypto.getRandomValues costs ~10 µs per call in Chromium. */
let pool: Uint8Array;
let at = 1024;

/**
 * A time-ordered UUIDv7 (RFC 9562): 48-bit ms timestamp, then a 12-bit counter so IDs made in
 * the same millisecond still sort in creation order (the IndexedDB queue relies on key order,
 * and the collector's indexes stay append-mostly), then 62 random bits.
 *
 * @example
 * uuidv7() // '0192f3a4-5b6c-7d8e-9f01-23456789abcd'
 */
export function uuidv7(): string {
  if (at > 1014) {
    pool = crypto.getRandomValues(new Uint8Array(1024));
    at = 0;
  }
  const now = Date.now();
  // Same millisecond (or the clock stepped back): bump the counter; on a new one, start it low
  // and random so it rarely overflows.
  seq = now > last ? pool[at++] & 63 : seq + 1;
  last = Math.max(now, last);
  pool[at] = (pool[at] & 63) | 128; // the RFC 9562 variant bits
  // 28672 = 0x7000: the version nibble in front of the counter.
  let h = last.toString(16).padStart(12, '0') + (28672 | (seq & 4095)).toString(16);
  for (const end = at + 8; at < end; ) h += (pool[at++] | 256).toString(16).slice(1);
  return h.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
}
