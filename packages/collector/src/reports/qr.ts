/**
 * `qr` report: per QR campaign and per code — scans, unique scanners, landing visits,
 * orders after a scan (online and offline) with their revenue, and the revenue the chosen
 * attribution model credits to the scans.
 */
import { fromMicros } from '../attribution/apportion';
import { attribute } from '../attribution/engine';
import type { PersonJourney } from '../attribution/journey';
import type { ModelName } from '../attribution/models';
import { converts, type PersonPaths } from '../attribution/paths';
import { engineOptions, journeyQuery } from './attribution';
import { reportSpan, type ReportParams, type ReportSpan } from './params';
import { ONLINE_SALES } from './ropo';
import type { ReportSite, ReportSource } from './source';
import { currencyTally, reportCurrencies, type ReportCurrencies } from './currencies';
import { convertJourneys } from './exchange';

/** A landing session this soon after a scan is the scan's visit (the redirect lands at once; allow slow phones). */
export const VISIT_WINDOW_MS = 60 * 60 * 1000;

export interface QrRow {
  scans: number;
  uniqueScanners: number;
  visits: number;
  ordersOnline: number;
  ordersOffline: number;
  /** Revenue of orders by scanners after their scan, within the lookback. */
  revenue: number;
  /** Revenue the model credits to the scans themselves. */
  attributedRevenue: number;
}

export interface QrReport extends ReportSpan, ReportCurrencies {
  report: 'qr';
  siteId: string;
  model: ModelName;
  lookbackDays: number;
  campaigns: ({ campaignId: string; campaignName: string; personalised: boolean } & QrRow)[];
  codes: ({ code: string; campaignId: string; personalised: boolean } & QrRow)[];
}

const empty = (): QrRow & { micros: number; attributedMicros: number } => ({ scans: 0, uniqueScanners: 0, visits: 0, ordersOnline: 0, ordersOffline: 0, revenue: 0, attributedRevenue: 0, micros: 0, attributedMicros: 0 });

/**
 * Compute the QR report over stitched persons.
 *
 * @example
 * (await qr(store.journeys(siteId, range), site, params)).codes[0] // { code: 'K7M2QX', scans: 120, … }
 */
export async function qr(stream: AsyncIterable<PersonJourney> | Iterable<PersonJourney>, site: ReportSite, p: ReportParams): Promise<QrReport> {
  stream = convertJourneys(stream, site.exchange);
  const byCode = new Map<string, ReturnType<typeof empty> & { campaignId: string; personalised: boolean }>();
  const byCampaign = new Map<string, ReturnType<typeof empty> & { campaignName: string; personalised: boolean }>();

  // Currencies of the orders after a scan: the orders every revenue column of the report adds up.
  const tally = currencyTally(site.exchange);
  const onPerson = (pp: PersonPaths, j: PersonJourney) => {
    const scans = pp.touchesInRange.filter((t) => t.kind === 'qr' && t.qr);
    if (scans.length === 0) return;
    const sessions = pp.touchesInRange.filter((t) => t.kind === 'session');
    // Orders only: goal conversions bring no revenue (engine.ts, revenueOf).
    const orders = j.conversions.filter((c) => c.channel !== 'goal' && converts(c) && c.ts >= p.from && c.ts < p.to);
    for (const o of orders) if (scans.some((s) => s.ts <= o.ts && o.ts - s.ts <= p.lookbackMs)) tally.add(o);
    const groups: [Map<string, ReturnType<typeof empty>>, (q: NonNullable<(typeof scans)[number]['qr']>) => string, (q: NonNullable<(typeof scans)[number]['qr']>) => ReturnType<typeof empty>][] = [
      [byCode, (q) => q.code, (q) => ({ ...empty(), campaignId: q.campaignId, personalised: q.personalised })],
      [byCampaign, (q) => q.campaignId, (q) => ({ ...empty(), campaignName: q.campaignName ?? q.campaignId, personalised: q.personalised })],
    ];
    for (const [map, keyOf, make] of groups) {
      const mine = new Map<string, number[]>();
      for (const s of scans) {
        const k = keyOf(s.qr!);
        if (!map.has(k)) map.set(k, make(s.qr!));
        map.get(k)!.scans++;
        const list = mine.get(k) ?? [];
        list.push(s.ts);
        mine.set(k, list);
      }
      for (const [k, times] of mine) {
        const row = map.get(k)!;
        row.uniqueScanners++;
        row.visits += sessions.filter((v) => times.some((t) => v.ts >= t && v.ts - t <= VISIT_WINDOW_MS)).length;
        for (const o of orders) {
          if (!times.some((t) => t <= o.ts && o.ts - t <= p.lookbackMs)) continue;
          if (ONLINE_SALES.has(o.channel)) row.ordersOnline++;
          else row.ordersOffline++;
          row.micros += Math.round(o.value * 1e6);
        }
      }
    }
  };

  const res = await attribute(stream, { ...engineOptions(p, site, [p.model]), onPerson });
  for (const o of res.orders) {
    const credits = o.credits[p.model]!;
    o.path.touches.forEach((t, i) => {
      if (!t.qr || credits[i] === 0) return;
      const c = byCode.get(t.qr.code);
      if (c) c.attributedMicros += credits[i];
      const g = byCampaign.get(t.qr.campaignId);
      if (g) g.attributedMicros += credits[i];
    });
  }
  const finish = <T extends ReturnType<typeof empty>>({ micros, attributedMicros, ...row }: T) => ({
    ...row,
    revenue: Math.round(fromMicros(micros) * 100) / 100,
    attributedRevenue: Math.round(fromMicros(attributedMicros) * 100) / 100,
  });
  const sorted = <T extends { scans: number }>(m: Map<string, T>) => [...m.entries()].sort(([a, x], [b, y]) => y.scans - x.scans || (a < b ? -1 : 1));
  return {
    report: 'qr',
    siteId: site.id,
    ...reportSpan(p),
    model: p.model,
    lookbackDays: p.lookbackMs / 864e5,
    ...reportCurrencies(tally),
    campaigns: sorted(byCampaign).map(([campaignId, r]) => {
      const { campaignName, personalised, ...rest } = finish(r);
      return { campaignId, campaignName, personalised, ...rest };
    }),
    codes: sorted(byCode).map(([code, r]) => {
      const { campaignId, personalised, ...rest } = finish(r);
      return { code, campaignId, personalised, ...rest };
    }),
  };
}

/** Run the QR report for a site. */
export function qrReport(src: ReportSource, site: ReportSite, p: ReportParams): Promise<QrReport> {
  return qr(src.journeys(site.id, journeyQuery(p)), site, p);
}
