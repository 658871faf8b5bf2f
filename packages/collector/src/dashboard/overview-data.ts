/**
 * The overview's numbers, computed in one pass over the stitched persons
 * (`store.journeys`), so the overview and the attribution reports count the same people,
 * the same sessions and the same orders.
 */
import type { PersonJourney } from '../attribution/journey';
import type { Classifier } from '../attribution/channels';
import { converts } from '../attribution/paths';
import { currencyTally } from '../reports/currencies';
import { convert, type Exchange } from '../reports/exchange';

/** Per-day figures for the overview page. */
export interface Overview {
  days: string[];
  /** Distinct stitched persons with at least one web session that day. */
  visitors: number[];
  /** Web sessions per day, per marketing channel of the session's source. */
  sessionsByChannel: Map<string, number[]>;
  /** Orders per day per sales channel (web, store, phone, …); cancelled and fully refunded excluded, partly refunded ones with what remains. */
  ordersByChannel: Map<string, number[]>;
  revenueByChannel: Map<string, number[]>;
  totals: { visitors: number; sessions: number; orders: number; revenue: number; qrScans: number; offlineTouches: number };
  /** Every currency of the range's orders after the site's fixed-rate conversion, most frequent first: revenue adds these amounts. */
  currencies: string[];
  /** Orders of the range without a currency. */
  withoutCurrency: number;
  /** What to say beside the revenue: mixed currencies, or orders converted at the site's fixed rates (reports/currencies.ts). */
  currencyNotice: string | null;
}

function bump(m: Map<string, number[]>, key: string, i: number, n: number, by: number) {
  let a = m.get(key);
  if (!a) m.set(key, (a = new Array<number>(n).fill(0)));
  a[i] += by;
}

/** The day of `ts` among `starts` (day starts, then the range's end), by binary search: days may last 23 or 25 hours. */
function dayIndex(starts: number[], ts: number): number {
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= ts) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * One pass over the persons of a range: visitors, sessions by channel, orders and revenue
 * by sales channel, per day of the range (the site's time zone: `range.starts`). Touches
 * outside the range (the lookback part of a journey) are ignored.
 *
 * @example
 * const range = parseRange(query, Date.now(), 'Europe/Berlin');
 * const o = await computeOverview(store.journeys(site.id, { from: range.from, to: range.to, lookbackMs: 0 }), range, createClassifier());
 * o.totals.revenue // e.g. 12345.5
 */
export async function computeOverview(
  persons: AsyncIterable<PersonJourney> | Iterable<PersonJourney>,
  range: { days: string[]; starts: number[] },
  classify: Classifier,
  exchange: Exchange | null = null,
): Promise<Overview> {
  const { days, starts } = range;
  const n = days.length;
  const from = starts[0];
  const to = starts[n];
  const visitors = new Array<number>(n).fill(0);
  const sessionsByChannel = new Map<string, number[]>();
  const ordersByChannel = new Map<string, number[]>();
  const revenueByChannel = new Map<string, number[]>();
  const totals = { visitors: 0, sessions: 0, orders: 0, revenue: 0, qrScans: 0, offlineTouches: 0 };
  const currencies = currencyTally(exchange);
  for await (const p of persons) {
    const seenDays = new Set<number>();
    for (const t of p.touches) {
      if (t.ts < from || t.ts >= to) continue;
      const i = dayIndex(starts, t.ts);
      if (t.kind === 'session') {
        bump(sessionsByChannel, classify(t).channel, i, n, 1);
        totals.sessions++;
        seenDays.add(i);
      } else if (t.kind === 'qr') totals.qrScans++;
      else if (t.kind === 'offline') totals.offlineTouches++;
    }
    for (const i of seenDays) visitors[i]++;
    if (seenDays.size) totals.visitors++;
    for (const raw of p.conversions) {
      // A partly refunded order counts with what remains, as in every report (paths.ts, converts).
      if (raw.ts < from || raw.ts >= to || !converts(raw) || raw.channel === 'goal') continue;
      const c = exchange ? convert(raw, exchange) : raw;
      const i = dayIndex(starts, c.ts);
      bump(ordersByChannel, c.channel, i, n, 1);
      bump(revenueByChannel, c.channel, i, n, c.value);
      totals.orders++;
      totals.revenue += c.value;
      currencies.add(c);
    }
  }
  const byCount = currencies.currencies();
  return { days, visitors, sessionsByChannel, ordersByChannel, revenueByChannel, totals, currencies: byCount, withoutCurrency: currencies.withoutCurrency(), currencyNotice: currencies.notice() };
}

/**
 * Series sorted by total, largest first, the tail folded into "Other" so legends stay readable.
 * `rankBy` ranks by another map's totals instead: two charts of the same keys (orders and revenue
 * by sales channel) then give each key the same place, so the same colour.
 *
 * @example
 * topSeries(o.revenueByChannel, 6, o.ordersByChannel) // Store keeps the colour it has in the orders chart
 */
export function topSeries(m: Map<string, number[]>, keep = 6, rankBy: Map<string, number[]> = m): { name: string; values: number[] }[] {
  const total = (v: number[] | undefined) => (v ?? []).reduce((a, b) => a + b, 0);
  const all = [...m.entries()].map(([name, values]) => ({ name, values, sum: total(rankBy.get(name)) })).sort((a, b) => b.sum - a.sum || a.name.localeCompare(b.name));
  if (all.length <= keep) return all.map(({ name, values }) => ({ name, values }));
  const head = all.slice(0, keep - 1);
  const other = all.slice(keep - 1).reduce((acc, s) => acc.map((v, i) => v + s.values[i]), new Array<number>(all[0].values.length).fill(0));
  return [...head.map(({ name, values }) => ({ name, values })), { name: 'Other', values: other }];
}
