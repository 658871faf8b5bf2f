import { expect, test } from 'vitest';
import { createMetrics, renderMetrics } from './metrics';

test('renders counters and cumulative histograms in Prometheus text format', () => {
  const m = createMetrics();
  m.accepted = 5;
  m.duplicates = 2;
  m.rejected = 1;
  m.refuse(413);
  m.refuse(413);
  m.refuse(401);
  m.observeCommit(0.003);
  m.observeCommit(0.2);
  m.observeFlush({ ms: 4, weight: 20, ok: true });
  expect(renderMetrics(m)).not.toContain('omnitrail_stitch_backlog_events');
  expect(renderMetrics(m)).not.toContain('omnitrail_wal_checkpoint_passes_total');
  m.observeCheckpoint({ ms: 12, gap: false });
  m.observeCheckpoint({ ms: 6, gap: true });
  m.observeCheckpoint({ ms: 1, gap: false, error: 'SQLITE_IOERR' });
  m.stitchBacklog = () => 7;
  m.diskFreeBytes = () => null; // a file system that cannot say: no gauge
  expect(renderMetrics(m)).not.toContain('omnitrail_disk_free_bytes');
  m.diskFreeBytes = () => 5_368_709_120;
  const text = renderMetrics(m);
  expect(text).toContain('# TYPE omnitrail_disk_free_bytes gauge\nomnitrail_disk_free_bytes 5368709120\n');
  expect(text).toContain('# TYPE omnitrail_stitch_backlog_events gauge\nomnitrail_stitch_backlog_events 7\n');
  expect(text).toContain('omnitrail_events_accepted_total 5\n');
  expect(text).toContain('omnitrail_events_duplicate_total 2\n');
  expect(text).toContain('omnitrail_events_rejected_total 1\n');
  expect(text).toContain('omnitrail_requests_refused_total{status="401"} 1\nomnitrail_requests_refused_total{status="413"} 2\n');
  expect(text).toContain('omnitrail_commit_wait_seconds_bucket{le="0.0025"} 0\n');
  expect(text).toContain('omnitrail_commit_wait_seconds_bucket{le="0.005"} 1\n');
  expect(text).toContain('omnitrail_commit_wait_seconds_bucket{le="0.25"} 2\n');
  expect(text).toContain('omnitrail_commit_wait_seconds_count 2\n');
  expect(text).toContain('omnitrail_flush_seconds_bucket{le="0.005"} 1\n');
  expect(text).toContain('omnitrail_flush_events_total 20\n');
  expect(text).toContain('omnitrail_wal_checkpoint_passes_total 3\n');
  expect(text).toContain('omnitrail_wal_checkpoint_failures_total 1\n');
  expect(text).toContain('omnitrail_wal_restart_holds_total 1\n');
  expect(text).toContain('omnitrail_wal_restart_hold_seconds_total 0.006\n');
  // every sample line is "name{labels} number"
  for (const line of text.trim().split('\n')) if (!line.startsWith('#')) expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$/);
});
