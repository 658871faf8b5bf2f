/**
 * Seeded randomness shared by the demo generator, property tests and fuzzers: the same seed
 * gives the same stream on every run and runtime.
 */

/**
 * mulberry32: small, fast, seeded PRNG returning floats in [0, 1).
 *
 * @example
 * const r = prng(42); r(); // 0.6011037519201636
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One element of `xs`, chosen by `r`.
 *
 * @example
 * pick(prng(3), ['a', 'b', 'c']); // the same element every run
 */
export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/**
 * A shuffled copy (Fisher–Yates) driven by `r`.
 *
 * @example
 * shuffle([1, 2, 3], prng(1)); // the same order every run
 */
export function shuffle<T>(xs: readonly T[], r: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
