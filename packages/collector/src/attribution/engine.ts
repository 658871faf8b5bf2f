/**
 * The attribution engine: streams stitched persons once, keeps only conversion paths
 * (memory grows with conversions, not with events), feeds every path — converting and
 * not — into the Markov chain, then credits every conversion under every model.
 */
import { MICROS, apportion, fromMicros, toMicros } from './apportion';
import { channelRulesLabel, createClassifier } from './channels';
import type { Conversion, PersonJourney } from './journey';
import { MarkovChain, fitMarkovCredits } from './markov';
import {
  DEFAULT_HALF_LIFE_MS,
  MODELS,
  firstTouch,
  lastNonDirect,
  lastTouch,
  linear,
  positionBased,
  timeDecay,
  type ModelName,
} from './models';
import { personPaths, type ConversionPath, type PathOptions, type PersonPaths } from './paths';
import type { ChannelRule } from './rules';
import { shapleyValues, shapleyWeights } from './shapley';

export interface AttributionOptions extends PathOptions {
  /** Models to compute (default: all). */
  models?: readonly ModelName[];
  /** Time-decay half-life (default 7 days). */
  halfLifeMs?: number;
  /** The site's custom channel rules, evaluated before the defaults. */
  rules?: readonly ChannelRule[];
  /** Where `rules` came from, for `channelRulesVersion` (default 'site rules'; the CLI names its `--rules` file). */
  rulesSource?: string;
  /** Sees every person's classified paths (ROPO, journeys and QR reports ride along). */
  onPerson?: (p: PersonPaths, j: PersonJourney) => void;
}

/** One conversion with its path and, per model, integer micro-credits per touch. */
export interface CreditedOrder {
  path: ConversionPath;
  valueMicros: number;
  /** Per model, micro-units of the order value per touch (sum = valueMicros). */
  credits: Partial<Record<ModelName, number[]>>;
  /** Per model, micro-units of one conversion per touch (sum = 1 000 000): fractional conversions. */
  shares: Partial<Record<ModelName, number[]>>;
}

export interface AttributionResult {
  models: ModelName[];
  /** Conversions in (time, id) order. */
  orders: CreditedOrder[];
  persons: number;
  /** Paths the Markov chain learned from, and how many converted. */
  markovPaths: number;
  markovConversions: number;
  /** P(START ⇝ CONVERSION) of the fitted chain. */
  conversionProbability: number;
  removalEffects: Record<string, number>;
  /** Channel totals by the textbook formula: total × removal effect / Σ removal effects. */
  markovTotals: Record<string, { conversions: number; value: number }>;
  /** Largest relative gap between the per-order Markov credits summed per channel and `markovTotals` (0 = exact). */
  markovFitGap: number;
  /** Global Shapley values (coalition enumeration up to 16 channels, the equal closed form above). */
  shapleyValues: Record<string, number> | null;
  /** The rule table in force: the default version, preceded by the custom rules when there are any. */
  channelRulesVersion: string;
}

/**
 * Run attribution over a stream of stitched persons.
 *
 * @example
 * const result = await attribute(store.journeys(siteId, { from, to, lookbackMs }), { from, to });
 * result.orders[0].credits.linear // micro-credits per touch, summing to the order value
 */
export async function attribute(journeys: AsyncIterable<PersonJourney> | Iterable<PersonJourney>, opts: AttributionOptions): Promise<AttributionResult> {
  const models = [...(opts.models ?? MODELS)];
  const classify = createClassifier(opts.rules ?? []);
  const halfLife = opts.halfLifeMs ?? DEFAULT_HALF_LIFE_MS;
  const wantMarkov = models.includes('markov');
  const chain = new MarkovChain();
  const paths: ConversionPath[] = [];
  let persons = 0;
  const onePerson = (j: PersonJourney) => {
    persons++;
    const pp = personPaths(j, classify, opts);
    for (const p of pp.paths) {
      paths.push(p);
      if (wantMarkov) chain.add(p.touches.map((t) => t.channel), true);
    }
    if (wantMarkov && pp.nonConverting.length) chain.add(pp.nonConverting, false);
    opts.onPerson?.(pp, j);
  };
  // A plain iterable (generated or in-memory journeys) runs without an await per person.
  if (Symbol.asyncIterator in journeys) for await (const j of journeys as AsyncIterable<PersonJourney>) onePerson(j);
  else for (const j of journeys as Iterable<PersonJourney>) onePerson(j);
  paths.sort((a, b) => a.conversion.ts - b.conversion.ts || (a.conversion.id < b.conversion.id ? -1 : a.conversion.id > b.conversion.id ? 1 : 0));

  const removalEffects = wantMarkov ? chain.removalEffects() : {};
  const conversionProbability = wantMarkov ? chain.conversionProbability() : 0;
  // Markov: fit per-order channel credits to the textbook channel totals, once for value and
  // once for conversion counts (see fitMarkovCredits).
  let fitValue: number[][] = [];
  let fitCount: number[][] = [];
  let markovFitGap = 0;
  const distinct = paths.map((p) => [...new Set(p.touches.map((t) => t.channel))]);
  if (wantMarkov) {
    const v = fitMarkovCredits(paths.map((p, i) => ({ channels: distinct[i], value: toMicros(revenueOf(p.conversion)) })), removalEffects);
    const c = fitMarkovCredits(paths.map((_, i) => ({ channels: distinct[i], value: 1 })), removalEffects);
    fitValue = v.weights;
    fitCount = c.weights;
    markovFitGap = Math.max(v.maxGap, c.maxGap);
  }
  const orders: CreditedOrder[] = [];
  const worth = new Map<string, [string[], number]>();
  let totalMicros = 0;
  for (let pi = 0; pi < paths.length; pi++) {
    const path = paths[pi];
    const t = path.touches;
    const valueMicros = toMicros(revenueOf(path.conversion));
    totalMicros += valueMicros;
    const credits: Partial<Record<ModelName, number[]>> = {};
    const shares: Partial<Record<ModelName, number[]>> = {};
    for (const m of models) {
      let w: number[];
      switch (m) {
        case 'first_touch': w = firstTouch(t); break;
        case 'last_touch': w = lastTouch(t); break;
        case 'last_non_direct': w = lastNonDirect(t); break;
        case 'linear': w = linear(t); break;
        case 'time_decay': w = timeDecay(t, path.conversion.ts, halfLife); break;
        case 'position_based': w = positionBased(t); break;
        case 'markov': w = channelWeights(t, distinct[pi], fitValue[pi]); break;
        case 'shapley': w = shapleyWeights(t); break;
      }
      credits[m] = apportion(valueMicros, w);
      shares[m] = apportion(MICROS, m === 'markov' ? channelWeights(t, distinct[pi], fitCount[pi]) : w);
    }
    if (models.includes('shapley')) {
      const set = [...new Set(t.map((x) => x.channel))].sort();
      const key = set.join('\u0001');
      const e = worth.get(key);
      if (e) e[1] += valueMicros;
      else worth.set(key, [set, valueMicros]);
    }
    orders.push({ path, valueMicros, credits, shares });
  }
  const sumRe = Object.values(removalEffects).reduce((a, b) => a + b, 0);
  const markovTotals: Record<string, { conversions: number; value: number }> = {};
  for (const [ch, re] of Object.entries(removalEffects)) {
    markovTotals[ch] = sumRe > 0 ? { conversions: (orders.length * re) / sumRe, value: (fromMicros(totalMicros) * re) / sumRe } : { conversions: 0, value: 0 };
  }
  let shapley: Record<string, number> | null = null;
  if (models.includes('shapley')) {
    // Enumerate coalitions when that is cheap; otherwise sum the per-order shares, which is the
    // same exact Shapley value for this game (a sum of unanimity games).
    let phi = shapleyValues(worth.values());
    if (!phi) {
      phi = {};
      for (const o of orders) o.path.touches.forEach((x, i) => (phi![x.channel] = (phi![x.channel] ?? 0) + o.credits.shapley![i]));
    }
    shapley = Object.fromEntries(Object.entries(phi).map(([k, v]) => [k, fromMicros(v)]));
  }
  return {
    models,
    orders,
    persons,
    markovPaths: chain.paths,
    markovConversions: chain.conversions,
    conversionProbability,
    removalEffects,
    markovTotals,
    markovFitGap,
    shapleyValues: shapley,
    channelRulesVersion: channelRulesLabel(opts.rules?.length ?? 0, opts.rulesSource),
  };
}

/**
 * The revenue a conversion brings: an order's value; goal conversions (channel `goal`) count as
 * conversions but bring none — a sign-up worth "1" is not one euro of revenue.
 */
export function revenueOf(c: Conversion): number {
  return c.channel === 'goal' || !Number.isFinite(c.value) ? 0 : c.value;
}

/** Per-touch weights from per-channel weights: a channel's weight split equally over its touches. */
function channelWeights(path: readonly { channel: string }[], channels: readonly string[], weights: readonly number[]): number[] {
  const count = new Map<string, number>();
  for (const t of path) count.set(t.channel, (count.get(t.channel) ?? 0) + 1);
  const w = new Map(channels.map((c, i) => [c, weights[i]]));
  return path.map((t) => w.get(t.channel)! / count.get(t.channel)!);
}
