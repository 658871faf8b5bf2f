/**
 * Rule-based attribution models as weight functions over one conversion path. Each
 * returns one non-negative weight per touch; `apportion` turns weights into credits that
 * sum exactly to the order value. Markov and Shapley (data-driven) live in their own files.
 */

/** Every model Omnitrail computes, in display order. */
export const MODELS = [
  'first_touch',
  'last_touch',
  'last_non_direct',
  'linear',
  'time_decay',
  'position_based',
  'markov',
  'shapley',
] as const;
export type ModelName = (typeof MODELS)[number];

/** Human labels for tables. */
export const MODEL_LABELS: Record<ModelName, string> = {
  first_touch: 'First touch',
  last_touch: 'Last touch',
  last_non_direct: 'Last non-direct',
  linear: 'Linear',
  time_decay: 'Time decay',
  position_based: 'Position-based',
  markov: 'Markov',
  shapley: 'Shapley',
};

/** What the weight functions see of a path touch. */
export interface WeightTouch {
  ts: number;
  channel: string;
}

/** Default half-life of the time-decay model: 7 days (as GA4's). */
export const DEFAULT_HALF_LIFE_MS = 7 * 24 * 3600 * 1000;

/** All credit to the first touch. */
export function firstTouch(path: readonly WeightTouch[]): number[] {
  return path.map((_, i) => (i === 0 ? 1 : 0));
}

/** All credit to the last touch. */
export function lastTouch(path: readonly WeightTouch[]): number[] {
  return path.map((_, i) => (i === path.length - 1 ? 1 : 0));
}

/**
 * All credit to the last touch that is not Direct; to the last touch if all are Direct.
 *
 * @example
 * lastNonDirect([{ ts: 1, channel: 'Email' }, { ts: 2, channel: 'Direct' }]) // [1, 0]
 */
export function lastNonDirect(path: readonly WeightTouch[]): number[] {
  let k = path.length - 1;
  for (let i = path.length - 1; i >= 0; i--) {
    if (path[i].channel !== 'Direct') {
      k = i;
      break;
    }
  }
  return path.map((_, i) => (i === k ? 1 : 0));
}

/** Equal credit to every touch. */
export function linear(path: readonly WeightTouch[]): number[] {
  return path.map(() => 1);
}

/**
 * Weight halves every `halfLifeMs` before the conversion: w = 2^(−(tConv − t) / halfLife).
 *
 * @example
 * timeDecay([{ ts: 0, channel: 'A' }, { ts: 7 * 864e5, channel: 'B' }], 7 * 864e5, 7 * 864e5) // [0.5, 1]
 */
export function timeDecay(path: readonly WeightTouch[], conversionTs: number, halfLifeMs = DEFAULT_HALF_LIFE_MS): number[] {
  return path.map((t) => Math.pow(2, -Math.max(0, conversionTs - t.ts) / halfLifeMs));
}

/**
 * 40 % first, 40 % last, 20 % shared by the middle; 1 touch → 100 %, 2 touches → 50/50.
 *
 * @example
 * positionBased(new Array(4).fill({ ts: 0, channel: 'A' })) // [0.4, 0.1, 0.1, 0.4]
 */
export function positionBased(path: readonly WeightTouch[]): number[] {
  const n = path.length;
  if (n === 1) return [1];
  if (n === 2) return [0.5, 0.5];
  return path.map((_, i) => (i === 0 || i === n - 1 ? 0.4 : 0.2 / (n - 2)));
}
