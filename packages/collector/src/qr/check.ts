import { ALPHABET, BASE, symbolValue } from './alphabet';

/**
 * Check character over the 31-symbol alphabet: the Damm algorithm with the quasigroup
 * `x ∘ y = (2·x + y) mod 31`.
 *
 * Why Damm and not Luhn mod N: Luhn mod N misses the swap of the first and last symbol
 * (like `09`↔`90` in Luhn mod 10). Damm's operation is *totally anti-symmetric*
 * (`(c∘x)∘y = (c∘y)∘x ⇒ x = y`, because 2x + y ≡ 2y + x ⇒ x ≡ y mod 31), and it is a
 * quasigroup (both translations are bijections because 2 and 1 are invertible mod 31), so it
 * catches **every** single substitution and **every** adjacent transposition, including ones
 * that involve the check character. `check.test.ts` verifies both properties exhaustively.
 * Reference: H. M. Damm, "Total anti-symmetrische Quasigruppen", 2004.
 */
export function dammStep(interim: number, symbol: number): number {
  return (2 * interim + symbol) % BASE;
}

/** Damm interim value of a string of alphabet symbols (-1 if a character is outside the alphabet). */
function interimOf(s: string): number {
  let interim = 0;
  for (let i = 0; i < s.length; i++) {
    const v = symbolValue(s[i]);
    if (v < 0) return -1;
    interim = dammStep(interim, v);
  }
  return interim;
}

/**
 * The check character for `payload` (symbols of the alphabet): the one symbol that makes the
 * Damm interim of `payload + check` zero.
 *
 * @example
 * const code = 'K7M2Q' + checkChar('K7M2Q');
 * isValidWithCheck(code) // true
 */
export function checkChar(payload: string): string {
  const interim = interimOf(payload);
  if (interim < 0) throw new RangeError('payload contains characters outside the code alphabet');
  // Solve 2·interim + c ≡ 0 (mod 31).
  return ALPHABET[(BASE - ((2 * interim) % BASE)) % BASE];
}

/**
 * True when `code` (payload followed by its check character, already normalised) is consistent.
 *
 * @example
 * isValidWithCheck('K7M2Q' + checkChar('K7M2Q')) // true
 */
export function isValidWithCheck(code: string): boolean {
  return code.length >= 2 && interimOf(code) === 0;
}
