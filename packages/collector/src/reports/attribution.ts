/**
 * `attribution` report: conversions and revenue credited per channel, campaign or source,
 * all requested models side by side.
 */
import { apportion, MICROS } from '../attribution/apportion';
import { attribute, type AttributionResult } from '../attribution/engine';
import type { ModelName } from '../attribution/models';
import type { PersonJourney } from '../attribution/journey';
import type { PathTouch } from '../attribution/paths';
import { reportSpan, type ReportParams, type ReportSpan } from './params';
import type { ReportSite, ReportSource } from './source';
import { currencyTally, reportCurrencies, type ReportCurrencies } from './currencies';
import { convertJourneys, type Exchange } from './exchange';

export interface AttributionRow {
  key: string;
  /** Fractional conversions credited, per model. */
  conversions: Partial<Record<ModelName, number>>;
  /** Revenue credited, per model. */
  revenue: Partial<Record<ModelName, number>>;
}

export interface AttributionReport extends ReportSpan, ReportCurrencies {
  report: 'attribution';
  siteId: string;
  dimension: ReportParams['dimension'];
  models: ModelName[];
  lookbackDays: number;
  halfLifeDays: number;
  directOnlyIfNothingElse: boolean;
  /** The rule table in force, e.g. 'site rules (2) + omnitrail-2 (…)' when custom rules precede the defaults. */
  channelRules: string;
  /** `conversions` counts orders and goal conversions; `goals` the goal conversions among them, which bring no revenue. */
  totals: { conversions: number; goals: number; revenue: number; persons: number };
  rows: AttributionRow[];
  markov?: {
    conversionProbability: number;
    paths: number;
    convertingPaths: number;
    removalEffects: Record<string, number>;
    /** Per channel: total × removal effect / Σ removal effects. */
    totals: Record<string, { conversions: number; revenue: number }>;
    /** Largest relative gap between the per-order credits (rows) and `totals` (0 when the data allows an exact fit). */
    fitGap: number;
  };
  /** Global Shapley values (revenue), exact coalition enumeration. */
  shapley?: Record<string, number>;
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

/** The grouping key of a touch under a dimension. */
export function keyOf(t: PathTouch, dimension: ReportParams['dimension']): string {
  if (dimension === 'campaign') return t.campaign || '(not set)';
  if (dimension === 'source') return `${t.source || '(not set)'} / ${t.medium || '(not set)'}`;
  return t.channel;
}

/**
 * The journeys query of a report. Goal conversions come from the store (the site's
 * `settings.goals`, or `goals=` of the request), so the engine does not derive them again.
 */
export function journeyQuery(p: ReportParams, extra: { events?: boolean; eventNames?: string[]; to?: number } = {}) {
  return {
    from: p.from,
    to: extra.to ?? p.to,
    lookbackMs: p.lookbackMs,
    ...(p.goals.length ? { goals: p.goals } : {}),
    ...(extra.events ? { events: true } : {}),
    ...(extra.eventNames ? { eventNames: extra.eventNames } : {}),
  };
}

/**
 * The site's journeys for a report, orders converted into its reporting currency (exchange.ts).
 *
 * @example
 * await attribute(siteJourneys(src, site, p), engineOptions(p, site))
 */
export function siteJourneys(src: ReportSource, site: ReportSite, p: ReportParams, extra?: Parameters<typeof journeyQuery>[1]): AsyncIterable<PersonJourney> {
  return convertJourneys(src.journeys(site.id, journeyQuery(p, extra)), site.exchange) as AsyncIterable<PersonJourney>;
}

/** Options for the attribution engine from report params. */
export function engineOptions(p: ReportParams, site: ReportSite, models = p.models) {
  return {
    from: p.from,
    to: p.to,
    lookbackMs: p.lookbackMs,
    halfLifeMs: p.halfLifeMs,
    directOnlyIfNothingElse: p.directOnlyIfNothingElse,
    models,
    rules: site.rules,
    rulesSource: site.rulesSource,
  };
}

/**
 * Aggregate an attribution result by dimension (integer micro sums: order-independent).
 *
 * @example
 * summarise(await attribute(journeys, opts), params, 'site_1')
 */
export function summarise(res: AttributionResult, p: ReportParams, siteId: string, exchange?: Exchange | null): AttributionReport {
  const rev = new Map<string, Map<ModelName, number>>();
  const conv = new Map<string, Map<ModelName, number>>();
  let total = 0;
  const tally = currencyTally(exchange);
  for (const o of res.orders) {
    total += o.valueMicros;
    tally.add(o.path.conversion);
    const keys = o.path.touches.map((t) => keyOf(t, p.dimension));
    for (const m of res.models) {
      const c = o.credits[m]!;
      const s = o.shares[m]!;
      for (let i = 0; i < keys.length; i++) {
        if (c[i] === 0 && s[i] === 0) continue;
        let r = rev.get(keys[i]);
        if (!r) {
          rev.set(keys[i], (r = new Map()));
          conv.set(keys[i], new Map());
        }
        r.set(m, (r.get(m) ?? 0) + c[i]);
        const cv = conv.get(keys[i])!;
        cv.set(m, (cv.get(m) ?? 0) + s[i]);
      }
    }
  }
  const sortModel = res.models.includes('markov') ? 'markov' : res.models[0];
  const keys = [...rev.keys()];
  const rows: AttributionRow[] = keys.map((key) => ({ key, conversions: {}, revenue: {} }));
  // Rounded per row, a column would not sum to the total it splits (50 + 3 × 33.33 = 149.99 of
  // 150.00): the displayed cents (thousandths of a conversion) are apportioned by largest
  // remainder from the exact integer micro sums, so every column sums to the rounded total.
  const totalCents = Math.round(total / (MICROS / 100));
  for (const m of res.models) {
    const cents = apportion(totalCents, keys.map((k) => rev.get(k)!.get(m) ?? 0));
    const milli = apportion(res.orders.length * 1000, keys.map((k) => conv.get(k)!.get(m) ?? 0));
    rows.forEach((r, i) => {
      r.revenue[m] = cents[i] / 100;
      r.conversions[m] = milli[i] / 1000;
    });
  }
  rows.sort((a, b) => (b.revenue[sortModel] ?? 0) - (a.revenue[sortModel] ?? 0) || (a.key < b.key ? -1 : 1));
  const report: AttributionReport = {
    report: 'attribution',
    siteId,
    ...reportSpan(p),
    dimension: p.dimension,
    models: res.models,
    lookbackDays: p.lookbackMs / 864e5,
    halfLifeDays: p.halfLifeMs / 864e5,
    directOnlyIfNothingElse: p.directOnlyIfNothingElse,
    channelRules: res.channelRulesVersion,
    totals: { conversions: res.orders.length, goals: res.orders.filter((o) => o.path.conversion.channel === 'goal').length, revenue: totalCents / 100, persons: res.persons },
    ...reportCurrencies(tally),
    rows,
  };
  if (res.models.includes('markov')) {
    report.markov = {
      conversionProbability: res.conversionProbability,
      paths: res.markovPaths,
      convertingPaths: res.markovConversions,
      removalEffects: res.removalEffects,
      totals: Object.fromEntries(Object.entries(res.markovTotals).map(([k, v]) => [k, { conversions: round(v.conversions, 3), revenue: round(v.value, 2) }])),
      fitGap: round(res.markovFitGap, 6),
    };
  }
  if (res.shapleyValues) report.shapley = Object.fromEntries(Object.entries(res.shapleyValues).map(([k, v]) => [k, round(v, 2)]));
  return report;
}

/**
 * Run the attribution report for a site.
 *
 * @example
 * const r = await attributionReport(store, { id: site.id, rules: [] }, parseReportParams({ dimension: 'campaign' }, Date.now()));
 * r.rows[0] // { key: 'spring-sale', conversions: { linear: 12.5, … }, revenue: { linear: 1520.4, … } }
 */
export async function attributionReport(src: ReportSource, site: ReportSite, p: ReportParams): Promise<AttributionReport> {
  const res = await attribute(siteJourneys(src, site, p), engineOptions(p, site));
  return summarise(res, p, site.id, site.exchange);
}
