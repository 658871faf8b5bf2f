/**
 * Shared plumbing of the report pages: the dashboard's filter form values become the same
 * `ReportParams` the JSON API and the CLI use, and the store becomes a `ReportSource`.
 */
import type { Context } from 'hono';
import { parseChannelRules, type ChannelRule } from '../attribution/rules';
import { parseReportParams, ReportParamError, type ReportParams } from '../reports/params';
import type { ReportSite, ReportSource } from '../reports/source';
import { siteTimeZone } from '../reports/zone';
import { siteExchange } from '../reports/exchange';
import type { Site, Store } from '../store/types';
import type { DashEnv } from './index';
import { parseRange, type Range } from './range';

/**
 * The site's custom channel rules; invalid JSON rules are ignored here (the settings API validates them).
 *
 * @example
 * const site: ReportSite = { id: s.id, rules: siteRules(s) };
 */
export function siteRules(site: Site): ChannelRule[] {
  try {
    return site.settings?.channelRules ? parseChannelRules(site.settings.channelRules) : [];
  } catch {
    return [];
  }
}

/**
 * The store as a report source, or null while `journeys`/`webVitals` are missing.
 *
 * @example
 * const src = reportSource(store); if (src) await ropoReport(src, site, params);
 */
export function reportSource(store: Store): ReportSource | null {
  const s = store as unknown as Partial<ReportSource>;
  if (typeof s.journeys !== 'function' || typeof s.webVitals !== 'function') return null;
  // getOrder lets an explanation without a range find an order of any date (explain.ts).
  return { journeys: s.journeys.bind(store), webVitals: s.webVitals.bind(store), ...(typeof s.getOrder === 'function' ? { getOrder: s.getOrder.bind(store) } : {}) };
}

/** Everything a report page needs; `error` is a parameter problem to show next to the form. */
export interface ReportCtx {
  range: Range;
  params: ReportParams | null;
  error: string | null;
  site: ReportSite | null;
  src: ReportSource | null;
  query: Record<string, string>;
  /** The page-specific report parameters the page passed (they go into its CSV links). */
  extra: Record<string, string>;
}

/**
 * Parse the page's query into report parameters (`extra` adds page-specific ones, e.g. steps).
 *
 * @example
 * const r = reportCtx(c, { dimension: c.req.query('dimension') });
 */
export function reportCtx(c: Context<DashEnv>, extra: Record<string, string | undefined> = {}): ReportCtx {
  const p = c.get('page');
  const query = c.req.query();
  const range = parseRange(query, Date.now(), siteTimeZone(p.site?.settings));
  let params: ReportParams | null = null;
  let error: string | null = null;
  try {
    params = parseReportParams({ ...extra, from: range.fromStr, to: range.toStr }, Date.now(), range.tz);
  } catch (e) {
    if (!(e instanceof ReportParamError)) throw e;
    error = e.message;
  }
  return {
    range,
    params,
    error,
    site: p.site ? { id: p.site.id, rules: siteRules(p.site), exchange: siteExchange(p.site.settings) } : null,
    src: reportSource(p.store),
    query,
    extra: Object.fromEntries(Object.entries(extra).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')),
  };
}

/**
 * The link to one of the page's report tables as a CSV download (`/dashboard/csv/<report>`),
 * with the page's range and parameters.
 *
 * @example
 * <a href={csvHref(r, 'ropo', 'sales-channels')}>Download CSV</a>
 */
export function csvHref(r: ReportCtx, report: string, table: string): string {
  const q = new URLSearchParams({ ...r.extra, ...(r.site ? { site: r.site.id } : {}), from: r.range.fromStr, to: r.range.toStr, table });
  return `/dashboard/csv/${report}?${q}`;
}
