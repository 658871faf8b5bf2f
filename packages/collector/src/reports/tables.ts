/**
 * The tables of every report, defined once: the CLI prints them as aligned text (format.ts) and
 * the API, the CLI's `--csv` and the dashboard's download links give each one as CSV.
 */
import { MODEL_LABELS, type ModelName } from '../attribution/models';
import type { AttributionReport } from './attribution';
import type { ChannelsReport } from './channels';
import type { CookielessReport } from './cookieless';
import type { ExplainReport } from './explain';
import type { ReportCurrencies } from './currencies';
import type { FunnelReport } from './funnel';
import type { JourneysReport } from './journeys';
import type { QrReport, QrRow } from './qr';
import type { RopoReport } from './ropo';
import type { VitalsReport } from './vitals';
import { timeIn } from './zone';

/** A table cell: text, a number, or nothing (printed `–`, an empty CSV field). */
export type Cell = string | number | null | undefined;

/** One table of a report. Columns listed in `pct` hold fractions (0.123): text prints "12.3 %", CSV the fraction. */
export interface ReportTable {
  /** Stable name, for `?table=` / `--table` (e.g. `sales-channels`). */
  name: string;
  head: string[];
  rows: Cell[][];
  /** Indexes of the columns that hold fractions. */
  pct?: number[];
}

/** ` (USD)` after a revenue heading when every order had that one currency, else nothing. */
export const unit = (r: ReportCurrencies) => (r.currencies.length === 1 && !r.ordersWithoutCurrency ? ` (${r.currencies[0]})` : '');

const cap = (s: string) => s[0].toUpperCase() + s.slice(1);

function attribution(r: AttributionReport): ReportTable[] {
  const head = [cap(r.dimension), ...r.models.map((m) => MODEL_LABELS[m])];
  const out: ReportTable[] = [
    { name: 'revenue', head, rows: r.rows.map((x) => [x.key, ...r.models.map((m) => x.revenue[m] ?? 0)]) },
    { name: 'conversions', head, rows: r.rows.map((x) => [x.key, ...r.models.map((m) => x.conversions[m] ?? 0)]) },
  ];
  if (r.markov) {
    const m = r.markov;
    const rows = Object.entries(m.removalEffects)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, v, m.totals[k]?.conversions, m.totals[k]?.revenue]);
    out.push({ name: 'markov', head: ['Channel', 'Removal effect', 'Conversions', 'Revenue'], rows, pct: [1] });
  }
  return out;
}

function explain(r: ExplainReport): ReportTable[] {
  const head = ['Time', 'Channel', 'Source / medium', 'Campaign', 'Rule', ...r.models.map((m) => MODEL_LABELS[m])];
  const rows = r.path.map((t) => [timeIn(Date.parse(t.time), r.timeZone), t.channel, `${t.source} / ${t.medium}`, t.campaign || null, t.rule, ...r.models.map((m) => t.credits[m] ?? 0)]);
  return [{ name: 'path', head, rows }];
}

function ropo(r: RopoReport): ReportTable[] {
  const rev = `Revenue${unit(r)}`;
  return [
    {
      name: 'sales-channels',
      head: ['Sales channel', 'Orders', rev, 'With online touch', 'Share', 'Median days'],
      rows: r.bySalesChannel.map((s) => [s.salesChannel, s.orders, s.revenue, s.withOnlineTouch, s.share, s.medianDaysFromFirstOnlineTouch]),
      pct: [4],
    },
    { name: 'online-before-offline', head: ['Online channel before offline order', 'Offline orders', rev], rows: r.byOnlineChannel.map((s) => [s.channel, s.offlineOrders, s.revenue]) },
    { name: 'offline-before-online', head: ['Offline channel before online order', 'Online orders', rev], rows: r.byOfflineChannel.map((s) => [s.channel, s.onlineOrders, s.revenue]) },
  ];
}

const STEP_HEAD = ['Step', 'Persons', 'Of entered', 'Of previous', 'Drop-off'];
const stepRows = (s: FunnelReport['steps']): Cell[][] => s.map((x) => [x.name, x.persons, x.conversion, x.stepConversion, x.dropOff]);

/** The funnel's steps; `funnelChannelTables` gives them per first channel as the text prints them. */
function funnel(r: FunnelReport): ReportTable[] {
  return [
    { name: 'steps', head: STEP_HEAD, rows: stepRows(r.steps), pct: [2, 3] },
    { name: 'steps-by-channel', head: ['First channel', ...STEP_HEAD], rows: r.byChannel.flatMap((c) => stepRows(c.steps).map((row) => [c.channel, ...row])), pct: [3, 4] },
  ];
}

/** The funnel's steps of one first channel, as a table of their own (the CLI's text). */
export function funnelChannelTable(steps: FunnelReport['steps']): ReportTable {
  return { name: 'steps', head: STEP_HEAD, rows: stepRows(steps), pct: [2, 3] };
}

function journeys(r: JourneysReport): ReportTable[] {
  return [
    {
      name: 'paths',
      head: ['Path', 'Journeys', 'Conversions', 'Rate', `Revenue${unit(r)}`],
      rows: r.rows.map((x) => [x.path.join(' → '), x.journeys, x.conversions, x.conversionRate, x.revenue]),
      pct: [3],
    },
  ];
}

function qr(r: QrReport): ReportTable[] {
  const head = ['Scans', 'Scanners', 'Visits', 'Orders online', 'Orders offline', `Revenue${unit(r)}`, `Credited (${MODEL_LABELS[r.model as ModelName]})${unit(r)}`];
  const nums = (x: QrRow) => [x.scans, x.uniqueScanners, x.visits, x.ordersOnline, x.ordersOffline, x.revenue, x.attributedRevenue];
  return [
    { name: 'campaigns', head: ['Campaign', 'Mailing', ...head], rows: r.campaigns.map((c) => [c.campaignName, c.personalised ? 'yes' : 'no', ...nums(c)]) },
    { name: 'codes', head: ['Code', 'Campaign', ...head], rows: r.codes.map((c) => [c.code, c.campaignId, ...nums(c)]) },
  ];
}

/** Web vitals as numbers, five columns per metric (the text packs each metric into one cell instead). */
function vitals(r: VitalsReport): ReportTable[] {
  const names = ['LCP', 'INP', 'CLS', 'FCP', 'TTFB'];
  const head = ['Path', ...names.flatMap((n) => [`${n} p75${n === 'CLS' ? '' : ' (ms)'}`, `${n} good`, `${n} needs improvement`, `${n} poor`, `${n} samples`])];
  const rows = r.rows.map((x) => [
    x.path,
    ...names.flatMap((n) => {
      const c = x.metrics[n];
      return c ? [c.p75, c.good, c.needsImprovement, c.poor, c.samples] : [null, null, null, null, 0];
    }),
  ]);
  return [{ name: 'paths', head, rows, pct: names.flatMap((_, i) => [2 + i * 5, 3 + i * 5, 4 + i * 5]) }];
}

function channels(r: ChannelsReport): ReportTable[] {
  return [{ name: 'rules', head: ['Rule', 'Channel', 'When'], rows: r.rules.map((x) => [x.id, x.channel, JSON.stringify(x.when)]) }];
}

function cookieless(r: CookielessReport): ReportTable[] {
  return [
    { name: 'days', head: ['Day', 'Page views', 'Visitors'], rows: r.days.map((d) => [d.day, d.pageViews, d.visitors]) },
    { name: 'paths', head: ['Path', 'Page views'], rows: r.paths.map((x) => [x.path, x.pageViews]) },
  ];
}

/**
 * A function per report name, called with the report of that name (the one dispatch the text
 * and CSV renderers share); `fallback` for a name it does not know.
 *
 * @example
 * byReport(r, { ropo: (x) => x.offlineOrders.share }, () => null)
 */
export function byReport<T>(r: { report: string }, fns: Partial<{ [K in keyof ReportsByName]: (r: ReportsByName[K]) => T }>, fallback: () => T): T {
  const f = (fns as Record<string, ((x: unknown) => T) | undefined>)[r.report];
  return f ? f(r) : fallback();
}

/** Each report's JSON type by its name. */
export interface ReportsByName {
  attribution: AttributionReport;
  explain: ExplainReport;
  ropo: RopoReport;
  funnel: FunnelReport;
  journeys: JourneysReport;
  qr: QrReport;
  vitals: VitalsReport;
  channels: ChannelsReport;
  cookieless: CookielessReport;
}

/**
 * Every table of a report, in the order the CLI prints them.
 *
 * @example
 * reportTables(ropoReport).map((t) => t.name) // ['sales-channels', 'online-before-offline', 'offline-before-online']
 */
export function reportTables(r: { report: string }): ReportTable[] {
  return byReport(r, { attribution, explain, ropo, funnel, journeys, qr, vitals, channels, cookieless }, () => []);
}

/** The table names of each report (the first is the default CSV). */
export const TABLE_NAMES: Record<string, readonly string[]> = {
  attribution: ['revenue', 'conversions', 'markov'],
  explain: ['path'],
  ropo: ['sales-channels', 'online-before-offline', 'offline-before-online'],
  funnel: ['steps', 'steps-by-channel'],
  journeys: ['paths'],
  qr: ['campaigns', 'codes'],
  vitals: ['paths'],
  channels: ['rules'],
  cookieless: ['days', 'paths'],
};

/** A CSV field: quoted when it must be; text that a spreadsheet would run as a formula is defused with a leading `'`. */
function field(c: Cell): string {
  if (c == null) return '';
  if (typeof c === 'number') return Number.isFinite(c) ? String(c) : '';
  // Campaign names, paths and UTM values come from anyone holding the write key (CSV injection, OWASP).
  const s = /^[=+\-@\t\r]/.test(c) ? `'${c}` : c;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * One table as CSV (RFC 4180: comma, CRLF, a header row). Fractions stay fractions (0.123), money
 * stays unrounded to the report's own precision, and an empty cell means "none".
 *
 * @example
 * tableCsv({ name: 'paths', head: ['Path', 'Journeys'], rows: [['Email → Direct', 12]] }) // 'Path,Journeys\r\nEmail → Direct,12\r\n'
 */
export function tableCsv(t: ReportTable): string {
  return [t.head, ...t.rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

/** A table name a report does not have; the message lists the ones it has. */
export class UnknownTableError extends Error {}

/**
 * The CSV of one of a report's tables (`table`: its name; default the first).
 *
 * @example
 * reportCsv(await runReport('ropo', src, site, params), 'sales-channels')
 */
export function reportCsv(r: { report: string }, table?: string): string {
  const tables = reportTables(r);
  const names = TABLE_NAMES[r.report] ?? [];
  const name = table ?? names[0];
  const t = tables.find((x) => x.name === name);
  if (!t) {
    // The Markov table exists only when the Markov model was asked for.
    const why = names.includes(name!) ? 'with these parameters (markov needs the Markov model among the models)' : `(tables: ${names.join(', ')})`;
    throw new UnknownTableError(`report ${r.report} has no table "${name}" ${why}`);
  }
  return tableCsv(t);
}
