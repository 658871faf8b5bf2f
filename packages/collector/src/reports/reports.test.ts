import { describe, expect, it } from 'vitest';
import type { PersonJourney } from '../attribution/journey';
import { deepestStep, funnel } from './funnel';
import { collapse } from './journeys';
import { ReportParamError, parseReportParams } from './params';
import { qr } from './qr';
import { median } from './ropo';
import { percentile, rate, vitals } from './vitals';
import { formatReport, table } from './format';
import { summarise } from './attribution';
import { attribute } from '../attribution/engine';

const DAY = 864e5;
const T0 = Date.UTC(2026, 2, 1);
const site = { id: 's', rules: [] };
const params = (q: Record<string, string> = {}) => parseReportParams({ from: '2026-03-01', to: '2026-03-31', ...q }, T0 + 40 * DAY);

describe('params', () => {
  it('parses dates, models and options', () => {
    const p = params({ model: 'position-based', lookbackDays: '14', dimension: 'campaign' });
    expect(p.from).toBe(T0);
    expect(p.to).toBe(Date.UTC(2026, 3, 1)); // a date-only "to" includes that day
    expect(p.models).toEqual(['position_based']);
    expect(p.lookbackMs).toBe(14 * DAY);
    expect(p.dimension).toBe('campaign');
    expect(params().models).toHaveLength(8);
    expect(params().model).toBe('markov');
  });
  it.each([
    [{ from: 'soon' }, 'not a date'],
    // Date.parse would read these as March 2 and January 3.
    [{ from: '2026-02-30' }, 'not a date'],
    [{ to: '03/01/2026' }, 'not a date'],
    [{ from: '2026-04-01' }, 'before'],
    [{ model: 'magic' }, 'unknown model'],
    [{ dimension: 'city' }, 'dimension'],
    [{ lookbackDays: '-1' }, 'lookbackDays'],
  ])('rejects %o', (q, msg) => {
    expect(() => params(q)).toThrow(ReportParamError);
    expect(() => params(q)).toThrow(msg);
  });
});

describe('funnel', () => {
  it('deepestStep walks steps in order within the window, best entry wins', () => {
    const e = [
      { name: 'View', ts: 0 },
      { name: 'Add', ts: 5 },
      { name: 'View', ts: 20 },
      { name: 'Add', ts: 21 },
      { name: 'Buy', ts: 22 },
    ];
    expect(deepestStep(e, ['View', 'Add', 'Buy'], 10, 0, 100)).toEqual({ depth: 3, entry: 20 });
    // Window 1: View@0 reaches nothing (Add@5 is too late); View@20 reaches Add@21 only.
    expect(deepestStep(e, ['View', 'Add', 'Buy'], 1, 0, 100)).toEqual({ depth: 2, entry: 20 });
    // Entries outside [from, to) do not count.
    expect(deepestStep(e, ['View', 'Add', 'Buy'], 10, 0, 10)).toEqual({ depth: 2, entry: 0 });
    // Out-of-order steps do not count: Buy before Add.
    expect(deepestStep([{ name: 'View', ts: 0 }, { name: 'Buy', ts: 1 }, { name: 'Add', ts: 2 }], ['View', 'Add', 'Buy'], 10, 0, 100).depth).toBe(2);
  });

  it('counts persons per step, conversion and drop-off, split by first channel; store orders complete "Order Completed"', async () => {
    const mk = (id: string, names: string[], touch?: Partial<PersonJourney['touches'][number]>, storeOrder = false): PersonJourney => ({
      personId: id,
      touches: touch ? [{ ts: T0, kind: 'session', messageId: `${id}-t`, ...touch }] : [],
      conversions: storeOrder ? [{ id: `${id}-o`, ts: T0 + DAY + 10, value: 10, channel: 'store', status: 'completed' }] : [],
      events: names.map((name, i) => ({ name, ts: T0 + DAY + i })),
    });
    const steps = 'Product Viewed,Product Added,Order Completed';
    const r = await funnel(
      [
        mk('a', ['Product Viewed', 'Product Added', 'Order Completed'], { utm: { source: 'google', medium: 'cpc' } }),
        mk('b', ['Product Viewed', 'Product Added'], { utm: { source: 'google', medium: 'cpc' } }, true), // buys in the store
        mk('c', ['Product Viewed', 'Product Added']),
        mk('d', ['Product Viewed']),
        mk('e', ['Product Added']), // never entered
      ],
      site,
      params({ steps }),
    );
    // 4 entered, 3 added, 2 bought → 100 %, 75 %, 50 %; drop-off 1 then 1.
    expect(r.steps).toEqual([
      { name: 'Product Viewed', persons: 4, conversion: 1, stepConversion: 1, dropOff: 0 },
      { name: 'Product Added', persons: 3, conversion: 0.75, stepConversion: 0.75, dropOff: 1 },
      { name: 'Order Completed', persons: 2, conversion: 0.5, stepConversion: 0.6667, dropOff: 1 },
    ]);
    expect(r.byChannel.map((c) => [c.channel, c.steps.map((s) => s.persons)])).toEqual([
      ['(none)', [2, 1, 0]],
      ['Paid Search', [2, 2, 2]],
    ]);
  });
});

describe('qr', () => {
  it('scans, unique scanners, visits, orders online/offline after the scan, credited revenue', async () => {
    const scan = (id: string, ts: number, code = 'C1') => ({ ts, kind: 'qr' as const, messageId: id, qr: { code, campaignId: 'flyer', campaignName: 'Spring flyer', personalised: false } });
    const js: PersonJourney[] = [
      {
        personId: 'a',
        // two scans of C1, a landing visit 2 min after the first, a web order and a store order later
        touches: [scan('s1', T0), { ts: T0 + 120_000, kind: 'session', messageId: 'v1', utm: { source: 'flyer', medium: 'qr' } }, scan('s2', T0 + DAY)],
        conversions: [
          { id: 'o1', ts: T0 + 2 * DAY, value: 30, channel: 'web', status: 'completed' },
          { id: 'o2', ts: T0 + 3 * DAY, value: 70, channel: 'store', status: 'completed' },
        ],
      },
      // a scan of C2, no visit, an order *before* the scan (not counted)
      { personId: 'b', touches: [scan('s3', T0 + 5 * DAY, 'C2')], conversions: [{ id: 'o3', ts: T0 + 4 * DAY, value: 99, channel: 'web', status: 'completed' }] },
    ];
    const r = await qr(js, site, params({ model: 'linear' }));
    const c1 = r.codes.find((c) => c.code === 'C1')!;
    expect(c1).toMatchObject({ scans: 2, uniqueScanners: 1, visits: 1, ordersOnline: 1, ordersOffline: 1, revenue: 100 });
    // linear: o1 path = [scan, visit(Print/QR), scan] → 2/3 of 30 to scans = 20; o2 same path → 2/3 of 70 ≈ 46.67
    expect(c1.attributedRevenue).toBeCloseTo(66.67, 2);
    expect(r.codes.find((c) => c.code === 'C2')).toMatchObject({ scans: 1, uniqueScanners: 1, visits: 0, ordersOnline: 0, ordersOffline: 0, revenue: 0 });
    expect(r.campaigns).toEqual([expect.objectContaining({ campaignId: 'flyer', campaignName: 'Spring flyer', scans: 3, uniqueScanners: 2, revenue: 100 })]);
  });
});

describe('small helpers', () => {
  it('collapse, median, percentile, rate', () => {
    expect(collapse(['A', 'A', 'B', 'A', 'A'])).toEqual(['A', 'B', 'A']);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNull();
    expect(percentile([1, 2, 3, 4], 0.75)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5], 0.75)).toBe(4);
    expect(rate('LCP', 2500)).toBe('good');
    expect(rate('LCP', 4000)).toBe('needs-improvement');
    expect(rate('CLS', 0.26)).toBe('poor');
  });
  it('vitals rates unrated samples by thresholds and ignores unknown metrics', async () => {
    const r = await vitals([[{ name: 'inp', value: 600, rating: null, path: '/' }, { name: 'FID', value: 5, rating: 'good', path: '/' }]], site, params());
    expect(r.rows[0].metrics).toEqual({ INP: { samples: 1, p75: 600, good: 0, needsImprovement: 0, poor: 1 } });
  });
  it('table aligns text left and numbers right', () => {
    expect(table(['Channel', 'Revenue'], [['Email', 12.5], ['Paid Search', 3]])).toBe(
      ['Channel      Revenue', '-----------  -------', 'Email          12.50', 'Paid Search     3.00'].join('\n'),
    );
  });
  it("formatReport shows the range's days in the report's own time zone", async () => {
    const p = parseReportParams({ from: '2026-03-01', to: '2026-03-31' }, T0 + 40 * DAY, 'Europe/Berlin');
    const r = summarise(await attribute([], { from: p.from, to: p.to }), p, 's');
    // The 31st ends at 22:00 UTC: Berlin is on summer time from 29 March.
    expect(r).toMatchObject({ from: '2026-02-28T23:00:00.000Z', to: '2026-03-31T22:00:00.000Z', timeZone: 'Europe/Berlin' });
    expect(formatReport(r).split('\n')[0]).toContain('2026-03-01 – 2026-03-31');
  });
  it('every model column sums to the total revenue and conversions, to the cent (largest remainder)', async () => {
    const touch = (id: string, ts: number, source: string) => ({ ts, kind: 'session' as const, messageId: id, utm: { source, medium: 'referral' } });
    const res = await attribute(
      [
        { personId: 'a', touches: [touch('a1', T0 + DAY, 'a')], conversions: [{ id: 'o1', ts: T0 + DAY + 1, value: 50, channel: 'web', status: 'completed' }] },
        { personId: 'b', touches: [touch('b1', T0 + DAY, 'b'), touch('b2', T0 + DAY + 1, 'c'), touch('b3', T0 + DAY + 2, 'd')], conversions: [{ id: 'o2', ts: T0 + DAY + 3, value: 100, channel: 'web', status: 'completed' }] },
      ],
      { from: T0, to: T0 + 30 * DAY },
    );
    const r = summarise(res, params({ dimension: 'source' }), 's');
    expect(r.totals.revenue).toBe(150);
    for (const m of r.models) {
      const cents = r.rows.reduce((a, x) => a + Math.round((x.revenue[m] ?? 0) * 100), 0);
      const milli = r.rows.reduce((a, x) => a + Math.round((x.conversions[m] ?? 0) * 1000), 0);
      expect([m, cents, milli]).toEqual([m, 15000, 2000]);
    }
    expect(r.rows.map((x) => [x.key, x.revenue.linear])).toEqual([
      ['a / referral', 50],
      ['b / referral', 33.34],
      ['c / referral', 33.33],
      ['d / referral', 33.33],
    ].sort((x, y) => (x[0] < y[0] ? -1 : 1)));
  });
  it('goal conversions count as conversions but bring no revenue', async () => {
    const touch = { ts: T0 + DAY, kind: 'session' as const, messageId: 't', utm: { source: 'nl', medium: 'email' } };
    const res = await attribute(
      [{ personId: 'a', touches: [touch], conversions: [
        { id: 'o', ts: T0 + DAY + 1, value: 100, channel: 'web', status: 'completed' },
        { id: 'g1', ts: T0 + DAY + 2, value: 1, channel: 'goal', status: 'completed' },
        { id: 'g2', ts: T0 + DAY + 3, value: 5, channel: 'goal', status: 'completed' },
      ] }],
      { from: T0, to: T0 + 30 * DAY },
    );
    const r = summarise(res, params(), 's');
    expect(r.totals).toMatchObject({ conversions: 3, goals: 2, revenue: 100 });
    for (const m of r.models) expect([m, r.rows[0].revenue[m], r.rows[0].conversions[m]]).toEqual([m, 100, 3]);
    expect(r.markov!.totals.Email.revenue).toBe(100);
    expect(formatReport(r)).toContain('3 conversions (2 goals, no revenue) · revenue 100.00');
  });
  it('formatReport words the Markov fit gap as a gap, not as "within 100 %"', async () => {
    const r = summarise(await attribute([], { from: T0, to: T0 + DAY }), params(), 's');
    r.markov = { conversionProbability: 0.5, paths: 2, convertingPaths: 1, removalEffects: { A: 1 }, totals: { A: { conversions: 1, revenue: 1 } }, fitGap: 1 };
    const line = formatReport(r).split('\n').find((l) => l.startsWith('Markov'))!;
    expect(line).not.toContain('within');
    expect(line).toContain('can differ from these totals by up to 100.0 % of a channel');
  });
  it('formatReport renders the attribution report with every model column', async () => {
    const res = await attribute([{ personId: 'a', touches: [{ ts: T0 + DAY, kind: 'session', messageId: 't', referrer: 'https://www.bing.com/' }], conversions: [{ id: 'o', ts: T0 + DAY, value: 10, channel: 'web', status: 'completed' }] }], { from: T0, to: T0 + 30 * DAY });
    const text = formatReport(summarise(res, params(), 's'));
    expect(text).toContain('Organic Search');
    for (const label of ['First touch', 'Last non-direct', 'Time decay', 'Position-based', 'Markov', 'Shapley']) expect(text).toContain(label);
  });
});
