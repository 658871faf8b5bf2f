import { describe, expect, it } from 'vitest';
import { createClassifier } from '../attribution/channels';
import type { PersonJourney } from '../attribution/journey';
import { computeOverview, topSeries } from './overview-data';
import { niceMax } from './charts';
import { parseRange } from './range';

const DAY = 86_400_000;
const from = Date.UTC(2026, 2, 1);
const range = parseRange({ from: '2026-03-01', to: '2026-03-03' });

describe('computeOverview', () => {
  it('counts persons, sessions by channel and orders by sales channel per day, inside the range only', async () => {
    const persons: PersonJourney[] = [
      {
        personId: 'p1',
        touches: [
          { ts: from - DAY, kind: 'session', messageId: 'old' }, // lookback: ignored
          { ts: from + 1000, kind: 'session', messageId: 'a', utm: { source: 'google', medium: 'cpc' } },
          { ts: from + 2000, kind: 'session', messageId: 'b' },
          { ts: from + DAY + 5, kind: 'qr', messageId: 'q', qr: { code: 'X', campaignId: 'c', personalised: false } },
        ],
        conversions: [
          { id: 'o1', ts: from + DAY + 10, value: 100, currency: 'EUR', channel: 'store', status: 'completed' },
          { id: 'o2', ts: from + 2 * DAY, value: 0, currency: 'EUR', channel: 'web', status: 'refunded' }, // fully refunded: not counted
        ],
      },
      { personId: 'p2', touches: [{ ts: from + 2 * DAY + 1, kind: 'session', messageId: 'c', referrer: 'https://news.example/' }], conversions: [{ id: 'o3', ts: from + 2 * DAY + 2, value: 20, channel: 'web', status: 'completed' }] },
    ];
    const o = await computeOverview(persons, range, createClassifier());
    expect(o.days).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    expect(o.visitors).toEqual([1, 0, 1]); // p1 twice on day 1 counts once
    expect(o.totals).toEqual({ visitors: 2, sessions: 3, orders: 2, revenue: 120, qrScans: 1, offlineTouches: 0 });
    expect(o.sessionsByChannel.get('Paid Search')).toEqual([1, 0, 0]);
    expect(o.sessionsByChannel.get('Direct')).toEqual([1, 0, 0]);
    expect(o.sessionsByChannel.get('Referral')).toEqual([0, 0, 1]);
    expect(o.revenueByChannel.get('store')).toEqual([0, 100, 0]);
    expect(o.revenueByChannel.get('web')).toEqual([0, 0, 20]);
    expect(o.currencies).toEqual(['EUR']);
  });

  it("counts the site's own days: an order at 00:30 in Berlin belongs to that Berlin day, across a clock change", async () => {
    // Berlin springs forward on 29 March 2026: that day has 23 hours.
    const berlin = parseRange({ from: '2026-03-28', to: '2026-03-30' }, Date.now(), 'Europe/Berlin');
    expect(berlin.from).toBe(Date.UTC(2026, 2, 27, 23));
    const at = (day: number, hourUtc: number, minute = 0) => Date.UTC(2026, 2, day, hourUtc, minute);
    const order = (id: string, ts: number) => ({ id, ts, value: 1, channel: 'store', status: 'completed' as const });
    const persons: PersonJourney[] = [
      {
        personId: 'p1',
        touches: [{ ts: at(27, 22, 59), kind: 'session', messageId: 'before' }],
        // 00:30 on the 28th in Berlin (CET), 23:30 on the 29th (CEST: 21:30 UTC), 00:30 on the 30th (22:30 UTC on the 29th).
        conversions: [order('a', at(27, 23, 30)), order('b', at(29, 21, 30)), order('c', at(29, 22, 30)), order('late', at(30, 22, 0))],
      },
    ];
    const o = await computeOverview(persons, berlin, createClassifier());
    expect(o.days).toEqual(['2026-03-28', '2026-03-29', '2026-03-30']);
    expect(o.ordersByChannel.get('store')).toEqual([1, 1, 1]);
    expect(o.totals).toMatchObject({ sessions: 0, orders: 3 });
    // The same orders in UTC days: b and c both on the 29th, a on the 27th (outside).
    const utc = await computeOverview(persons, parseRange({ from: '2026-03-28', to: '2026-03-30' }), createClassifier());
    expect(utc.ordersByChannel.get('store')).toEqual([0, 2, 1]);
  });

  it('folds small series into Other so the legend stays short', () => {
    const m = new Map(Array.from({ length: 8 }, (_, i) => [`c${i}`, [i, 1]] as [string, number[]]));
    const s = topSeries(m, 4);
    expect(s.map((x) => x.name)).toEqual(['c7', 'c6', 'c5', 'Other']);
    expect(s[3].values).toEqual([0 + 1 + 2 + 3 + 4, 5]);
  });

  it('axis ends have round quarters', () => {
    expect([0, 3, 9, 11, 37, 120, 4100].map(niceMax)).toEqual([1, 4, 10, 20, 40, 200, 8000]);
  });
});
