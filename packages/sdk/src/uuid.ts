/**
 * Milliseconds × 1024 plus a 10-bit counter, in one number (exact in a double until the year
 * 2248): `max(now, last + 1)` keeps IDs in creation order within a millisecond and when the
 * clock steps back (the IndexedDB queue relies on key order, and the collector's indexes stay
 * append-mostly). 1024 IDs in one millisecond simply borrow the next one (RFC 9562 §6.2).
 */
let t = 0;

/**
 * A time-ordered UUIDv7 (RFC 9562): 48-bit ms timestamp, version 7, the counter in the 12
 * `rand_a` bits, then the variant and 62 random bits.
 *
 * @example
 * uuidv7() // '0192f3a4-5b6c-7d8e-9f01-23456789abcd'
 */
export const uuidv7 = (): string => {
  t = Math.max(Date.now() * 1024, t + 1);
  const r = crypto.getRandomValues(new Uint8Array(8));
  r[0] = (r[0] & 63) | 128; // the variant bits
  // 28672 = 0x7000: the version nibble in front of the counter.
  let h = Math.floor(t / 1024).toString(16).padStart(12, '0') + (28672 | t % 1024).toString(16);
  for (const b of r) h += (b | 256).toString(16).slice(1);
  // A hyphen where 12, 16, 20 or 24 hex digits remain: 8-4-4-4-12 (`....` rather than `.{4}`: V8 runs it faster).
  return h.replace(/(?=(?:....){3,6}$)/g, '-');
};
