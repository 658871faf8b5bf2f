/**
 * The report registry: one runner per report name, shared by the JSON API
 * (`GET /v1/reports/<name>`), the CLI (`omnitrail report <name>`) and the dashboard.
 */
import { parseChannelRules } from '../attribution/rules';
import { siteExchange } from './exchange';
import { attributionReport } from './attribution';
import { channelsReport } from './channels';
import { cookielessReport } from './cookieless';
import { explainReport } from './explain';
import { funnelReport } from './funnel';
import { journeysReport } from './journeys';
import type { ReportParams } from './params';
import { qrReport } from './qr';
import { ropoReport } from './ropo';
import type { ReportSite, ReportSource } from './source';
import { vitalsReport } from './vitals';

export { parseReportParams, ReportParamError, type ReportParams, type Dimension } from './params';
export { ExplainNotFound } from './explain';
export { formatReport } from './format';
export type { ReportSite, ReportSource } from './source';

export const REPORTS = {
  attribution: attributionReport,
  explain: explainReport,
  ropo: ropoReport,
  funnel: funnelReport,
  journeys: journeysReport,
  qr: qrReport,
  vitals: vitalsReport,
  channels: channelsReport,
  cookieless: cookielessReport,
} as const;

export type ReportName = keyof typeof REPORTS;
export type Report = Awaited<ReturnType<(typeof REPORTS)[ReportName]>>;

/** True for a known report name. */
export function isReportName(name: string): name is ReportName {
  return Object.prototype.hasOwnProperty.call(REPORTS, name);
}

/**
 * The report view of a site: its id, its custom channel rules (`settings.channelRules`,
 * validated; invalid rules throw `RuleError` naming the rule) and its fixed exchange rates.
 *
 * @example
 * reportSite({ id: 's1', settings: { channelRules: [{ channel: 'Partners', when: { source: 'partner' } }] } })
 */
export function reportSite(site: { id: string; settings?: Record<string, unknown> }): ReportSite {
  return { id: site.id, rules: parseChannelRules(site.settings?.channelRules), exchange: siteExchange(site.settings) };
}

/**
 * Run a report by name.
 *
 * @example
 * const report = await runReport('attribution', store, reportSite(site), parseReportParams({}, Date.now()));
 */
export function runReport(name: ReportName, src: ReportSource, site: ReportSite, p: ReportParams): Promise<Report> {
  return REPORTS[name](src, site, p);
}
