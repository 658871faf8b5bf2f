import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { workerCheckpointer, type CheckpointPass, type CommitGate } from './checkpointer';
import { createCommitter } from './committer';
import { openDb, walSyncer } from './db';
import { openSqliteStore } from './index';

const dirs: string[] = [];
function tmpPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'ot-ckpt-'));
  dirs.push(d);
  return join(d, 'c.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** ~4 KiB per row: one WAL frame each. */
const PAGE = 'x'.repeat(4000);

/** The WAL header's checkpoint sequence number: SQLite increments it each time the WAL restarts. */
function walRestarts(path: string): number {
  const fd = openSync(`${path}-wal`, 'r');
  try {
    const h = Buffer.alloc(16);
    readSync(fd, h, 0, 16, 0);
    return h.readUInt32BE(12);
  } finally {
    closeSync(fd);
  }
}

/**
 * 4 concurrent writers of 5 rows, batch after batch: ~20 frames per transaction, 3 000 frames in
 * all, never a pause between transactions longer than one fsync. The writer itself never
 * checkpoints (no fallback, no auto-checkpoint), so only the worker can let the WAL restart.
 */
async function writeFrames(path: string, gate: 'worker' | 'none') {
  const db = openDb(path);
  db.exec('CREATE TABLE t (i INTEGER, pad TEXT)');
  const wal = walSyncer(db, path, 'thread-pool')!;
  /** Restart counter read when each completed restart pass ended, before the hold was released. */
  const gaps: number[] = [];
  const passes: CheckpointPass[] = [];
  const ckpt =
    gate === 'worker'
      ? workerCheckpointer(db, path, {
          intervalMs: 2,
          restartFrames: 200,
          fallbackFrames: 1e9,
          onPass: (p) => {
            passes.push(p);
            if (p.gap && !p.busy && !p.error && p.checkpointed === p.log) gaps.push(walRestarts(path));
          },
        })
      : undefined;
  if (!ckpt) db.pragma('wal_autocheckpoint = 0');
  await ckpt?.start();
  const c = createCommitter(db, { sync: wal.sync, checkpointer: ckpt });
  let maxWal = 0;
  /** Restart passes each followed by a restart at the next transaction, and those that were not. */
  let restartedAfterGap = 0;
  const missed: string[] = [];
  for (let batch = 0; batch < 150; batch++) {
    const gapsBefore = gaps.length;
    await Promise.all(
      [0, 1, 2, 3].map((k) =>
        c.commit((d) => {
          const ins = d.prepare('INSERT INTO t VALUES (?, ?)');
          for (let j = 0; j < 5; j++) ins.run(batch * 20 + k * 5 + j, PAGE);
        }, 5),
      ),
    );
    // This batch's transaction began after every restart pass seen before it was queued: the
    // hold kept all commits out of those passes, so the WAL must have restarted since.
    const now = walRestarts(path);
    for (const atGap of gaps.slice(restartedAfterGap + missed.length, gapsBefore)) {
      if (now > atGap) restartedAfterGap++;
      else missed.push(`batch ${batch}: restart counter still ${now}`);
    }
    maxWal = Math.max(maxWal, statSync(`${path}-wal`).size);
  }
  await c.close();
  await ckpt?.close();
  const rows = db.prepare('SELECT count(*) FROM t').pluck().get();
  const integrity = db.pragma('integrity_check', { simple: true });
  wal.close();
  db.close();
  return { maxWal, rows, integrity, passes, restartedAfterGap, missed };
}

describe('worker checkpointer', () => {
  it('keeps the WAL small under continuous commits: passes in a worker, then a short hold that lets the WAL restart', async () => {
    const withWorker = await writeFrames(tmpPath(), 'worker');
    const without = await writeFrames(tmpPath(), 'none');
    expect(withWorker.rows).toBe(3000);
    expect(withWorker.integrity).toBe('ok');
    expect(without.rows).toBe(3000);
    // Without checkpoints the WAL holds all 3 000 frames (12 MiB).
    expect(without.maxWal).toBeGreaterThan(11 * 1024 * 1024);
    // With the worker, every completed restart pass is followed by a WAL restart at the next
    // transaction (checked through the WAL header, not by timing: a busy machine slows the worker
    // down but cannot break this). Without the hold, commits land during that pass, frames stay
    // uncopied and the WAL does not restart. On an idle machine: ~11 restarts, WAL under 2 MiB.
    expect(withWorker.missed).toEqual([]);
    expect(withWorker.restartedAfterGap).toBeGreaterThanOrEqual(1);
    expect(withWorker.maxWal).toBeLessThan(without.maxWal);
    for (const p of withWorker.passes) expect(p.error).toBeUndefined();
  });

  it('times passes by the WAL growth: a slowly growing WAL is not copied every interval', async () => {
    const path = tmpPath();
    const db = openDb(path);
    db.exec('CREATE TABLE t (i INTEGER, pad TEXT)');
    const passes: CheckpointPass[] = [];
    const ckpt = workerCheckpointer(db, path, { intervalMs: 10, maxIntervalMs: 2000, restartFrames: 1000, onPass: (p) => passes.push(p) });
    await ckpt.start();
    const c = createCommitter(db, { checkpointer: ckpt });
    // ~1 frame every 5 ms for 1 s: at that rate 1 000 frames are ~5 s away.
    for (let i = 0; i < 200; i++) {
      await c.commit((d) => d.prepare('INSERT INTO t VALUES (?, ?)').run(i, PAGE));
      await new Promise((r) => setTimeout(r, 5));
    }
    await c.close();
    await ckpt.close();
    db.close();
    // The first pass, one 10 ms later to measure the rate, then the 2 s cap (a pass every 10 ms
    // would have run ~100 times). 2–4 on an idle machine; a busy one can add a pass or two.
    expect(passes.length).toBeGreaterThanOrEqual(2);
    expect(passes.length).toBeLessThanOrEqual(8);
  });

  it('holds new transactions while the restart pass runs, then commits them together', async () => {
    const db = openDb(':memory:');
    db.exec('CREATE TABLE t (x INTEGER)');
    let held = false;
    const waiting: (() => void)[] = [];
    const gate: CommitGate = {
      afterCommit: vi.fn(),
      held: () => held,
      onRelease: (fn) => (held ? waiting.push(fn) : fn()),
    };
    const sizes: number[] = [];
    const c = createCommitter(db, { checkpointer: gate, onFlush: (f) => sizes.push(f.ops) });
    await c.commit((d) => d.prepare('INSERT INTO t VALUES (1)').run());
    expect(gate.afterCommit).toHaveBeenCalledTimes(1);
    held = true;
    const later = Promise.all([1, 2, 3].map((x) => c.commit((d) => d.prepare('INSERT INTO t VALUES (?)').run(x))));
    await new Promise((r) => setTimeout(r, 30));
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1);
    expect(c.pending).toBe(3);
    held = false;
    for (const f of waiting.splice(0)) f();
    await later;
    expect(sizes).toEqual([1, 3]);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(4);
    db.close();
  });

  it('if the worker cannot run, the writer checkpoints itself again and nothing is held', async () => {
    const path = tmpPath();
    const db = openDb(path);
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    // The worker opens with fileMustExist: a missing file makes it fail at start.
    const ckpt = workerCheckpointer(db, join(path, '..', 'missing.db'), { restartFrames: 300 });
    // Nothing runs before the first commit (or start()).
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(4000);
    const started = ckpt.start();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1200);
    await started;
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(300);
    expect(err).toHaveBeenCalledWith(expect.stringContaining('checkpoint worker stopped'), expect.anything());
    expect(ckpt.held()).toBe(false);
    ckpt.afterCommit();
    await ckpt.close();
    err.mockRestore();
    db.close();
  });

  it('truncate() empties the WAL while commits are held, between commits that keep arriving', async () => {
    const path = tmpPath();
    const db = openDb(path);
    db.exec('CREATE TABLE t (i INTEGER, pad TEXT)');
    const wal = walSyncer(db, path, 'thread-pool')!;
    /** WAL size when each truncate pass ended, read before the hold is released. */
    const sizes: number[] = [];
    const ckpt = workerCheckpointer(db, path, {
      intervalMs: 50,
      onPass: (p) => p.truncate && sizes.push(statSync(`${path}-wal`).size),
    });
    await ckpt.start();
    const c = createCommitter(db, { sync: wal.sync, checkpointer: ckpt });
    const writes: Promise<void>[] = [];
    let truncated: Promise<CheckpointPass | null> | null = null;
    for (let i = 0; i < 200; i++) {
      writes.push(c.commit((d) => void d.prepare('INSERT INTO t VALUES (?, ?)').run(i, PAGE)));
      if (i === 100) truncated = ckpt.truncate();
      if (i % 10 === 0) await writes[i];
    }
    await Promise.all(writes);
    const pass = await truncated!;
    expect(pass).toMatchObject({ truncate: true, gap: true, busy: 0 });
    expect(pass!.checkpointed).toBe(pass!.log);
    expect(sizes).toEqual([0]);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(200);
    await c.close();
    await ckpt.close();
    // Closed: nothing to run it, the caller checkpoints itself.
    expect(await ckpt.truncate()).toBeNull();
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    wal.close();
    db.close();
  });

  it('a script ending in `await store.close()` closes the database before it exits (the idle worker does not hold the process, the closing one does)', () => {
    const path = tmpPath();
    // The built package, in a process of its own: only there does an empty event loop end the process.
    const node = new URL('../../../dist/node.js', import.meta.url).href;
    const script = `const { openSqliteStore } = await import(${JSON.stringify(node)});
      // Closed at once (the worker still starting), then after a write.
      await openSqliteStore(${JSON.stringify(path)}).close();
      const s = openSqliteStore(${JSON.stringify(path)});
      await s.createSite({ name: 'x', origins: ['*'] });
      await s.close();
      console.log('closed');`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(out.trim()).toBe('closed');
    // db.close() ran: the last connection removed the WAL.
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('the store runs it by default on a file, and not with checkpoint: inline', async () => {
    const a = openSqliteStore(tmpPath());
    // Started by the first commit: a read-only CLI command never starts a thread.
    expect(a.db.pragma('wal_autocheckpoint', { simple: true })).toBe(4000);
    await a.createSite({ name: 'x', origins: ['*'] });
    expect(a.db.pragma('wal_autocheckpoint', { simple: true })).toBe(16000);
    await a.close();
    const b = openSqliteStore(tmpPath(), { checkpoint: 'inline' });
    expect(b.db.pragma('wal_autocheckpoint', { simple: true })).toBe(4000);
    await b.close();
  });
});
