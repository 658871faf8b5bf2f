import { describe, expect, it } from 'vitest';
import { withCollector, type CollectorFixture } from '../test-utils/harness';
import { funnelReport } from './funnel';
import { parseReportParams } from './params';

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
