/**
 * Readable plain-text tables of every report, for the CLI (`omnitrail report <name>`); the
 * tables themselves are defined once in tables.ts (also the source of the CSV downloads).
 */
import type { AttributionReport } from './attribution';
import type { ChannelsReport } from './channels';
import type { CookielessReport } from './cookieless';
import type { ExplainReport } from './explain';
import type { ReportCurrencies } from './currencies';
import type { ReportSpan } from './params';
import type { FunnelReport } from './funnel';
import type { JourneysReport } from './journeys';
import type { QrReport } from './qr';
import type { RopoReport } from './ropo';
import type { VitalsReport } from './vitals';
import { dayIn, timeIn } from './zone';
import { byReport, funnelChannelTable, reportTables, unit, type Cell, type ReportTable } from './tables';

/**
 * Render rows as an aligned table: text left, numbers right, a rule under the header.
 *
 * @example
 * table(['Channel', 'Revenue'], [['Email', 12.5], ['SMS', 3]]) // Email 12.50, SMS 3.00
 */
export function table(head: string[], rows: Cell[][]): string {
  // A column with any fraction shows two decimals throughout (money columns line up).
  const decimals = head.map((_, i) => rows.some((r) => typeof r[i] === 'number' && !Number.isInteger(r[i])));
  const fmt = (c: Cell, i: number) => (c == null ? '–' : typeof c === 'number' ? (decimals[i] ? c.toFixed(2) : String(c)) : c);
  const cells = rows.map((r) => r.map(fmt));
  const width = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  // A column of numbers (gaps allowed) is right-aligned; one with no number at all is text.
  const numeric = head.map((_, i) => rows.some((r) => typeof r[i] === 'number') && rows.every((r) => typeof r[i] === 'number' || r[i] == null));
  const line = (r: string[]) => r.map((c, i) => (numeric[i] ? c.padStart(width[i]) : c.padEnd(width[i]))).join('  ').trimEnd();
  return [line(head), line(width.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

const pct = (x: number | null) => (x == null ? '–' : `${(x * 100).toFixed(1)} %`);
/** The range's first and last day in the site's reporting time zone (`to` is exclusive). */
const range = (r: ReportSpan) => `${dayIn(Date.parse(r.from), r.timeZone)} – ${dayIn(Date.parse(r.to) - 1, r.timeZone)}`;

/** The mixed-currency warning as a line of its own, when the report has one. */
const note = (r: ReportCurrencies) => (r.currencyNotice ? [`Note: ${r.currencyNotice}`] : []);

/** A report table (tables.ts) as aligned text: fractions as percentages. */
function text(t: ReportTable): string {
  const p = t.pct ?? [];
  return table(t.head, p.length ? t.rows.map((r) => r.map((c, i) => (p.includes(i) && typeof c === 'number' ? pct(c) : c))) : t.rows);
}

/** The report's tables by name. */
const tablesOf = (r: { report: string }) => new Map(reportTables(r).map((t) => [t.name, t]));

function attribution(r: AttributionReport): string {
  const t = tablesOf(r);
  const out = [
    `Attribution by ${r.dimension}, ${range(r)} · ${r.totals.conversions} conversions${r.totals.goals ? ` (${r.totals.goals} goals, no revenue)` : ''} · revenue ${r.totals.revenue.toFixed(2)} · ${r.totals.persons} persons · lookback ${r.lookbackDays} d`,
    `Channel rules: ${r.channelRules}`,
    ...note(r),
    '',
    `Revenue credited${unit(r)}`,
    text(t.get('revenue')!),
    '',
    'Conversions credited',
    text(t.get('conversions')!),
  ];
  if (r.markov) {
    out.push('', `Markov: P(conversion) = ${r.markov.conversionProbability.toFixed(4)} over ${r.markov.paths} paths (${r.markov.convertingPaths} converting); channel totals = total × removal effect / Σ removal effects${r.markov.fitGap > 1e-6 ? `; the rows above split each order's own value and can differ from these totals by up to ${pct(r.markov.fitGap)} of a channel's total` : ''}`);
    out.push(text(t.get('markov')!));
  }
  return out.join('\n');
}

function explain(r: ExplainReport): string {
  const o = r.order;
  return [
    `Order ${o.id} · ${timeIn(Date.parse(o.time), r.timeZone)} · ${o.value.toFixed(2)}${o.currency ? ` ${o.currency}` : ''}${o.exchanged ? ` (${o.exchanged.value.toFixed(2)} ${o.exchanged.currency} at ${o.exchanged.rate})` : ''} · sold via ${o.salesChannel}${o.location ? ` (${o.location})` : ''} · person ${r.personId}`,
    '',
    text(tablesOf(r).get('path')!),
    '',
    Object.keys(r.removalEffects).length ? `Markov removal effects: ${Object.entries(r.removalEffects).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}` : '',
  ].join('\n').trimEnd();
}

function ropo(r: RopoReport): string {
  const f = r.offlineOrders;
  const n = r.onlineOrders;
  const t = tablesOf(r);
  return [
    `ROPO, ${range(r)} · lookback ${r.lookbackDays} d`,
    ...note(r),
    `Offline orders with an online touch before: ${f.withOnlineTouch} of ${f.orders} (${pct(f.share)}), revenue ${f.revenueWithOnlineTouch.toFixed(2)} of ${f.revenue.toFixed(2)}; median ${f.medianDaysFromFirstOnlineTouch ?? '–'} days from first online touch`,
    `Online orders with an offline touch before: ${n.withOfflineTouch} of ${n.orders} (${pct(n.share)}), revenue ${n.revenueWithOfflineTouch.toFixed(2)} of ${n.revenue.toFixed(2)}`,
    '',
    text(t.get('sales-channels')!),
    '',
    text(t.get('online-before-offline')!),
    '',
    text(t.get('offline-before-online')!),
  ].join('\n');
}

function funnel(r: FunnelReport): string {
  const out = [`Funnel, ${range(r)} · window ${r.windowDays} d`, '', text(funnelChannelTable(r.steps))];
  for (const c of r.byChannel) out.push('', `First channel: ${c.channel}`, text(funnelChannelTable(c.steps)));
  return out.join('\n');
}

function journeys(r: JourneysReport): string {
  return [`Channel paths, ${range(r)} · ${r.paths} paths, ${r.conversions} converting`, ...note(r), '', text(tablesOf(r).get('paths')!)].join('\n');
}

function qr(r: QrReport): string {
  const t = tablesOf(r);
  return [`QR codes, ${range(r)} · orders within ${r.lookbackDays} d after a scan`, ...note(r), '', text(t.get('campaigns')!), '', text(t.get('codes')!)].join('\n');
}

function vitals(r: VitalsReport): string {
  const names = ['LCP', 'INP', 'CLS', 'FCP', 'TTFB'];
  return [
    `Web vitals (p75; share good / needs improvement / poor), ${range(r)}`,
    '',
    table(['Path', ...names], r.rows.map((x) => [x.path, ...names.map((n) => {
      const c = x.metrics[n];
      return c ? `${c.p75}${n === 'CLS' ? '' : ' ms'} (${Math.round(c.good * 100)}/${Math.round(c.needsImprovement * 100)}/${Math.round(c.poor * 100)} %, n=${c.samples})` : '–';
    })])),
  ].join('\n');
}

function channels(r: ChannelsReport): string {
  return [
    `Channel rules (first match wins): ${r.version}`,
    '',
    text(tablesOf(r).get('rules')!),
  ].join('\n');
}

function cookieless(r: CookielessReport): string {
  return [
    `Cookieless (no consent), ${range(r)} · ${r.totals.pageViews} page views · ${r.totals.dailyVisitors} daily visitors`,
    `Daily visitors: ${r.visitorsAre}.`,
    '',
    text(tablesOf(r).get('days')!),
    ...(r.paths.length ? ['', text(tablesOf(r).get('paths')!)] : []),
  ].join('\n');
}

/**
 * Render any report as readable text; days and times in the report's `timeZone` (the site's
 * reporting time zone).
 *
 * @example
 * console.log(formatReport(await runReport('ropo', store, site, params)));
 */
export function formatReport(r: { report: string }): string {
  return byReport(r, { attribution, explain, ropo, funnel, journeys, qr, vitals, channels, cookieless }, () => JSON.stringify(r, null, 2));
}
