/**
 * `ropo` report (research online, purchase offline — and the reverse): how many store and
 * phone orders had an online touch before them, how many online orders had an offline one,
 * and how long people research online before buying offline.
 */
import { createClassifier } from '../attribution/channels';
import type { PersonJourney } from '../attribution/journey';
import { personPaths } from '../attribution/paths';
import { journeyQuery } from './attribution';
import { reportSpan, type ReportParams, type ReportSpan } from './params';
import type { ReportSite, ReportSource } from './source';
import { currencyTally, reportCurrencies, type ReportCurrencies } from './currencies';
import { convertJourneys } from './exchange';

/** Touch kinds that happen online (the handoff code is issued on the website). */
const ONLINE_TOUCH = new Set(['session', 'email']);
/** Touch kinds that happen offline (printed QR codes count as offline media). */
const OFFLINE_TOUCH = new Set(['offline', 'qr']);
/** Sales channels that are online; every other non-goal channel (store, phone, b2b, …) is offline. */
export const ONLINE_SALES = new Set(['web', 'app', 'marketplace']);

export interface RopoReport extends ReportSpan, ReportCurrencies {
  report: 'ropo';
  siteId: string;
  lookbackDays: number;
  offlineOrders: { orders: number; revenue: number; withOnlineTouch: number; share: number; revenueWithOnlineTouch: number; medianDaysFromFirstOnlineTouch: number | null };
  onlineOrders: { orders: number; revenue: number; withOfflineTouch: number; share: number; revenueWithOfflineTouch: number };
  /** Offline orders per sales channel (store, phone, …). */
  bySalesChannel: { salesChannel: string; orders: number; revenue: number; withOnlineTouch: number; share: number; medianDaysFromFirstOnlineTouch: number | null }[];
  /** Offline orders preceded by at least one online touch of the channel. */
  byOnlineChannel: { channel: string; offlineOrders: number; revenue: number }[];
  /** Online orders preceded by at least one offline touch of the channel. */
  byOfflineChannel: { channel: string; onlineOrders: number; revenue: number }[];
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const r4 = (x: number) => Math.round(x * 10000) / 10000;

/** Exact median (mean of the two middle values for an even count); null for none. */
export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Compute ROPO figures over a stream of stitched persons (pure; the report runner feeds it).
 *
 * @example
 * const r = await ropo(store.journeys(siteId, range), site, params);
 * r.offlineOrders.share // 0.42 → 42 % of store/phone orders had an online touch first
 */
export async function ropo(journeys: AsyncIterable<PersonJourney> | Iterable<PersonJourney>, site: ReportSite, p: ReportParams): Promise<RopoReport> {
  const classify = createClassifier(site.rules);
  const off = { orders: 0, revenue: 0, withOnlineTouch: 0, revenueWithOnlineTouch: 0 };
  const on = { orders: 0, revenue: 0, withOfflineTouch: 0, revenueWithOfflineTouch: 0 };
  const days: number[] = [];
  const sales = new Map<string, { orders: number; revenue: number; withOnlineTouch: number; days: number[] }>();
  const byOnline = new Map<string, { offlineOrders: number; revenue: number }>();
  const byOffline = new Map<string, { onlineOrders: number; revenue: number }>();
  const tally = currencyTally(site.exchange);
  for await (const j of convertJourneys(journeys, site.exchange) as AsyncIterable<PersonJourney>) {
    const { paths } = personPaths(j, classify, { from: p.from, to: p.to, lookbackMs: p.lookbackMs });
    for (const path of paths) {
      const c = path.conversion;
      // Goal conversions (a sign-up) are not orders: counted here they would be "offline orders"
      // worth 1 each, since their channel is not an online sales channel.
      if (c.channel === 'goal') continue;
      tally.add(c);
      const touches = path.touches.filter((t) => t.rule !== 'implicit');
      const value = c.value;
      if (ONLINE_SALES.has(c.channel)) {
        on.orders++;
        on.revenue += value;
        const offline = touches.filter((t) => OFFLINE_TOUCH.has(t.kind));
        if (offline.length) {
          on.withOfflineTouch++;
          on.revenueWithOfflineTouch += value;
          for (const ch of new Set(offline.map((t) => t.channel))) {
            const e = byOffline.get(ch) ?? { onlineOrders: 0, revenue: 0 };
            e.onlineOrders++;
            e.revenue += value;
            byOffline.set(ch, e);
          }
        }
      } else {
        off.orders++;
        off.revenue += value;
        const s = sales.get(c.channel) ?? { orders: 0, revenue: 0, withOnlineTouch: 0, days: [] };
        s.orders++;
        s.revenue += value;
        sales.set(c.channel, s);
        const online = touches.filter((t) => ONLINE_TOUCH.has(t.kind));
        if (online.length) {
          off.withOnlineTouch++;
          off.revenueWithOnlineTouch += value;
          s.withOnlineTouch++;
          const d = (c.ts - online[0].ts) / 864e5;
          days.push(d);
          s.days.push(d);
          for (const ch of new Set(online.map((t) => t.channel))) {
            const e = byOnline.get(ch) ?? { offlineOrders: 0, revenue: 0 };
            e.offlineOrders++;
            e.revenue += value;
            byOnline.set(ch, e);
          }
        }
      }
    }
  }
  const med = (xs: number[]) => {
    const m = median(xs);
    return m === null ? null : r2(m);
  };
  const byKey = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    report: 'ropo',
    siteId: site.id,
    ...reportSpan(p),
    lookbackDays: p.lookbackMs / 864e5,
    ...reportCurrencies(tally),
    offlineOrders: { ...off, revenue: r2(off.revenue), revenueWithOnlineTouch: r2(off.revenueWithOnlineTouch), share: off.orders ? r4(off.withOnlineTouch / off.orders) : 0, medianDaysFromFirstOnlineTouch: med(days) },
    onlineOrders: { ...on, revenue: r2(on.revenue), revenueWithOfflineTouch: r2(on.revenueWithOfflineTouch), share: on.orders ? r4(on.withOfflineTouch / on.orders) : 0 },
    bySalesChannel: byKey(sales).map(([salesChannel, s]) => ({
      salesChannel,
      orders: s.orders,
      revenue: r2(s.revenue),
      withOnlineTouch: s.withOnlineTouch,
      share: r4(s.withOnlineTouch / s.orders),
      medianDaysFromFirstOnlineTouch: med(s.days),
    })),
    byOnlineChannel: byKey(byOnline).map(([channel, e]) => ({ channel, offlineOrders: e.offlineOrders, revenue: r2(e.revenue) })).sort((a, b) => b.offlineOrders - a.offlineOrders || (a.channel < b.channel ? -1 : 1)),
    byOfflineChannel: byKey(byOffline).map(([channel, e]) => ({ channel, onlineOrders: e.onlineOrders, revenue: r2(e.revenue) })).sort((a, b) => b.onlineOrders - a.onlineOrders || (a.channel < b.channel ? -1 : 1)),
  };
}

/** Run the ROPO report for a site. */
export function ropoReport(src: ReportSource, site: ReportSite, p: ReportParams): Promise<RopoReport> {
  return ropo(src.journeys(site.id, journeyQuery(p)), site, p);
}
