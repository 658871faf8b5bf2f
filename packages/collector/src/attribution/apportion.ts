/**
 * Money is credited in integer micro-units (1e-6 of the currency unit). Integer sums are
 * associative, so totals are bit-identical whatever order persons and orders are streamed
 * in — the "same result whatever the ingestion order" invariant holds exactly, not just
 * up to floating-point noise.
 */
export const MICROS = 1_000_000;

/** Currency value → integer micros. */
export const toMicros = (v: number): number => Math.round(v * MICROS);
/** Integer micros → currency value. */
export const fromMicros = (m: number): number => m / MICROS;

/**
 * Split `total` (integer) in proportion to `weights` so the parts are integers that sum
 * exactly to `total` (largest-remainder method; ties go to the earlier index, so the split
 * is deterministic). All-zero or invalid weights split equally.
 *
 * @example
 * apportion(100, [1, 1, 1]) // [34, 33, 33]
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  const n = weights.length;
  if (n === 0) return [];
  if (n === 1) return [total];
  let sum = 0;
  for (const w of weights) if (w > 0 && Number.isFinite(w)) sum += w;
  const out = new Array<number>(n);
  if (!(sum > 0)) {
    const base = Math.floor(total / n);
    let rest = total - base * n;
    for (let i = 0; i < n; i++) out[i] = base + (rest-- > 0 ? 1 : 0);
    return out;
  }
  let given = 0;
  const frac = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const w = weights[i] > 0 && Number.isFinite(weights[i]) ? weights[i] : 0;
    const exact = (total * w) / sum;
    const fl = Math.floor(exact);
    out[i] = fl;
    frac[i] = exact - fl;
    given += fl;
  }
  // The remainder is < n: hand it out one by one to the largest fractions (earlier index on ties).
  for (let rest = total - given; rest > 0; rest--) {
    let best = 0;
    for (let i = 1; i < n; i++) if (frac[i] > frac[best]) best = i;
    out[best]++;
    frac[best] = -1;
  }
  return out;
}
