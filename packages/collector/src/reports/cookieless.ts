/**
 * `cookieless` report: what cookieless mode (PRIVACY.md) measures for visitors who denied
 * consent — page views and daily visitors per day of the site's time zone, in total, and the
 * most viewed paths. Never mixed with the consented (stitched) visitors of the other reports.
 *
 * "Daily visitors" are distinct visitor hashes per day, summed over the days: a hash lives one
 * day of the site's time zone (its salt is forgotten at local midnight), so one person is counted
 * once a day.
 */
import { reportSpan, type ReportParams, type ReportSpan } from './params';
import type { ReportSite, ReportSource } from './source';
import { dayIn, dayStart, nextDay } from './zone';

export interface CookielessReport extends ReportSpan {
  report: 'cookieless';
  siteId: string;
  /** How `dailyVisitors` is counted, for readers of the JSON. */
  visitorsAre: string;
  totals: { pageViews: number; dailyVisitors: number };
  /** Every day of the range in the site's zone (the first and last may be partial when `from`/`to` are not midnights). */
  days: { day: string; pageViews: number; visitors: number }[];
  /** The `limit` most viewed paths (default 20). */
  paths: { path: string; pageViews: number }[];
}

export const VISITORS_ARE = "distinct daily visitor hashes per day, summed over the days (a hash lives one day of the site's time zone: not people)";

/**
 * The days of `[from, to)` in `tz`, each clipped to the range: `[day, from, to]`.
 *
 * @example
 * daySpans(Date.UTC(2026, 10, 1, 23), Date.UTC(2026, 10, 3, 23), 'Europe/Berlin')
 * // [['2026-11-02', …, …], ['2026-11-03', …, …]]
 */
export function daySpans(from: number, to: number, tz: string): [string, number, number][] {
  const out: [string, number, number][] = [];
  for (let d = dayIn(from, tz), start = from; start < to; d = nextDay(d)) {
    const end = Math.min(to, dayStart(nextDay(d), tz));
    if (end > start) out.push([d, start, end]);
    start = end;
  }
  return out;
}

/**
 * @example
 * await cookielessReport(store, reportSite(site), parseReportParams({ from: '2026-11-01', to: '2026-11-30' }, Date.now(), 'Europe/Berlin'))
 */
export async function cookielessReport(src: ReportSource, site: ReportSite, p: ReportParams): Promise<CookielessReport> {
  const spans = daySpans(p.from, p.to, p.timeZone);
  const counts = src.cookieless ? await src.cookieless(site.id, spans.map(([, f, t]) => [f, t] as const), p.limit) : null;
  const days = spans.map(([day], i) => ({ day, pageViews: counts?.days[i].pageViews ?? 0, visitors: counts?.days[i].visitors ?? 0 }));
  const totals = { pageViews: 0, dailyVisitors: 0 };
  for (const d of days) (totals.pageViews += d.pageViews), (totals.dailyVisitors += d.visitors);
  return { report: 'cookieless', siteId: site.id, ...reportSpan(p), visitorsAre: VISITORS_ARE, totals, days, paths: counts?.paths ?? [] };
}
