import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createCommitter } from './committer';
import { openDb, walSyncer } from './db';
import { openSqliteStore } from './index';

const dirs: string[] = [];
function tmpDb(): { db: Database.Database; path: string } {
  const d = mkdtempSync(join(tmpdir(), 'ot-commit-'));
  dirs.push(d);
  const path = join(d, 'c.db');
  const db = openDb(path);
  db.exec('CREATE TABLE t (x INTEGER)');
  return { db, path };
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('committer with an off-loop WAL sync', () => {
  it('resolves callers only after the fsync that follows their COMMIT; writes queue while a flush is in flight (group commit)', async () => {
    const { db } = tmpDb();
    const log: string[] = [];
    const pendingSyncs: ((err: Error | null) => void)[] = [];
    const rows = () => db.prepare('SELECT count(*) FROM t').pluck().get();
    const c = createCommitter(db, {
      sync: (done) => {
        log.push(`sync-start rows=${rows()}`);
        pendingSyncs.push(done);
      },
    });
    const a = c.commit((d) => d.prepare('INSERT INTO t VALUES (1)').run()).then(() => log.push('a resolved'));
    await new Promise((r) => setTimeout(r, 20));
    // Flushed at once (no timer), committed (visible) but not durable yet: the caller waits.
    expect(rows()).toBe(1);
    expect(log).toEqual(['sync-start rows=1']);
    const b = c.commit((d) => d.prepare('INSERT INTO t VALUES (2)').run()).then(() => log.push('b resolved'));
    const b2 = c.commit((d) => d.prepare('INSERT INTO t VALUES (3)').run());
    await new Promise((r) => setTimeout(r, 20));
    // a's fsync is in flight: b and b2 queue instead of starting a transaction of their own.
    expect(rows()).toBe(1);
    expect(c.pending).toBe(2);
    pendingSyncs.shift()!(null);
    await a;
    await new Promise((r) => setTimeout(r, 20));
    // The moment a is durable, everything queued goes in one flush with one fsync.
    expect(rows()).toBe(3);
    expect(log).toEqual(['sync-start rows=1', 'a resolved', 'sync-start rows=3']);
    pendingSyncs.shift()!(null);
    await Promise.all([b, b2]);
    expect(log.at(-1)).toBe('b resolved');
  });

  it('maxBatch starts a flush while another is in flight, still one fsync at a time and in order', async () => {
    const { db } = tmpDb();
    const log: string[] = [];
    const pendingSyncs: ((err: Error | null) => void)[] = [];
    const c = createCommitter(db, {
      maxBatch: 2,
      sync: (done) => {
        log.push(`sync-start rows=${db.prepare('SELECT count(*) FROM t').pluck().get()}`);
        pendingSyncs.push(done);
      },
    });
    const ins = () => c.commit((d) => d.prepare('INSERT INTO t VALUES (1)').run());
    const first = ins().then(() => log.push('first'));
    await new Promise((r) => setTimeout(r, 20));
    const full = Promise.all([ins(), ins()]).then(() => log.push('full'));
    await new Promise((r) => setTimeout(r, 20));
    // Committed without waiting for the first fsync, but not synced by it.
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(3);
    expect(log).toEqual(['sync-start rows=1']);
    pendingSyncs.shift()!(null);
    await first;
    expect(log).toEqual(['sync-start rows=1', 'sync-start rows=3', 'first']);
    pendingSyncs.shift()!(null);
    await full;
  });

  it('rejects the callers of a flush whose fsync failed, and close() waits for the fsync in flight', async () => {
    const { db } = tmpDb();
    let fail = true;
    let release: () => void = () => {};
    const c = createCommitter(db, {
      flushMs: 0,
      sync: (done) => {
        if (fail) return done(new Error('EIO'));
        release = () => done(null);
      },
    });
    await expect(c.commit((d) => d.prepare('INSERT INTO t VALUES (1)').run())).rejects.toThrow('EIO');
    fail = false;
    let resolved = false;
    const p = c.commit((d) => d.prepare('INSERT INTO t VALUES (2)').run()).then(() => (resolved = true));
    await new Promise((r) => setTimeout(r, 20));
    let closed = false;
    const closing = c.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(resolved).toBe(false);
    expect(closed).toBe(false);
    release();
    await Promise.all([p, closing]);
    expect(resolved && closed).toBe(true);
  });

  it('refuses an async fn (its awaited writes would miss the transaction) and rolls back what it did', async () => {
    const { db } = tmpDb();
    const c = createCommitter(db);
    await expect(
      c.commit(async (d) => {
        d.prepare('INSERT INTO t VALUES (9)').run();
      }),
    ).rejects.toThrow(/must be synchronous/);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(0);
  });

  it('flushes at once after a quiet period and batches writes arriving within flushMs', async () => {
    const { db } = tmpDb();
    const sizes: number[] = [];
    const c = createCommitter(db, { flushMs: 30, onFlush: (f) => sizes.push(f.ops) });
    await c.commit((d) => d.prepare('INSERT INTO t VALUES (1)').run());
    // Right after a flush, the next writes wait for the interval and go together.
    await Promise.all([1, 2, 3].map(() => c.commit((d) => d.prepare('INSERT INTO t VALUES (1)').run())));
    expect(sizes).toEqual([1, 3]);
  });

  it('the store fdatasyncs the real WAL file (synchronous=NORMAL) by default, or uses FULL on request', async () => {
    const d = mkdtempSync(join(tmpdir(), 'ot-commit-'));
    dirs.push(d);
    const s = openSqliteStore(join(d, 'a.db'));
    expect(s.db.pragma('synchronous', { simple: true })).toBe(1);
    await s.createSite({ name: 'x', origins: ['*'] });
    await s.close();
    const f = openSqliteStore(join(d, 'b.db'), { walSync: 'commit' });
    expect(f.db.pragma('synchronous', { simple: true })).toBe(2);
    await f.close();
    const { db, path } = tmpDb();
    const w = walSyncer(db, path, 'thread-pool')!;
    db.prepare('INSERT INTO t VALUES (1)').run();
    await new Promise<void>((resolve, reject) => w.sync((e) => (e ? reject(e) : resolve())));
    w.close();
    expect(walSyncer(db, path, 'commit')).toBeNull();
  });
});
