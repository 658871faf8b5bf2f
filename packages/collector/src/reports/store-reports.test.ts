import { describe, expect, it } from 'vitest';
import { withCollector, type CollectorFixture } from '../test-utils/harness';
import type { PersonJourney } from '../attribution/journey';
import { attributionReport } from './attribution';
import { explainReport } from './explain';
import { funnelReport } from './funnel';
import { parseReportParams } from './params';
import { qrReport } from './qr';

/**
 * Reports over a real store fed through ingest: the numbers QA checked by hand (visitors
 * without touches, Segment-library page views, QR scans and their landing sessions, …).
 */

const NOW = Date.UTC(2026, 10, 27);
const ctx = { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0' };

async function send(fx: CollectorFixture, batch: Record<string, unknown>[]): Promise<void> {
  const res = await fx.post('/v1/batch', { batch: batch.map((e) => ({ context: ctx, ...e })) });
  expect(res.status).toBe(200);
  expect((await res.json()).rejected ?? []).toEqual([]);
}

describe('funnel over the store', () => {
  it('counts visitors who have no touch and no order (funnel events alone bring them in)', () =>
    withCollector(async (fx) => {
      const tr = (a: string, event: string, ts: string, properties: Record<string, unknown> = {}) => ({ type: 'track', event, anonymousId: a, timestamp: ts, messageId: `${a}-${event}-${ts}`, properties });
      await send(fx, [
        tr('f1', 'Product Viewed', '2026-11-20T10:00:00Z'), tr('f1', 'Product Added', '2026-11-20T10:05:00Z'), tr('f1', 'Order Completed', '2026-11-20T10:10:00Z', { order_id: 'F1', revenue: 5 }),
        tr('f2', 'Product Viewed', '2026-11-20T10:00:00Z'), tr('f2', 'Product Added', '2026-11-20T10:05:00Z'),
        tr('f3', 'Product Viewed', '2026-11-20T10:00:00Z'),
        tr('f4', 'Product Added', '2026-11-20T09:00:00Z'), tr('f4', 'Product Viewed', '2026-11-20T10:00:00Z'),
        // Ordered 8 days after adding: outside the 7-day window.
        tr('f6', 'Product Viewed', '2026-11-20T10:00:00Z'), tr('f6', 'Product Added', '2026-11-20T10:05:00Z'), tr('f6', 'Order Completed', '2026-11-28T10:10:00Z', { order_id: 'F6', revenue: 5 }),
      ]);
      const p = parseReportParams({ from: '2026-11-01', to: '2026-11-26', steps: 'Product Viewed,Product Added,Order Completed' }, NOW);
      const r = await funnelReport(fx.store, { id: fx.site.id, rules: [] }, p);
      expect(r.steps.map((s) => [s.name, s.persons, s.conversion])).toEqual([
        ['Product Viewed', 5, 1],
        ['Product Added', 3, 0.6],
        ['Order Completed', 1, 0.2],
      ]);
      expect(r.byChannel.map((c) => [c.channel, c.steps.map((s) => s.persons)])).toEqual([['(none)', [5, 3, 1]]]);
    }));
});

describe('sessions of Segment libraries (no SDK session marker)', () => {
  const params = (q: Record<string, string> = {}) => parseReportParams({ from: '2026-11-01', to: '2026-11-26', ...q }, NOW);
  const site = (fx: CollectorFixture) => ({ id: fx.site.id, rules: [] });
  const pg = (a: string, id: string, ts: string, url: string, extra: Record<string, unknown> = {}) => ({ type: 'page', anonymousId: a, messageId: id, timestamp: ts, properties: {}, context: { ...ctx, page: { url }, ...extra } });
  const buy = (a: string, id: string, ts: string, revenue = 40) => ({ type: 'track', event: 'Order Completed', anonymousId: a, messageId: `${id}-o`, timestamp: ts, properties: { order_id: id, revenue, currency: 'EUR' } });

  it('a Segment page view with campaign, gclid and a search referrer is a Paid Search touch', () =>
    withCollector(async (fx) => {
      await send(fx, [
        pg('sg1', 'sg1-p', '2026-11-22T10:00:00Z', 'https://shop.example/?utm_source=google&utm_medium=cpc&gclid=abc', { page: { url: 'https://shop.example/?utm_source=google&utm_medium=cpc&gclid=abc', referrer: 'https://www.google.com/' }, campaign: { source: 'google', medium: 'cpc', name: 'brand' } }),
        buy('sg1', 'SG1', '2026-11-22T10:05:00Z'),
        // Only the landing URL: UTM and click IDs are read from it.
        pg('sg2', 'sg2-p', '2026-11-22T10:00:00Z', 'https://shop.example/l?utm_source=newsletter&utm_medium=email&utm_campaign=nov'),
        buy('sg2', 'SG2', '2026-11-22T10:05:00Z'),
        pg('sg3', 'sg3-p', '2026-11-22T10:00:00Z', 'https://shop.example/?gclid=G3'),
        buy('sg3', 'SG3', '2026-11-22T10:05:00Z'),
      ]);
      const path = async (order: string) => (await explainReport(fx.store, site(fx), params({ order }))).path.map((t) => [t.kind, t.channel, t.source, t.medium, t.campaign]);
      expect(await path('SG1')).toEqual([['session', 'Paid Search', 'google', 'cpc', 'brand']]);
      expect(await path('SG2')).toEqual([['session', 'Email', 'newsletter', 'email', 'nov']]);
      expect(await path('SG3')).toEqual([['session', 'Paid Search', 'google', 'cpc', '']]);
    }));

  it('splits page views into sessions by GA4 rules, the same whatever the arrival order', async () => {
    const events = [
      pg('v', 'v1', '2026-11-20T10:00:00Z', 'https://shop.example/', { page: { url: 'https://shop.example/', referrer: 'https://www.bing.com/' } }), // first: Organic Search
      pg('v', 'v2', '2026-11-20T10:10:00Z', 'https://shop.example/a'), // same session
      pg('v', 'v3', '2026-11-20T10:35:00Z', 'https://shop.example/b'), // 25 min after v2: same session
      pg('v', 'v4', '2026-11-20T11:20:00Z', 'https://shop.example/c'), // 45 min of inactivity: Direct
      pg('v', 'v5', '2026-11-20T11:25:00Z', 'https://shop.example/?utm_source=newsletter&utm_medium=email'), // a new campaign: Email
      pg('v', 'v6', '2026-11-20T11:26:00Z', 'https://shop.example/?utm_source=newsletter&utm_medium=email'), // the same campaign again: same session
      pg('v', 'v7', '2026-11-20T11:27:00Z', 'https://shop.example/d', { page: { url: 'https://shop.example/d', referrer: 'https://pay.example/' } }), // a referrer alone: same session
      // An SDK event keeps its client-side session (sessionStart false: no touch).
      pg('v', 'v8', '2026-11-20T15:00:00Z', 'https://shop.example/e', { omnitrail: { v: 1, consent: 'granted', sessionId: 's1' } }),
      buy('v', 'V1', '2026-11-20T15:01:00Z', 90),
    ];
    const journeys: PersonJourney[][] = [];
    for (const order of [events, [...events].reverse(), [events[3], events[0], events[5], events[1], events[2], events[4], events[6], events[7], events[8]]]) {
      await withCollector(async (fx) => {
        for (const e of order) await send(fx, [e]);
        const got: PersonJourney[] = [];
        for await (const j of fx.store.journeys(fx.site.id, { from: Date.UTC(2026, 10, 1), to: NOW })) got.push(j);
        journeys.push(got.map(({ personId: _, ...j }) => j as PersonJourney));
        const r = await explainReport(fx.store, site(fx), params({ order: 'V1' }));
        expect(r.path.map((t) => [t.messageId, t.channel])).toEqual([['v1', 'Organic Search'], ['v4', 'Direct'], ['v5', 'Email']]);
      });
    }
    expect(journeys[1]).toEqual(journeys[0]);
    expect(journeys[2]).toEqual(journeys[0]);
  });
});

describe('a QR scan and its landing session', () => {
  const SCAN = Date.UTC(2026, 10, 20, 10);
  const iso = (ms: number) => new Date(ms).toISOString();
  const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

  it('are one Print/QR touch, in one campaign and one source/medium row', () => {
    // The scan is recorded at the collector's clock; later events would be clamped to it.
    let clock = SCAN;
    return withCollector(
      async (fx) => {
        let res = await fx.post('/v1/qr/campaigns', { name: 'Flyer Nov', targetUrl: 'https://shop.example/flyer' }, { auth: 'secret' });
        const campaign = await res.json();
        res = await fx.post(`/v1/qr/campaigns/${campaign.id}/codes`, {}, { auth: 'secret' });
        const { code } = (await res.json()).codes[0];
        res = await fx.fetch(`/q/${code}`, { redirect: 'manual', headers: { 'user-agent': IPHONE } });
        const landing = res.headers.get('location')!;
        const token = new URL(landing).searchParams.get('ot_scan')!;
        const sdk = (extra: Record<string, unknown>) => ({ v: 1, consent: 'granted', sessionStart: true, ...extra });
        clock = NOW;
        await send(fx, [
          { type: 'page', anonymousId: 'q1', messageId: 'land', timestamp: iso(SCAN + 30_000), context: { ...ctx, page: { url: landing }, campaign: { source: 'qr', medium: 'print', name: 'flyer-nov' }, omnitrail: sdk({ sessionId: 's1', scanToken: token }) } },
          { type: 'page', anonymousId: 'q1', messageId: 'mail', timestamp: iso(SCAN + 864e5), context: { ...ctx, page: { url: 'https://shop.example/' }, campaign: { source: 'newsletter', medium: 'email', name: 'nov' }, omnitrail: sdk({ sessionId: 's2' }) } },
          { type: 'track', event: 'Order Completed', anonymousId: 'q1', messageId: 'buy', timestamp: iso(SCAN + 864e5 + 60_000), properties: { order_id: 'QR-WEB2', revenue: 90, currency: 'EUR' } },
        ]);
        const site = { id: fx.site.id, rules: [] };
        const p = (q: Record<string, string> = {}) => parseReportParams({ from: '2026-11-01', to: '2026-11-26', ...q }, NOW);
        const r = await explainReport(fx.store, site, p({ order: 'QR-WEB2' }));
        expect(r.path.map((t) => [t.kind, t.channel, t.source, t.medium, t.campaign])).toEqual([
          ['qr', 'Print/QR', 'qr', 'print', 'flyer-nov'],
          ['session', 'Email', 'newsletter', 'email', 'nov'],
        ]);
        expect(r.byChannel.linear).toEqual({ 'Print/QR': 45, Email: 45 });
        expect(r.byChannel.position_based).toEqual({ 'Print/QR': 45, Email: 45 });
        const rows = async (dimension: string) => (await attributionReport(fx.store, site, p({ dimension, model: 'linear' }))).rows.map((x) => [x.key, x.revenue.linear]);
        expect(await rows('campaign')).toEqual([['flyer-nov', 45], ['nov', 45]]);
        expect(await rows('source')).toEqual([['newsletter / email', 45], ['qr / print', 45]]);
        // The QR report still counts the landing as the scan's visit.
        const q = await qrReport(fx.store, site, p({ model: 'linear' }));
        expect(q.campaigns.map((c) => [c.campaignName, c.scans, c.visits, c.attributedRevenue])).toEqual([['Flyer Nov', 1, 1, 45]]);
      },
      { now: () => clock },
    );
  });
});

describe('explain without a date range', () => {
  it('finds an order older than 30 days: the range is the lookback before its day through its day', () =>
    withCollector(async (fx) => {
      const sdk = { v: 1, consent: 'granted', sessionStart: true, sessionId: 's1' };
      await send(fx, [
        { type: 'page', anonymousId: 'o1', messageId: 'old-p', timestamp: '2026-09-01T09:00:00Z', context: { ...ctx, page: { url: 'https://shop.example/' }, campaign: { source: 'newsletter', medium: 'email' }, omnitrail: sdk } },
        { type: 'track', event: 'Order Completed', anonymousId: 'o1', messageId: 'old-o', timestamp: '2026-09-01T09:05:00Z', properties: { order_id: 'O1', revenue: 20 } },
      ]);
      const site = { id: fx.site.id, rules: [] };
      const r = await explainReport(fx.store, site, parseReportParams({ order: 'O1' }, NOW));
      expect(r.order).toMatchObject({ id: 'O1', value: 20 });
      expect(r.path.map((t) => t.channel)).toEqual(['Email']);
      // A range that was asked for is kept.
      await expect(explainReport(fx.store, site, parseReportParams({ order: 'O1', from: '2026-11-01' }, NOW))).rejects.toThrow('not found in the date range');
    }));
});
