import { describe, expect, it } from 'vitest';
import { attribute } from '../attribution/engine';
import { seedDemo } from '../cli/demo-seed';
import { attributionReport, summarise } from '../reports/attribution';
import { parseReportParams } from '../reports/params';
import type { ReportSource } from '../reports/source';
import { openSqliteStore } from '../store/sqlite/index';
import { tempDbPath } from '../test-utils/harness';
import { generateJourneys } from './generate';

const NOW = Date.UTC(2026, 2, 31);

describe('generator → real collector → stitched journeys → attribution', () => {
  it('the SQLite pipeline (ingest, QR scans, handoffs, offline orders, stitching) gives the same report as the generator\'s own journeys', async () => {
    const store = openSqliteStore(tempDbPath());
    try {
      const created = await store.createSite({ name: 'Demo', origins: ['https://shop.example', 'http://localhost:8787'] });
      await seedDemo(store, created, { persons: 300, now: NOW, seed: 5, days: 45 });
      const params = parseReportParams({ from: '2026-03-01', to: '2026-03-30' }, NOW);
      const viaStore = await attributionReport(store as unknown as ReportSource, { id: created.site.id, rules: [] }, params);
      const direct = summarise(
        await attribute(generateJourneys({ seed: 5, persons: 300, now: NOW, days: 45 }), { from: params.from, to: params.to, lookbackMs: params.lookbackMs }),
        params,
        'gen',
      );
      expect(viaStore.totals.conversions).toBeGreaterThan(50);
      expect(viaStore.totals.conversions).toBe(direct.totals.conversions);
      expect(viaStore.totals.revenue).toBeCloseTo(direct.totals.revenue, 2);
      // Every model's credits per channel, the Markov chain and the Shapley values are identical:
      // the store stitched exactly the persons the generator knows are joinable.
      expect(viaStore.rows).toEqual(direct.rows);
      expect(viaStore.markov).toEqual(direct.markov);
      expect(viaStore.shapley).toEqual(direct.shapley);
    } finally {
      await store.close();
    }
  });
});
