/**
 * `journeys` report: the most frequent channel paths (consecutive repeats collapsed, as in
 * the Markov model) with how often they convert.
 */
import { createClassifier } from '../attribution/channels';
import type { PersonJourney } from '../attribution/journey';
import { revenueOf } from '../attribution/engine';
import { personPaths } from '../attribution/paths';
import { journeyQuery } from './attribution';
import { reportSpan, type ReportParams, type ReportSpan } from './params';
import type { ReportSite, ReportSource } from './source';
import { currencyTally, reportCurrencies, type ReportCurrencies } from './currencies';
import { convertJourneys } from './exchange';

export interface JourneysReport extends ReportSpan, ReportCurrencies {
  report: 'journeys';
  siteId: string;
  /** All paths counted (converting + non-converting). */
  paths: number;
  /** Distinct channel paths; `rows` holds the `limit` most frequent of them. */
  distinctPaths: number;
  conversions: number;
  rows: { path: string[]; journeys: number; conversions: number; conversionRate: number; revenue: number }[];
}

/** Collapse consecutive repeats: A A B A → A B A. */
export function collapse(channels: readonly string[]): string[] {
  const out: string[] = [];
  for (const c of channels) if (out[out.length - 1] !== c) out.push(c);
  return out;
}

/**
 * Top channel paths by frequency. A path is what leads to one conversion (within the
 * lookback) or the touches after a person's last conversion that led nowhere (yet).
 *
 * @example
 * (await journeys(stream, site, params)).rows[0] // { path: ['Organic Search', 'Direct'], journeys: 812, conversions: 97, conversionRate: 0.1195, … }
 */
export async function journeys(stream: AsyncIterable<PersonJourney> | Iterable<PersonJourney>, site: ReportSite, p: ReportParams): Promise<JourneysReport> {
  const classify = createClassifier(site.rules);
  const acc = new Map<string, { journeys: number; conversions: number; revenue: number }>();
  let paths = 0;
  let conversions = 0;
  // Currencies of every counted order, not only of the rows shown (`limit`): the total is over all paths.
  const tally = currencyTally(site.exchange);
  const add = (chs: string[], converted: boolean, value: number) => {
    const key = collapse(chs).join('\u0001');
    let e = acc.get(key);
    if (!e) acc.set(key, (e = { journeys: 0, conversions: 0, revenue: 0 }));
    e.journeys++;
    paths++;
    if (converted) {
      e.conversions++;
      e.revenue += value;
      conversions++;
    }
  };
  for await (const j of convertJourneys(stream, site.exchange) as AsyncIterable<PersonJourney>) {
    const pp = personPaths(j, classify, { from: p.from, to: p.to, lookbackMs: p.lookbackMs, directOnlyIfNothingElse: p.directOnlyIfNothingElse });
    // Goal conversions count as conversions but bring no revenue, as in the attribution report.
    for (const path of pp.paths) {
      tally.add(path.conversion);
      add(path.touches.map((t) => t.channel), true, revenueOf(path.conversion));
    }
    if (pp.nonConverting.length) add(pp.nonConverting, false, 0);
  }
  const rows = [...acc.entries()]
    .map(([key, e]) => ({
      path: key.split('\u0001'),
      journeys: e.journeys,
      conversions: e.conversions,
      conversionRate: Math.round((e.conversions / e.journeys) * 10000) / 10000,
      revenue: Math.round(e.revenue * 100) / 100,
    }))
    .sort((a, b) => b.journeys - a.journeys || b.conversions - a.conversions || (a.path.join('>') < b.path.join('>') ? -1 : 1))
    .slice(0, p.limit);
  return { report: 'journeys', siteId: site.id, ...reportSpan(p), ...reportCurrencies(tally), paths, distinctPaths: acc.size, conversions, rows };
}

/** Run the journeys report for a site. */
export function journeysReport(src: ReportSource, site: ReportSite, p: ReportParams): Promise<JourneysReport> {
  return journeys(src.journeys(site.id, journeyQuery(p)), site, p);
}
