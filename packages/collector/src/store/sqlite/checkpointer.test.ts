import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backgroundCheckpointer } from './checkpointer';
import { openDb } from './db';
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

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('background checkpointer', () => {
  it('copies committed WAL pages into the database file from its worker, not from the writer', async () => {
    const path = tmpPath();
    const db = openDb(path);
    db.exec('CREATE TABLE t (x TEXT)');
    db.pragma('wal_checkpoint(TRUNCATE)');
    const cp = backgroundCheckpointer(db, path, { startAfter: 1, intervalMs: 5, everyRows: 1 })!;
    cp.committed(); // starts the worker and raises the writer's own threshold
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(16_000);
    const before = statSync(path).size;
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run('x'.repeat(500));
    })();
    // ~250 pages: far below the writer's threshold, so only the worker can have moved them.
    expect(statSync(path).size).toBe(before);
    cp.committed();
    await until(() => statSync(path).size > before + 500_000);
    await cp.close();
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(2000);
    db.close();
  });

  it('does not start a thread for a short-lived store, and never for an in-memory database', async () => {
    const path = tmpPath();
    const db = openDb(path);
    const cp = backgroundCheckpointer(db, path, { startAfter: 3 })!;
    cp.committed();
    cp.committed();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(4000);
    await cp.close();
    db.close();
    const mem = openDb(':memory:');
    expect(backgroundCheckpointer(mem, ':memory:')).toBeNull();
    mem.close();
  });

  it('a busy store checkpoints in the background and closes cleanly with everything stored', async () => {
    const path = tmpPath();
    const s = openSqliteStore(path);
    const { site } = await s.createSite({ name: 'b', origins: ['*'] });
    const ev = (i: number) => ({
      siteId: site.id,
      messageId: `m-${i}`,
      type: 'track' as const,
      event: 'E',
      anonymousId: `a-${i % 50}`,
      userId: null,
      timestamp: 1_700_000_000_000 + i,
      originalTimestamp: null,
      receivedAt: 1_700_000_000_000 + i,
      sentAt: null,
      consent: null,
      bot: false,
      ua: null,
      country: null,
      context: { page: { path: `/p/${i}` } },
      properties: { i },
      traits: {},
    });
    // More commits than the worker's start threshold, some of them concurrent.
    for (let r = 0; r < 300; r++) await Promise.all([s.appendEvents([ev(2 * r)]), s.appendEvents([ev(2 * r + 1)])]);
    expect(s.db.pragma('wal_autocheckpoint', { simple: true })).toBe(16_000);
    await s.close();
    const again = openSqliteStore(path);
    expect(await again.countEvents(site.id)).toBe(600);
    await again.close();
  });
});
