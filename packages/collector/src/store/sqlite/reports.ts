import type { ReportsStore } from '../reports';
import type { SqliteContext } from './context';
import { vitalsSamples } from './vitals-samples';
import { cookielessCounts } from './cookieless-views';

/**
 * SQLite reads of the reports (journeys come from the identity module). Streams pages, so
 * memory stays flat however many samples a range holds.
 *
 * @example
 * const store = { ...coreStore(ctx), ...reportsStore(ctx) };
 */
export function reportsStore(ctx: SqliteContext): ReportsStore {
  return {
    // From `vitals_samples` (vitals-samples.ts), caught up with the events log first.
    webVitals: (siteId, range) => vitalsSamples(ctx, siteId, range),
    // From `cookieless_views` (cookieless-views.ts), written at ingest.
    cookieless: async (siteId, spans, topPaths) => cookielessCounts(ctx.db, siteId, spans, topPaths),
  };
}
