/**
 * Shapley attribution, exact over channel coalitions.
 *
 * Value function (Zhao et al. 2018, "Shapley Value Methods for Attribution Modeling in
 * Online Advertising"): v(S) = total value of the conversions whose path uses only
 * channels in S, i.e. v(S) = Σ_{T ⊆ S} R(T) with R(T) the value converted by paths whose
 * distinct channel set is exactly T.
 *
 * Why this one: it is what a coalition of channels demonstrably produced (no model of
 * counterfactuals needed), it is monotone and non-negative (no channel gets negative
 * credit), its Shapley values sum to total value (efficiency), and — because v is a sum
 * of unanimity games — each conversion's share is exactly "its value split equally over
 * its distinct channels". So per-order credits are the true Shapley decomposition, not an
 * approximation, and per-order credits add up exactly to the global values. Non-converting
 * journeys are what the Markov model brings in; a conversion-rate value function would
 * give negative, unstable credits for rare channel sets.
 *
 * `shapleyValues` computes the global values by enumerating all 2^n coalitions (zeta
 * transform, O(n·2^n)); tests check it against the per-order closed form.
 */

/** Per-touch weights for one path: each distinct channel weighs the same, split over its touches. */
export function shapleyWeights(path: readonly { channel: string }[]): number[] {
  const count = new Map<string, number>();
  for (const t of path) count.set(t.channel, (count.get(t.channel) ?? 0) + 1);
  return path.map((t) => 1 / count.get(t.channel)!);
}

/**
 * Largest channel count for the coalition enumeration (2^16 coalitions, a few ms). Above it
 * the report uses the per-order closed form, which is the same exact value for this game.
 */
export const MAX_SHAPLEY_CHANNELS = 16;

/**
 * Global Shapley values by exact coalition enumeration.
 * `worth` maps a converting path's distinct channel set (any order) to the value it converted.
 * Returns null when there are more than `MAX_SHAPLEY_CHANNELS` channels.
 *
 * @example
 * shapleyValues([[['A'], 10], [['A', 'B'], 20]]) // { A: 20, B: 10 }
 */
export function shapleyValues(worth: Iterable<[readonly string[], number]>): Record<string, number> | null {
  const sets: [readonly string[], number][] = [...worth];
  const names = [...new Set(sets.flatMap(([s]) => s))].sort();
  const n = names.length;
  if (n > MAX_SHAPLEY_CHANNELS) return null;
  const bit = new Map(names.map((c, i) => [c, i]));
  const size = 1 << n;
  const v = new Float64Array(size);
  for (const [set, value] of sets) {
    let m = 0;
    for (const c of set) m |= 1 << bit.get(c)!;
    v[m] += value;
  }
  // Zeta transform: v(S) = Σ_{T ⊆ S} R(T).
  for (let i = 0; i < n; i++) for (let S = 0; S < size; S++) if (S & (1 << i)) v[S] += v[S ^ (1 << i)];
  // Coalition weights |S|!(n−|S|−1)!/n! by coalition size.
  const w = new Float64Array(n);
  const fact = [1];
  for (let k = 1; k <= n; k++) fact[k] = fact[k - 1] * k;
  for (let s = 0; s < n; s++) w[s] = (fact[s] * fact[n - s - 1]) / fact[n];
  const pc = new Uint8Array(size);
  for (let S = 1; S < size; S++) pc[S] = pc[S >> 1] + (S & 1);
  const phi: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const b = 1 << i;
    let sum = 0;
    for (let S = 0; S < size; S++) if (!(S & b)) sum += w[pc[S]] * (v[S | b] - v[S]);
    phi[names[i]] = sum;
  }
  return phi;
}
