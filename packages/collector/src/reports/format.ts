/**
 * Readable plain-text tables of every report, for the CLI (`omnitrail report <name>`).
 */
import { MODEL_LABELS, type ModelName } from '../attribution/models';
import type { AttributionReport } from './attribution';
import type { ChannelsReport } from './channels';
import type { CookielessReport } from './cookieless';
import type { ExplainReport } from './explain';
import type { ReportCurrencies } from './currencies';
import type { ReportSpan } from './params';
import type { FunnelReport } from './funnel';
import type { JourneysReport } from './journeys';
import type { QrReport, QrRow } from './qr';
import type { RopoReport } from './ropo';
import type { VitalsReport } from './vitals';
import { dayIn, timeIn } from './zone';

type Cell = string | number | null | undefined;

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
  const numeric = head.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] == null));
  const line = (r: string[]) => r.map((c, i) => (numeric[i] ? c.padStart(width[i]) : c.padEnd(width[i]))).join('  ').trimEnd();
  return [line(head), line(width.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

const pct = (x: number | null) => (x == null ? '–' : `${(x * 100).toFixed(1)} %`);
/** The range's first and last day in the site's reporting time zone (`to` is exclusive). */
const range = (r: ReportSpan) => `${dayIn(Date.parse(r.from), r.timeZone)} – ${dayIn(Date.parse(r.to) - 1, r.timeZone)}`;

/** The mixed-currency warning as a line of its own, when the report has one. */
const note = (r: ReportCurrencies) => (r.currencyNotice ? [`Note: ${r.currencyNotice}`] : []);
/** ` (USD)` after a revenue heading when every order had that one currency, else nothing. */
const unit = (r: ReportCurrencies) => (r.currencies.length === 1 && !r.ordersWithoutCurrency ? ` (${r.currencies[0]})` : '');

function attribution(r: AttributionReport): string {
  const labels = r.models.map((m) => MODEL_LABELS[m]);
  const out = [
    `Attribution by ${r.dimension}, ${range(r)} · ${r.totals.conversions} conversions${r.totals.goals ? ` (${r.totals.goals} goals, no revenue)` : ''} · revenue ${r.totals.revenue.toFixed(2)} · ${r.totals.persons} persons · lookback ${r.lookbackDays} d`,
    `Channel rules: ${r.channelRules}`,
    ...(r.currencyNotice ? [`Note: ${r.currencyNotice}`] : []),
    '',
    `Revenue credited${r.currencies.length === 1 && !r.ordersWithoutCurrency ? ` (${r.currencies[0]})` : ''}`,
    table([r.dimension[0].toUpperCase() + r.dimension.slice(1), ...labels], r.rows.map((x) => [x.key, ...r.models.map((m) => x.revenue[m] ?? 0)])),
    '',
    'Conversions credited',
    table([r.dimension[0].toUpperCase() + r.dimension.slice(1), ...labels], r.rows.map((x) => [x.key, ...r.models.map((m) => x.conversions[m] ?? 0)])),
  ];
  if (r.markov) {
    out.push('', `Markov: P(conversion) = ${r.markov.conversionProbability.toFixed(4)} over ${r.markov.paths} paths (${r.markov.convertingPaths} converting); channel totals = total × removal effect / Σ removal effects${r.markov.fitGap > 1e-6 ? `; the rows above split each order's own value and can differ from these totals by up to ${pct(r.markov.fitGap)} of a channel's total` : ''}`);
    out.push(table(['Channel', 'Removal effect', 'Conversions', 'Revenue'], Object.entries(r.markov.removalEffects).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, pct(v), r.markov!.totals[k]?.conversions, r.markov!.totals[k]?.revenue])));
  }
  return out.join('\n');
}

function explain(r: ExplainReport): string {
  const o = r.order;
  return [
    `Order ${o.id} · ${timeIn(Date.parse(o.time), r.timeZone)} · ${o.value.toFixed(2)}${o.currency ? ` ${o.currency}` : ''}${o.exchanged ? ` (${o.exchanged.value.toFixed(2)} ${o.exchanged.currency} at ${o.exchanged.rate})` : ''} · sold via ${o.salesChannel}${o.location ? ` (${o.location})` : ''} · person ${r.personId}`,
    '',
    table(['Time', 'Channel', 'Source / medium', 'Campaign', 'Rule', ...r.models.map((m) => MODEL_LABELS[m])], r.path.map((t) => [timeIn(Date.parse(t.time), r.timeZone), t.channel, `${t.source} / ${t.medium}`, t.campaign || '–', t.rule, ...r.models.map((m) => t.credits[m] ?? 0)])),
    '',
    Object.keys(r.removalEffects).length ? `Markov removal effects: ${Object.entries(r.removalEffects).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}` : '',
  ].join('\n').trimEnd();
}

function ropo(r: RopoReport): string {
  const f = r.offlineOrders;
  const n = r.onlineOrders;
  return [
    `ROPO, ${range(r)} · lookback ${r.lookbackDays} d`,
    ...note(r),
    `Offline orders with an online touch before: ${f.withOnlineTouch} of ${f.orders} (${pct(f.share)}), revenue ${f.revenueWithOnlineTouch.toFixed(2)} of ${f.revenue.toFixed(2)}; median ${f.medianDaysFromFirstOnlineTouch ?? '–'} days from first online touch`,
    `Online orders with an offline touch before: ${n.withOfflineTouch} of ${n.orders} (${pct(n.share)}), revenue ${n.revenueWithOfflineTouch.toFixed(2)} of ${n.revenue.toFixed(2)}`,
    '',
    table(['Sales channel', 'Orders', `Revenue${unit(r)}`, 'With online touch', 'Share', 'Median days'], r.bySalesChannel.map((s) => [s.salesChannel, s.orders, s.revenue, s.withOnlineTouch, pct(s.share), s.medianDaysFromFirstOnlineTouch])),
    '',
    table(['Online channel before offline order', 'Offline orders', `Revenue${unit(r)}`], r.byOnlineChannel.map((s) => [s.channel, s.offlineOrders, s.revenue])),
    '',
    table(['Offline channel before online order', 'Online orders', `Revenue${unit(r)}`], r.byOfflineChannel.map((s) => [s.channel, s.onlineOrders, s.revenue])),
  ].join('\n');
}

function funnel(r: FunnelReport): string {
  const steps = (s: FunnelReport['steps']) => table(['Step', 'Persons', 'Of entered', 'Of previous', 'Drop-off'], s.map((x) => [x.name, x.persons, pct(x.conversion), pct(x.stepConversion), x.dropOff]));
  const out = [`Funnel, ${range(r)} · window ${r.windowDays} d`, '', steps(r.steps)];
  for (const c of r.byChannel) out.push('', `First channel: ${c.channel}`, steps(c.steps));
  return out.join('\n');
}

function journeys(r: JourneysReport): string {
  return [
    `Channel paths, ${range(r)} · ${r.paths} paths, ${r.conversions} converting`,
    ...note(r),
    '',
    table(['Path', 'Journeys', 'Conversions', 'Rate', `Revenue${unit(r)}`], r.rows.map((x) => [x.path.join(' → '), x.journeys, x.conversions, pct(x.conversionRate), x.revenue])),
  ].join('\n');
}

function qr(r: QrReport): string {
  const head = ['Scans', 'Scanners', 'Visits', 'Orders online', 'Orders offline', `Revenue${unit(r)}`, `Credited (${MODEL_LABELS[r.model as ModelName]})${unit(r)}`];
  const nums = (x: QrRow) => [x.scans, x.uniqueScanners, x.visits, x.ordersOnline, x.ordersOffline, x.revenue, x.attributedRevenue];
  return [
    `QR codes, ${range(r)} · orders within ${r.lookbackDays} d after a scan`,
    ...note(r),
    '',
    table(['Campaign', 'Mailing', ...head], r.campaigns.map((c) => [c.campaignName, c.personalised ? 'yes' : 'no', ...nums(c)])),
    '',
    table(['Code', 'Campaign', ...head], r.codes.map((c) => [c.code, c.campaignId, ...nums(c)])),
  ].join('\n');
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
    table(['Rule', 'Channel', 'When'], r.rules.map((x) => [x.id, x.channel, JSON.stringify(x.when)])),
  ].join('\n');
}

function cookieless(r: CookielessReport): string {
  return [
    `Cookieless (no consent), ${range(r)} · ${r.totals.pageViews} page views · ${r.totals.dailyVisitors} daily visitors`,
    `Daily visitors: ${r.visitorsAre}.`,
    '',
    table(['Day', 'Page views', 'Visitors'], r.days.map((d) => [d.day, d.pageViews, d.visitors])),
    ...(r.paths.length ? ['', table(['Path', 'Page views'], r.paths.map((x) => [x.path, x.pageViews]))] : []),
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
  switch (r.report) {
    case 'attribution': return attribution(r as AttributionReport);
    case 'explain': return explain(r as ExplainReport);
    case 'ropo': return ropo(r as RopoReport);
    case 'funnel': return funnel(r as FunnelReport);
    case 'journeys': return journeys(r as JourneysReport);
    case 'qr': return qr(r as QrReport);
    case 'vitals': return vitals(r as VitalsReport);
    case 'channels': return channels(r as ChannelsReport);
    case 'cookieless': return cookieless(r as CookielessReport);
  }
  return JSON.stringify(r, null, 2);
}
