/**
 * `funnel` report: ordered steps of any events within a window, per stitched person —
 * counts, conversion and drop-off per step, overall and split by the channel that brought
 * the person (first touch within the lookback before entering the funnel).
 *
 * A step named `Order Completed` also matches orders of every sales channel (a web visitor
 * who buys in the store completes the funnel).
 */
import { createClassifier } from '../attribution/channels';
import { converts } from '../attribution/paths';
import type { PersonJourney } from '../attribution/journey';
import { journeyQuery } from './attribution';
import { ReportParamError, reportSpan, type ReportParams, type ReportSpan } from './params';
import type { ReportSite, ReportSource } from './source';

export interface FunnelStep {
  name: string;
  /** Persons who reached this step (in order, within the window). */
  persons: number;
  /** Share of the persons who entered the funnel (step 1). */
  conversion: number;
  /** Share of the previous step's persons who made it here. */
  stepConversion: number;
  /** Persons lost since the previous step. */
  dropOff: number;
}

export interface FunnelReport extends ReportSpan {
  report: 'funnel';
  siteId: string;
  windowDays: number;
  steps: FunnelStep[];
  /** The same funnel per first channel. */
  byChannel: { channel: string; steps: FunnelStep[] }[];
}

const ORDER = 'Order Completed';

/** The funnel's steps: `steps=` of the request, else the shop funnel; 2 to 20 of them. */
function stepsOf(p: ReportParams): string[] {
  const steps = p.steps.length ? p.steps : ['Product Viewed', 'Product Added', 'Checkout Started', ORDER];
  if (steps.length < 2 || steps.length > 20) throw new ReportParamError('a funnel has 2 to 20 steps (steps=A,B,C)');
  return steps;
}

/**
 * Deepest step a person reached: for every entry (an occurrence of step 1 in range), walk the
 * later steps in order within the window; keep the best entry. O(events · steps).
 *
 * @example
 * deepestStep([{ name: 'A', ts: 1 }, { name: 'B', ts: 2 }], ['A', 'B', 'C'], 10, 0, 100) // { depth: 2, entry: 1 }
 */
export function deepestStep(events: readonly { name: string; ts: number }[], steps: readonly string[], windowMs: number, from: number, to: number): { depth: number; entry: number } {
  let best = { depth: 0, entry: NaN };
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.name !== steps[0] || e.ts < from || e.ts >= to) continue;
    let depth = 1;
    for (let k = i + 1; k < events.length && depth < steps.length; k++) {
      const f = events[k];
      if (f.ts - e.ts > windowMs) break;
      if (f.name === steps[depth]) depth++;
    }
    if (depth > best.depth) best = { depth, entry: e.ts };
    if (depth === steps.length) break;
  }
  return best;
}

function toSteps(names: readonly string[], counts: number[]): FunnelStep[] {
  const r4 = (x: number) => Math.round(x * 10000) / 10000;
  return names.map((name, i) => ({
    name,
    persons: counts[i],
    conversion: counts[0] ? r4(counts[i] / counts[0]) : 0,
    stepConversion: i === 0 ? 1 : counts[i - 1] ? r4(counts[i] / counts[i - 1]) : 0,
    dropOff: i === 0 ? 0 : counts[i - 1] - counts[i],
  }));
}

/**
 * Compute a funnel over stitched persons (pure; needs `journey.events`).
 *
 * @example
 * await funnel(journeys, site, { ...params, steps: ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'] })
 */
export async function funnel(journeys: AsyncIterable<PersonJourney> | Iterable<PersonJourney>, site: ReportSite, p: ReportParams): Promise<FunnelReport> {
  const steps = stepsOf(p);
  const classify = createClassifier(site.rules);
  const total = new Array<number>(steps.length).fill(0);
  const byChannel = new Map<string, number[]>();
  const wantsOrders = steps.includes(ORDER);
  for await (const j of journeys as AsyncIterable<PersonJourney>) {
    let events = j.events ?? [];
    if (wantsOrders) {
      // Orders of any channel complete an `Order Completed` step; a web order that is also an
      // event appears twice at the same time, which cannot change the deepest step. A web
      // order cancelled or fully refunded since is no order any more: its `Order Completed`
      // event (at the order's time) no longer completes the step, as a cancelled store
      // order never did.
      const gone = new Set(j.conversions.filter((c) => c.channel !== 'goal' && !converts(c)).map((c) => c.ts));
      for (const c of j.conversions) if (converts(c)) gone.delete(c.ts);
      if (gone.size) events = events.filter((e) => e.name !== ORDER || !gone.has(e.ts));
      const orders = j.conversions.filter(converts).map((c) => ({ name: ORDER, ts: c.ts }));
      if (orders.length) events = [...events, ...orders];
    }
    if (events.length === 0) continue;
    events = [...events].sort((a, b) => a.ts - b.ts || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const { depth, entry } = deepestStep(events, steps, p.windowMs, p.from, p.to);
    if (depth === 0) continue;
    // The person's first touch in the lookback before entering; (time, id) order so the
    // answer does not depend on storage order.
    let first: PersonJourney['touches'][number] | undefined;
    for (const t of j.touches) {
      if (t.ts > entry || t.ts < entry - p.lookbackMs) continue;
      if (!first || t.ts < first.ts || (t.ts === first.ts && t.messageId < first.messageId)) first = t;
    }
    const channel = first ? classify(first).channel : '(none)';
    let c = byChannel.get(channel);
    if (!c) byChannel.set(channel, (c = new Array<number>(steps.length).fill(0)));
    for (let k = 0; k < depth; k++) {
      total[k]++;
      c[k]++;
    }
  }
  return {
    report: 'funnel',
    siteId: site.id,
    ...reportSpan(p),
    windowDays: p.windowMs / 864e5,
    steps: toSteps(steps, total),
    byChannel: [...byChannel.entries()]
      .sort(([a, x], [b, y]) => y[0] - x[0] || (a < b ? -1 : 1))
      .map(([channel, counts]) => ({ channel, steps: toSteps(steps, counts) })),
  };
}

/** Run the funnel report for a site. */
export function funnelReport(src: ReportSource, site: ReportSite, p: ReportParams): Promise<FunnelReport> {
  // Only the steps' events: other events cannot move a person through the funnel (most of a
  // shop's track events are web vitals), and the store then holds far fewer of them.
  const eventNames = stepsOf(p);
  return funnel(src.journeys(site.id, journeyQuery(p, { events: true, eventNames, to: p.to + p.windowMs })), site, p);
}
