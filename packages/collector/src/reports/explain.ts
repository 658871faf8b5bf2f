/**
 * `explain` report: one order's path of touchpoints and what every model credits to each
 * touch — the answer to "why did Paid Search get 40 € of this sale?".
 */
import { fromMicros } from '../attribution/apportion';
import { attribute } from '../attribution/engine';
import type { Conversion } from '../attribution/journey';
import type { ModelName } from '../attribution/models';
import { converts } from '../attribution/paths';
import { engineOptions, siteJourneys } from './attribution';
import { ReportParamError, type ReportParams } from './params';
import type { ReportSite, ReportSource } from './source';
import { dayIn, dayStart, nextDay, timeIn } from './zone';

export interface ExplainReport {
  report: 'explain';
  siteId: string;
  /** `value`/`currency` in the site's reporting currency when it was converted; `exchanged` then holds the amount as placed and the fixed rate. */
  order: { id: string; time: string; value: number; currency?: string; exchanged?: { currency: string; value: number; rate: number }; salesChannel: string; location?: string };
  personId: string;
  /** The site's reporting time zone: the zone a reader shows the times in. */
  timeZone: string;
  lookbackDays: number;
  models: ModelName[];
  path: {
    time: string;
    kind: string;
    channel: string;
    source: string;
    medium: string;
    campaign: string;
    /** Channel rule that matched: `custom[i]`, `default[i]`, `fallback` or `implicit` (no touch: the sales channel). */
    rule: string;
    messageId: string;
    credits: Partial<Record<ModelName, number>>;
  }[];
  /** Per model, credits per channel. */
  byChannel: Partial<Record<ModelName, Record<string, number>>>;
  /** Markov removal effects of the channels on this path (learned from the whole date range). */
  removalEffects: Record<string, number>;
}

/** The order was not found or does not convert; `status` says which HTTP status fits. */
export class ExplainNotFound extends Error {
  constructor(message: string) {
    super(message);
  }
}

/**
 * Explain one order. Markov needs every path of the range, so the whole range is streamed;
 * only the asked-for order is kept in the answer.
 *
 * @example
 * await explainReport(store, site, { ...params, order: 'B-1001' })
 */
export async function explainReport(src: ReportSource, site: ReportSite, p: ReportParams): Promise<ExplainReport> {
  if (!p.order) throw new ReportParamError('explain needs an order id (?order=… or --order …)');
  if (p.defaultRange && src.getOrder) {
    // No range asked for: the order's own, whenever it was — the lookback before the order's
    // day through the end of that day (the site's days), so Markov learns from the paths around it.
    const found = await src.getOrder(site.id, p.order);
    if (found) {
      const day = dayIn(found.ts, p.timeZone);
      p = { ...p, from: dayStart(day, p.timeZone) - p.lookbackMs, to: dayStart(nextDay(day), p.timeZone) };
    }
  }
  let seen: Conversion | undefined;
  const res = await attribute(siteJourneys(src, site, p), {
    ...engineOptions(p, site),
    onPerson: (_pp, j) => {
      seen ??= j.conversions.find((c) => c.id === p.order);
    },
  });
  const o = res.orders.find((x) => x.path.conversion.id === p.order);
  if (!o) {
    if (seen && !converts(seen)) throw new ExplainNotFound(`order ${p.order} is ${seen.status}: cancelled and fully refunded orders earn no credit`);
    // Days and times in the site's zone, as the range was asked for (not UTC instants).
    const days = `${dayIn(p.from, p.timeZone)} – ${dayIn(p.to - 1, p.timeZone)} (${p.timeZone})`;
    if (seen) throw new ExplainNotFound(`order ${p.order} (${timeIn(seen.ts, p.timeZone)}) is outside the date range ${days}; pass from/to around it`);
    throw new ExplainNotFound(`order ${p.order} not found in the date range ${days}`);
  }
  const c = o.path.conversion;
  const byChannel: Partial<Record<ModelName, Record<string, number>>> = {};
  for (const m of res.models) {
    const acc: Record<string, number> = {};
    o.path.touches.forEach((t, i) => (acc[t.channel] = (acc[t.channel] ?? 0) + o.credits[m]![i]));
    byChannel[m] = Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, fromMicros(v)]));
  }
  const removalEffects: Record<string, number> = {};
  for (const t of o.path.touches) if (t.channel in res.removalEffects) removalEffects[t.channel] = res.removalEffects[t.channel];
  return {
    report: 'explain',
    siteId: site.id,
    order: { id: c.id, time: new Date(c.ts).toISOString(), value: fromMicros(o.valueMicros), currency: c.currency, ...(c.exchanged ? { exchanged: c.exchanged } : {}), salesChannel: c.channel, location: c.location },
    personId: o.path.personId,
    timeZone: p.timeZone,
    lookbackDays: p.lookbackMs / 864e5,
    models: res.models,
    path: o.path.touches.map((t, i) => ({
      time: new Date(t.ts).toISOString(),
      kind: t.kind,
      channel: t.channel,
      source: t.source,
      medium: t.medium,
      campaign: t.campaign,
      rule: t.rule,
      messageId: t.messageId,
      credits: Object.fromEntries(res.models.map((m) => [m, fromMicros(o.credits[m]![i])])),
    })),
    byChannel,
    removalEffects,
  };
}
