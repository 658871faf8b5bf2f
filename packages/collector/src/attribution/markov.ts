/**
 * Data-driven attribution with a first-order Markov chain (Anderl et al. 2016, "Mapping
 * the customer journey"): states are channels plus START, CONVERSION and NULL; each path
 * (converting or not) is START → c1 → … → ck → CONVERSION|NULL with consecutive repeats of
 * a channel collapsed. The removal effect of channel c is the relative drop in
 * P(START ⇝ CONVERSION) when c is removed (its incoming transitions lead to NULL).
 *
 * Probabilities are solved exactly from the absorbing chain: with Q the transient→transient
 * transition matrix and r the transient→CONVERSION vector, x = (I − Q)⁻¹ r gives each
 * state's conversion probability (Gaussian elimination with partial pivoting; no Monte
 * Carlo, no iteration). Removing c is the same system with x_c fixed to 0.
 */

/** Accumulates transition counts path by path (streaming: memory is O(channels²)). */
export class MarkovChain {
  private readonly index = new Map<string, number>();
  private readonly names: string[] = [];
  /** counts[from][to]; row/col `n` = START (row only), CONV = -1 and NULL = -2 kept apart. */
  private readonly counts: number[][] = [];
  private readonly toConv: number[] = [];
  private readonly toNull: number[] = [];
  private readonly startTo: number[] = [];
  private startToConv = 0;
  private startToNull = 0;
  /** Paths added, converting paths added. */
  paths = 0;
  conversions = 0;

  private idx(ch: string): number {
    let i = this.index.get(ch);
    if (i === undefined) {
      i = this.names.length;
      this.index.set(ch, i);
      this.names.push(ch);
      for (const row of this.counts) row.push(0);
      this.counts.push(new Array(i + 1).fill(0));
      this.toConv.push(0);
      this.toNull.push(0);
      this.startTo.push(0);
    }
    return i;
  }

  /**
   * Add one path of channels (repeats are collapsed here). `weight` counts the path that
   * many times (default 1).
   *
   * @example
   * const m = new MarkovChain();
   * m.add(['Email', 'Email', 'Paid Search'], true); // START → Email → Paid Search → CONV
   */
  add(channels: readonly string[], converted: boolean, weight = 1): void {
    this.paths += weight;
    if (converted) this.conversions += weight;
    let prev = -1;
    for (const ch of channels) {
      const i = this.idx(ch);
      if (i === prev) continue;
      if (prev < 0) this.startTo[i] += weight;
      else this.counts[prev][i] += weight;
      prev = i;
    }
    if (prev < 0) {
      if (converted) this.startToConv += weight;
      else this.startToNull += weight;
    } else if (converted) this.toConv[prev] += weight;
    else this.toNull[prev] += weight;
  }

  /** Channels seen, in first-seen order. */
  channels(): string[] {
    return [...this.names];
  }

  /**
   * P(START ⇝ CONVERSION), optionally with one channel removed.
   */
  conversionProbability(removed?: string): number {
    // Channels in name order (not first-seen order), so the floating-point work — and so
    // every credit — is identical whatever order the paths were added in.
    const order = [...this.names].sort().map((ch) => this.index.get(ch)!);
    const n = order.length;
    const rm = removed === undefined ? -1 : (this.index.get(removed) ?? -1);
    // Build A = I − Q and b = r over transient channel states.
    const A: number[][] = [];
    const b: number[] = [];
    for (let a = 0; a < n; a++) {
      const i = order[a];
      const row = new Array<number>(n).fill(0);
      row[a] = 1;
      if (i === rm) {
        A.push(row);
        b.push(0);
        continue;
      }
      let out = this.toConv[i] + this.toNull[i];
      for (let k = 0; k < n; k++) out += this.counts[i][order[k]];
      if (out > 0) {
        for (let k = 0; k < n; k++) {
          const j = order[k];
          if (j !== rm && this.counts[i][j]) row[k] -= this.counts[i][j] / out;
        }
        b.push(this.toConv[i] / out);
      } else b.push(0);
      A.push(row);
    }
    const x = n > 0 ? solve(A, b) : [];
    let startOut = this.startToConv + this.startToNull;
    for (let k = 0; k < n; k++) startOut += this.startTo[order[k]];
    if (startOut === 0) return 0;
    let p = this.startToConv / startOut;
    for (let k = 0; k < n; k++) if (order[k] !== rm) p += (this.startTo[order[k]] / startOut) * x[k];
    return p;
  }

  /**
   * Removal effect per channel: (P − P_without_c) / P; 0 for all when nothing converts.
   *
   * @example
   * m.removalEffects() // { Email: 1, 'Paid Search': 0.5 }
   */
  removalEffects(): Record<string, number> {
    const base = this.conversionProbability();
    const out: Record<string, number> = {};
    for (const ch of [...this.names].sort()) {
      out[ch] = base > 0 ? Math.max(0, (base - this.conversionProbability(ch)) / base) : 0;
    }
    return out;
  }
}

/** Solve A x = b by Gaussian elimination with partial pivoting (A is small: one row per channel). */
export function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    if (Math.abs(M[p][c]) < 1e-300) throw new Error('singular system in Markov solve');
    if (p !== c) [M[p], M[c]] = [M[c], M[p]];
    const piv = M[c][c];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / piv;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k];
    x[r] = s / M[r][r];
  }
  return x;
}

/**
 * Distribute Markov credit to orders so that BOTH hold: every order's credits sum to its
 * value, and every channel's total is the textbook `total × RE_c / Σ RE` (as far as the
 * data allows). Starts from "each order split by the removal effects of its own channels"
 * and alternately rescales channel totals (columns) and order totals (rows) — iterative
 * proportional fitting, a deterministic fixed number of sweeps, rows last so each order sums
 * exactly. When a channel's target exceeds what its orders are worth, the fit gets as close
 * as it can; `maxGap` reports the largest remaining relative column gap.
 *
 * @example
 * fitMarkovCredits([{ channels: ['A', 'B'], value: 100 }, { channels: ['B'], value: 50 }], { A: 0.5, B: 1 })
 * // → { weights: [[A share, B share], [1]], maxGap }
 */
export function fitMarkovCredits(
  orders: readonly { channels: readonly string[]; value: number }[],
  removalEffects: Record<string, number>,
  sweeps = 100,
): { weights: number[][]; maxGap: number } {
  // Flat typed arrays: one entry per (order, distinct channel); this runs over every conversion.
  const names = Object.keys(removalEffects).sort();
  const index = new Map(names.map((c, i) => [c, i]));
  const sumRe = names.reduce((a, c) => a + removalEffects[c], 0);
  const start = new Int32Array(orders.length + 1);
  for (let i = 0; i < orders.length; i++) start[i + 1] = start[i] + orders[i].channels.length;
  const ch = new Int32Array(start[orders.length]);
  const a = new Float64Array(start[orders.length]);
  const value = new Float64Array(orders.length);
  let total = 0;
  for (let i = 0; i < orders.length; i++) {
    const o = orders[i];
    value[i] = o.value;
    total += o.value;
    let s = 0;
    for (let k = 0; k < o.channels.length; k++) {
      const c = index.get(o.channels[k]) ?? -1;
      ch[start[i] + k] = c;
      s += c >= 0 ? removalEffects[names[c]] : 0;
    }
    for (let k = start[i]; k < start[i + 1]; k++) {
      const re = ch[k] >= 0 ? removalEffects[names[ch[k]]] : 0;
      a[k] = s > 0 ? (o.value * re) / s : o.value / o.channels.length;
    }
  }
  const out = () => orders.map((_, i) => Array.from(a.subarray(start[i], start[i + 1])));
  if (!(sumRe > 0) || !(total > 0)) return { weights: out(), maxGap: 0 };
  const target = new Float64Array(names.length);
  for (let c = 0; c < names.length; c++) target[c] = (total * removalEffects[names[c]]) / sumRe;
  const col = new Float64Array(names.length);
  const colSums = () => {
    col.fill(0);
    for (let k = 0; k < a.length; k++) if (ch[k] >= 0) col[ch[k]] += a[k];
  };
  const gap = () => {
    let g = 0;
    for (let c = 0; c < names.length; c++) if (target[c] > 0) g = Math.max(g, Math.abs(col[c] - target[c]) / target[c]);
    return g;
  };
  const f = new Float64Array(names.length);
  for (let s = 0; s < sweeps; s++) {
    colSums();
    if (gap() < 1e-12) break;
    for (let c = 0; c < names.length; c++) f[c] = col[c] > 0 ? target[c] / col[c] : 1;
    for (let i = 0; i < orders.length; i++) {
      let row = 0;
      for (let k = start[i]; k < start[i + 1]; k++) {
        if (ch[k] >= 0) a[k] *= f[ch[k]];
        row += a[k];
      }
      if (row > 0) for (let k = start[i]; k < start[i + 1]; k++) a[k] *= value[i] / row;
    }
  }
  colSums();
  return { weights: out(), maxGap: gap() };
}
