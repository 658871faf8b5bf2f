import type { SqliteContext } from './context';

/** Purge batches aim at this duration (ms): short enough not to stall the acks they share a flush with. */
const TARGET_BATCH_MS = 8;

/**
 * Deletes a site's events older than `cutoff` (every one with `Infinity`) in batches through the
 * group committer, so ingest running beside it is never stalled: with no `batchSize` the size
 * adapts to keep each batch near 8 ms, and the purge pauses as long as its last batch took (it
 * uses at most about half of the time). Derived rows go with their events (triggers, plus the
 * two tables keyed by event row id here; `removed` counts those per table). Used by retention
 * and by site removal.
 *
 * @example
 * const { deleted } = await purgeEvents(ctx, site.id, Date.now() - 400 * 86_400_000);
 */
export async function purgeEvents(
  ctx: SqliteContext,
  siteId: string,
  cutoff: number,
  opts: { batchSize?: number; onBatch?: (deleted: number) => void } = {},
): Promise<{ deleted: number; batches: number; removed: Record<string, number> }> {
  const { db } = ctx;
  const fixed = opts.batchSize !== undefined ? Math.max(1, opts.batchSize) : null;
  let size = fixed ?? 256;
  const pick = db.prepare('SELECT id FROM events WHERE site_id = ? AND ts < ? ORDER BY ts LIMIT ?').pluck();
  // SQLite binds Infinity as a REAL that compares above every integer time.
  const before = cutoff === Infinity ? Number.MAX_VALUE : cutoff;
  let deleted = 0;
  let batches = 0;
  const removed: Record<string, number> = {};
  const count = (table: string, n: number) => {
    if (n) removed[table] = (removed[table] ?? 0) + n;
  };
  for (;;) {
    const limit = size;
    let ms = 0;
    const n = await ctx.commit((d) => {
      // Timed inside the transaction: the delete work itself, not the wait for the flush.
      const t0 = performance.now();
      const ids = pick.all(siteId, before, limit) as number[];
      const refs = d.prepare('DELETE FROM identity_refs WHERE event_id = ?');
      const scans = d.prepare('DELETE FROM qr_scans WHERE event_rowid = ?');
      const ev = d.prepare('DELETE FROM events WHERE id = ?');
      for (const id of ids) {
        count('identity_refs', refs.run(id).changes);
        count('qr_scans', scans.run(id).changes);
        count('events', ev.run(id).changes);
      }
      ms = performance.now() - t0;
      return ids.length;
    }, limit);
    deleted += n;
    if (n > 0) {
      batches++;
      opts.onBatch?.(deleted);
    }
    if (n < limit) break;
    if (fixed === null) size = Math.max(32, Math.min(4096, Math.round(size * (ms > TARGET_BATCH_MS ? 0.5 : ms < TARGET_BATCH_MS / 2 ? 2 : 1))));
    await new Promise((r) => setTimeout(r, Math.min(50, Math.ceil(ms))));
  }
  return { deleted, batches, removed };
}
