/**
 * What reports read from storage: stitched persons (`journeys`, implemented with the
 * identity graph) and raw `Web Vitals` samples (`webVitals`, `store/sqlite/reports.ts`).
 * Bots are excluded by both.
 */
import type { PersonJourney } from '../attribution/journey';
import type { ChannelRule } from '../attribution/rules';
import type { CookielessCounts, VitalsSample } from '../store/reports';
import type { Exchange } from './exchange';

export interface ReportSource {
  /**
   * Stitched persons with touches in [from − lookback, to) or conversions in [from, to)
   * (the identity module's `store.journeys`; `events` fills `PersonJourney.events` for
   * funnels, `goals` adds goal conversions).
   */
  journeys(siteId: string, opts: { from: number; to: number; lookbackMs: number; events?: boolean; goals?: string[] }): AsyncIterable<PersonJourney>;
  /** An order by id (`explain` without a date range looks its time up; stores without it keep the default range). */
  getOrder?(siteId: string, orderId: string): Promise<{ ts: number } | null>;
  /** `Web Vitals` track events in [from, to), bots excluded, page by page. */
  webVitals(siteId: string, range: { from: number; to: number }): AsyncIterable<VitalsSample[]>;
  /** Cookieless page views and visitor hashes per span (`store/sqlite/cookieless-views.ts`); without it the report is all zeros. */
  cookieless?(siteId: string, spans: readonly (readonly [from: number, to: number])[], topPaths: number): Promise<CookielessCounts>;
}

/** The site a report runs for: id and its custom channel rules. */
export interface ReportSite {
  id: string;
  rules: ChannelRule[];
  /** Where `rules` came from, as report headers name it (default 'site rules'; the CLI's `--rules` file name). */
  rulesSource?: string;
  /** The site's reporting currency and fixed rates (`settings.currency`, `settings.exchangeRates`): reports convert orders with them. */
  exchange?: Exchange | null;
}
