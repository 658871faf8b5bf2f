/** Upper bounds (seconds) of the commit-latency histogram buckets. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Ingest counters of one collector instance, rendered as Prometheus text by `/metrics`.
 * Plain numbers and one fixed histogram: updating them costs a few additions per request.
 */
export interface Metrics {
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Requests refused whole, by HTTP status (400, 401, 403, 413, 429, …; 500 when storage failed). */
  refused: Map<number, number>;
  /** Commit-wait histogram: cumulative counts per bucket in {@link BUCKETS} order, then +Inf. */
  commitBuckets: number[];
  commitSum: number;
  commitCount: number;
  /** Storage flushes (group-commit transactions), when the store reports them. */
  flushes: number;
  flushFailures: number;
  flushEvents: number;
  /** Flush-duration histogram, same buckets as the commit wait. */
  flushBuckets: number[];
  flushSum: number;
  /**
   * Events committed but not yet applied by the background stitching pass, when the store has
   * one (set by the Node server for its SQLite store). A backlog that keeps growing means
   * identity stitching cannot keep up with ingest.
   */
  stitchBacklog?: () => number;
  /**
   * Bytes free for the collector on the database's file system (set by the Node server for its
   * SQLite file). Ingest fails (500) when a transaction no longer fits, before /healthz's one-page
   * probe does: alert on this gauge instead.
   */
  diskFreeBytes?: () => number | null;
  /** Background WAL checkpoint passes (SQLite store with its checkpoint worker), failed ones included. */
  checkpointPasses: number;
  checkpointFailures: number;
  /** Passes run while commits were held so the WAL could restart, and their total duration. */
  checkpointHolds: number;
  checkpointHoldSeconds: number;
  /** Record the time one `appendEvents` call waited for its group commit. */
  observeCommit(seconds: number): void;
  /** Record one storage flush (wire to the store's flush hook, e.g. `openSqliteStore(path, { onFlush })`). */
  observeFlush(info: { ms: number; weight: number; ok: boolean }): void;
  /** Record one background checkpoint pass (wire to `openSqliteStore(path, { checkpoint: { onPass } })`). */
  observeCheckpoint(pass: { ms: number; gap: boolean; error?: string }): void;
  /** Count a request refused as a whole. */
  refuse(status: number): void;
}

/**
 * Create an empty set of ingest counters.
 *
 * @example
 * const m = createMetrics();
 * m.accepted += 20;
 * m.observeCommit(0.004);
 * renderMetrics(m); // "# HELP omnitrail_events_accepted_total …"
 */
export function createMetrics(): Metrics {
  const m: Metrics = {
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    refused: new Map(),
    commitBuckets: new Array(BUCKETS.length + 1).fill(0),
    commitSum: 0,
    commitCount: 0,
    flushes: 0,
    flushFailures: 0,
    flushEvents: 0,
    flushBuckets: new Array(BUCKETS.length + 1).fill(0),
    flushSum: 0,
    checkpointPasses: 0,
    checkpointFailures: 0,
    checkpointHolds: 0,
    checkpointHoldSeconds: 0,
    observeCheckpoint({ ms, gap, error }) {
      m.checkpointPasses++;
      if (error) m.checkpointFailures++;
      if (gap) (m.checkpointHolds++, (m.checkpointHoldSeconds += ms / 1000));
    },
    observeFlush({ ms, weight, ok }) {
      const s = ms / 1000;
      m.flushes++;
      if (!ok) m.flushFailures++;
      m.flushEvents += weight;
      m.flushSum += s;
      for (let i = 0; i < BUCKETS.length; i++) if (s <= BUCKETS[i]) m.flushBuckets[i]++;
      m.flushBuckets[BUCKETS.length]++;
    },
    observeCommit(s) {
      m.commitSum += s;
      m.commitCount++;
      for (let i = 0; i < BUCKETS.length; i++) if (s <= BUCKETS[i]) m.commitBuckets[i]++;
      m.commitBuckets[BUCKETS.length]++;
    },
    refuse(status) {
      m.refused.set(status, (m.refused.get(status) ?? 0) + 1);
    },
  };
  return m;
}

/**
 * Render the counters in the Prometheus text exposition format (version 0.0.4).
 *
 * @example
 * new Response(renderMetrics(m), { headers: { 'content-type': 'text/plain; version=0.0.4' } });
 */
export function renderMetrics(m: Metrics): string {
  const out: string[] = [];
  const counter = (name: string, help: string, value: number) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
  };
  counter('omnitrail_events_accepted_total', 'Events stored (committed) by ingest.', m.accepted);
  counter('omnitrail_events_duplicate_total', 'Events whose (site, messageId) was already stored.', m.duplicates);
  counter('omnitrail_events_rejected_total', 'Events refused individually by validation.', m.rejected);
  out.push('# HELP omnitrail_requests_refused_total Ingest requests refused as a whole, by status.');
  out.push('# TYPE omnitrail_requests_refused_total counter');
  for (const [status, n] of [...m.refused].sort((a, b) => a[0] - b[0])) {
    out.push(`omnitrail_requests_refused_total{status="${status}"} ${n}`);
  }
  const h = 'omnitrail_commit_wait_seconds';
  out.push(`# HELP ${h} Time an ingest request waited for its group commit (durable flush latency).`);
  out.push(`# TYPE ${h} histogram`);
  BUCKETS.forEach((b, i) => out.push(`${h}_bucket{le="${b}"} ${m.commitBuckets[i]}`));
  out.push(`${h}_bucket{le="+Inf"} ${m.commitBuckets[BUCKETS.length]}`);
  out.push(`${h}_sum ${m.commitSum}`, `${h}_count ${m.commitCount}`);
  if (m.flushes > 0) {
    const f = 'omnitrail_flush_seconds';
    out.push(`# HELP ${f} Duration of one group-commit transaction (COMMIT included).`, `# TYPE ${f} histogram`);
    BUCKETS.forEach((b, i) => out.push(`${f}_bucket{le="${b}"} ${m.flushBuckets[i]}`));
    out.push(`${f}_bucket{le="+Inf"} ${m.flushBuckets[BUCKETS.length]}`);
    out.push(`${f}_sum ${m.flushSum}`, `${f}_count ${m.flushes}`);
    counter('omnitrail_flush_failures_total', 'Group-commit transactions that failed.', m.flushFailures);
    counter('omnitrail_flush_events_total', 'Events written by group-commit transactions.', m.flushEvents);
  }
  if (m.checkpointPasses > 0) {
    counter('omnitrail_wal_checkpoint_passes_total', 'WAL checkpoint passes run by the background worker.', m.checkpointPasses);
    counter('omnitrail_wal_checkpoint_failures_total', 'Background WAL checkpoint passes that failed.', m.checkpointFailures);
    counter('omnitrail_wal_restart_holds_total', 'Times new transactions were held so the WAL could restart.', m.checkpointHolds);
    counter('omnitrail_wal_restart_hold_seconds_total', 'Total time new transactions were held for WAL restarts.', m.checkpointHoldSeconds);
  }
  if (m.stitchBacklog) {
    const g = 'omnitrail_stitch_backlog_events';
    out.push(`# HELP ${g} Events committed but not yet applied to the identity graph (background pass).`, `# TYPE ${g} gauge`, `${g} ${m.stitchBacklog()}`);
  }
  const free = m.diskFreeBytes?.();
  if (free != null) {
    const g = 'omnitrail_disk_free_bytes';
    out.push(`# HELP ${g} Bytes available to the collector on the database's file system.`, `# TYPE ${g} gauge`, `${g} ${free}`);
  }
  return out.join('\n') + '\n';
}
