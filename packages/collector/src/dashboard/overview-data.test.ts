import { describe, expect, it } from 'vitest';
import { createClassifier } from '../attribution/channels';
import type { PersonJourney } from '../attribution/journey';
import { computeOverview, topSeries } from './overview-data';
import { niceMax } from './charts';

const DAY = 86_400_000;
const from = Date.UTC(2026, 2, 1);
const range = { from, to: from + 3 * DAY };

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
          { id: 'o2', ts: from + 2 * DAY, value: 50, currency: 'EUR', channel: 'web', status: 'refunded' }, // not counted
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
    expect(o.currency).toBe('EUR');
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
