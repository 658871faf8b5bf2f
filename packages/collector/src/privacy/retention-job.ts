import type { Store } from '../store/types';
import { startIntervalJob } from '../jobs/interval';

/** Options of {@link startRetentionJob}. */
export interface RetentionJobOptions {
  /** How often to run (default hourly). */
  intervalMs?: number;
  /** Delay before the first run (default 1 minute, so start-up stays quick). */
  firstRunMs?: number;
  /** Where failures go (default console.error); the job keeps running. */
  onError?: (err: unknown) => void;
  /** Called after each site's pass (logs, metrics). */
  onRun?: (r: { siteId: string; deleted: number }) => void;
}

/**
 * Runs {@link Store.runRetention} for every site on a timer (`omnitrail serve` starts it).
 * One pass at a time; the timer does not keep the process alive. Returns a stop function.
 *
 * @example
 * const stop = startRetentionJob(store);
 * // on shutdown:
 * await stop();
 */
export function startRetentionJob(store: Store, opts: RetentionJobOptions = {}): () => Promise<void> {
  return startIntervalJob(
    async (stopped) => {
      for (const site of await store.listSites()) {
        if (stopped()) return;
        const r = await store.runRetention(site.id);
        opts.onRun?.({ siteId: site.id, deleted: r.deleted });
      }
    },
    {
      intervalMs: opts.intervalMs ?? 3_600_000,
      firstRunMs: opts.firstRunMs ?? 60_000,
      onError: opts.onError ?? ((e: unknown) => console.error('omnitrail: retention job failed', e)),
    },
  );
}
