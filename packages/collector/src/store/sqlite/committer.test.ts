import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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
  it('resolves callers only after the fsync that follows their COMMIT, in order, one fsync at a time', async () => {
    const { db } = tmpDb();
    const log: string[] = [];
    const pendingSyncs: ((err: Error | null) => void)[] = [];
    const c = createCommitter(db, {
      flushMs: 0,
      sync: (done) => {
        log.push(`sync-start rows=${db.prepare('SELECT count(*) FROM t').pluck().get()}`);
        pendingSyncs.push(done);
      },
    });
    const a = c.commit((d) => d.prepare('INSERT INTO t VALUES (1)').run()).then(() => log.push('a resolved'));
    await new Promise((r) => setTimeout(r, 20));
    // Committed (visible) but not durable yet: the caller is still waiting.
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1);
    expect(log).toEqual(['sync-start rows=1']);
    const b = c.commit((d) => d.prepare('INSERT INTO t VALUES (2)').run()).then(() => log.push('b resolved'));
    await new Promise((r) => setTimeout(r, 20));
    // b committed while a's fsync is in flight: no second fsync until the first returns.
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(2);
    expect(log).toEqual(['sync-start rows=1']);
    pendingSyncs.shift()!(null);
    await a;
    expect(log).toEqual(['sync-start rows=1', 'sync-start rows=2', 'a resolved']);
    pendingSyncs.shift()!(null);
    await b;
    expect(log.at(-1)).toBe('b resolved');
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
