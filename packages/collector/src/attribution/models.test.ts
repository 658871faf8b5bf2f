import { describe, expect, it } from 'vitest';
import { apportion } from './apportion';
import { firstTouch, lastNonDirect, lastTouch, linear, positionBased, timeDecay } from './models';
import { MarkovChain, solve } from './markov';
import { shapleyValues, shapleyWeights } from './shapley';

const DAY = 864e5;
const P = (...chs: string[]) => chs.map((channel, i) => ({ ts: i * 7 * DAY, channel }));

describe('apportion', () => {
  it('splits integers exactly, largest remainder first, ties to the earlier index', () => {
    expect(apportion(100, [1, 1, 1])).toEqual([34, 33, 33]);
    // 100·[.25,.5,1]/1.75 = 14.29, 28.57, 57.14 → floors 14+28+57 = 99, +1 to the largest fraction (.57)
    expect(apportion(100, [0.25, 0.5, 1])).toEqual([14, 29, 57]);
    expect(apportion(7, [0, 0])).toEqual([4, 3]);
    expect(apportion(0, [1, 2])).toEqual([0, 0]);
    expect(apportion(5, [])).toEqual([]);
  });
});

describe('rule-based models (hand-computed)', () => {
  // Paid Search on day 0, Email on day 7, Direct on day 14; conversion on day 14.
  const path = P('Paid Search', 'Email', 'Direct');
  const conv = 14 * DAY;
  it('first / last / last non-direct', () => {
    expect(firstTouch(path)).toEqual([1, 0, 0]);
    expect(lastTouch(path)).toEqual([0, 0, 1]);
    expect(lastNonDirect(path)).toEqual([0, 1, 0]);
    expect(lastNonDirect(P('Direct', 'Direct'))).toEqual([0, 1]); // all direct → last
  });
  it('linear', () => {
    expect(linear(path)).toEqual([1, 1, 1]);
    // 100 € → 33.333334 + 33.333333 + 33.333333 (micros; the spare micro goes to the first touch)
    expect(apportion(100e6, linear(path))).toEqual([33_333_334, 33_333_333, 33_333_333]);
  });
  it('time decay, half-life 7 days', () => {
    // ages 14 d, 7 d, 0 d → 2^-2, 2^-1, 2^0 = .25, .5, 1 (sum 1.75)
    expect(timeDecay(path, conv)).toEqual([0.25, 0.5, 1]);
    // 100 € · .25/1.75 = 14.285714…, · .5/1.75 = 28.571428…, · 1/1.75 = 57.142857…
    expect(apportion(100e6, timeDecay(path, conv))).toEqual([14_285_714, 28_571_429, 57_142_857]);
    // half-life 14 d: 2^-1, 2^-0.5, 1
    const w = timeDecay(path, conv, 14 * DAY);
    expect(w[0]).toBe(0.5);
    expect(w[1]).toBeCloseTo(Math.SQRT1_2, 15);
    expect(w[2]).toBe(1);
  });
  it('position-based 40/20/40, 1 touch → 100 %, 2 → 50/50', () => {
    expect(positionBased(P('A'))).toEqual([1]);
    expect(positionBased(P('A', 'B'))).toEqual([0.5, 0.5]);
    expect(positionBased(path)).toEqual([0.4, 0.2, 0.4]);
    // 5 touches: 40 %, 20 %/3 × 3, 40 %
    expect(apportion(90e6, positionBased(P('A', 'B', 'C', 'D', 'E')))).toEqual([36e6, 6e6, 6e6, 6e6, 36e6]);
  });
});

describe('Markov removal effect (hand-computed, exact)', () => {
  it('two channels, converting and non-converting paths', () => {
    // Paths: A→B→conv, A→null, B→conv.
    // START→A 2/3, START→B 1/3; A→B 1/2, A→null 1/2; B→conv 1.
    // x_B = 1; x_A = ½·x_B = ½; P = ⅔·½ + ⅓·1 = ⅔.
    // Without A: P = ⅓·1 = ⅓ → RE_A = (⅔−⅓)/⅔ = ½.  Without B: x_A = 0, P = 0 → RE_B = 1.
    const m = new MarkovChain();
    m.add(['A', 'B'], true);
    m.add(['A'], false);
    m.add(['B'], true);
    expect(m.conversionProbability()).toBeCloseTo(2 / 3, 12);
    expect(m.conversionProbability('A')).toBeCloseTo(1 / 3, 12);
    expect(m.conversionProbability('B')).toBeCloseTo(0, 12);
    const re = m.removalEffects();
    expect(re.A).toBeCloseTo(0.5, 12);
    expect(re.B).toBeCloseTo(1, 12);
  });
  it('collapses consecutive repeats and solves cycles', () => {
    // Paths: A→A→B→A→conv (collapsed: A→B→A), B→null.
    // A: →B ½, →conv ½.  B: →A ½, →null ½.  x_A = ½x_B + ½, x_B = ½x_A → x_A = ⅔, x_B = ⅓.
    // START→A ½, START→B ½ → P = ½·⅔ + ½·⅓ = ½.
    // Without A: P = 0 → RE_A = 1. Without B: x_A = ½ → P = ½·½ = ¼ → RE_B = ½.
    const m = new MarkovChain();
    m.add(['A', 'A', 'B', 'A'], true);
    m.add(['B'], false);
    expect(m.conversionProbability()).toBeCloseTo(0.5, 12);
    const re = m.removalEffects();
    expect(re.A).toBeCloseTo(1, 12);
    expect(re.B).toBeCloseTo(0.5, 12);
  });
  it('a channel seen only on non-converting paths has removal effect 0', () => {
    const m = new MarkovChain();
    m.add(['A'], true);
    m.add(['C'], false);
    expect(m.removalEffects()).toEqual({ A: 1, C: 0 });
  });
  it('nothing converts → all zero', () => {
    const m = new MarkovChain();
    m.add(['A'], false);
    expect(m.removalEffects()).toEqual({ A: 0 });
  });
  it('solve() matches a known 3×3 system', () => {
    // 2x + y − z = 8, −3x − y + 2z = −11, −2x + y + 2z = −3 → (2, 3, −1)
    const x = solve([[2, 1, -1], [-3, -1, 2], [-2, 1, 2]], [8, -11, -3]);
    expect(x.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([2, 3, -1]);
  });
});

describe('Shapley (exact coalitions)', () => {
  it('hand case: v({A}) = 10, v({A,B}) = 10 + 20', () => {
    // R({A}) = 10, R({A,B}) = 20. v(∅)=0, v(A)=10, v(B)=0, v(AB)=30.
    // φ_A = ½[v(A)−v(∅)] + ½[v(AB)−v(B)] = ½·10 + ½·30 = 20; φ_B = ½·0 + ½·20 = 10.
    expect(shapleyValues([[['A'], 10], [['A', 'B'], 20]])).toEqual({ A: 20, B: 10 });
  });
  it('three channels: each path value split equally over its distinct channels', () => {
    // R(ABC) = 30 → 10 each; R(AB) = 8 → 4 each; R(C) = 5 → C.  φ = A 14, B 14, C 15.
    const phi = shapleyValues([[['A', 'B', 'C'], 30], [['B', 'A'], 8], [['C'], 5]])!;
    expect(phi.A).toBeCloseTo(14, 9);
    expect(phi.B).toBeCloseTo(14, 9);
    expect(phi.C).toBeCloseTo(15, 9);
  });
  it('per-touch weights split a channel over its touches', () => {
    expect(shapleyWeights(P('A', 'B', 'A'))).toEqual([0.5, 1, 0.5]);
  });
});
