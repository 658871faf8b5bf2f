/**
 * The one alphabet of every human-facing code (QR codes, handoff codes, scan tokens):
 * digits and capital letters without the look-alikes 0/O, 1/I/l and without U (Crockford's
 * choice: U/V are confused in handwriting). 31 symbols — a prime, so the handoff check
 * character can use plain arithmetic mod 31 (see `check.ts`).
 *
 * Codes are case-insensitive: input is upper-cased before lookup, so a code typed from a
 * printed letter in lower case still works.
 */
export const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTVWXYZ';

/** Number of symbols (31). */
export const BASE = ALPHABET.length;

/** Bits of entropy per random symbol (log2 31 ≈ 4.954). */
export const BITS_PER_SYMBOL = Math.log2(BASE);

const INDEX: Record<string, number> = Object.create(null);
for (let i = 0; i < ALPHABET.length; i++) INDEX[ALPHABET[i]] = i;

/**
 * Value (0–30) of one symbol, or -1 if the character is not in the alphabet.
 *
 * @example
 * symbolValue('2') // 0
 * symbolValue('O') // -1
 */
export function symbolValue(ch: string): number {
  return INDEX[ch] ?? -1;
}

/** Largest multiple of 31 below 256: bytes at or above it are rejected so every symbol is equally likely. */
const UNBIASED_LIMIT = 256 - (256 % BASE);

/**
 * A uniformly random string of `length` symbols from Web Crypto (`crypto.getRandomValues`),
 * with rejection sampling so no symbol is more likely than another.
 *
 * @example
 * randomSymbols(13) // e.g. 'K7M2QXPRTV8WZ' (≈ 64.4 bits)
 */
export function randomSymbols(length: number): string {
  let out = '';
  const buf = new Uint8Array(Math.min(65_536, Math.max(16, length * 2)));
  while (out.length < length) {
    crypto.getRandomValues(buf);
    for (let i = 0; i < buf.length && out.length < length; i++) {
      if (buf[i] < UNBIASED_LIMIT) out += ALPHABET[buf[i] % BASE];
    }
  }
  return out;
}

/**
 * Symbols needed for at least `bits` bits of randomness.
 *
 * @example
 * symbolsForBits(64) // 13
 */
export function symbolsForBits(bits: number): number {
  return Math.ceil(bits / BITS_PER_SYMBOL);
}

/**
 * Upper-cases `raw` and removes spaces and dashes (display grouping), so `k7m-2qx` → `K7M2QX`.
 * Does not validate: see `isCodeString`.
 *
 * @example
 * normaliseCode(' k7m-2qx ') // 'K7M2QX'
 */
export function normaliseCode(raw: string): string {
  return raw.replace(/[\s-]+/g, '').toUpperCase();
}

/**
 * True when every character of `s` is in the alphabet and the length is within bounds.
 *
 * @example
 * isCodeString('K7M2QX') // true
 * isCodeString('K0M2QX') // false (0 is not in the alphabet)
 */
export function isCodeString(s: string, minLength = 1, maxLength = 64): boolean {
  if (s.length < minLength || s.length > maxLength) return false;
  for (let i = 0; i < s.length; i++) if (INDEX[s[i]] === undefined) return false;
  return true;
}
