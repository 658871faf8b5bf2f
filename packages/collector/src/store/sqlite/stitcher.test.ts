import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Deriver } from './context';
import { openSqliteStore, type SqliteStore, type StitcherOptions } from './index';
import { createStitcher } from './stitcher';
import { storedEvents } from '../../test-utils/stored-event';

const dir = mkdtempSync(join(tmpdir(), 'ot-stitcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let dbn = 0;

/** A store whose background pass never fires on its own (an hour's delay): only reads and drains run it. */
async function open(stitch: StitcherOptions = { delayMs: 3_600_000 }, path = join(dir, `s${++dbn}.db`)) {
  const store = openSqliteStore(path, { flushMs: 1, stitch });
  const site = (await store.listSites())[0] ?? (await store.createSite({ name: 'Shop', origins: ['*'] })).site;
  return { store, siteId: site.id, path };
}

const ev = storedEvents({ prefix: 'm', t0: 1_000_000 });

const idCount = (s: SqliteStore) => s.db.prepare('SELECT count(*) FROM identity_ids').pluck().get() as number;
const cursor = (s: SqliteStore) => s.db.prepare('SELECT last_event FROM stitch_state').pluck().get() as number;
const maxEvent = (s: SqliteStore) => s.db.prepare('SELECT max(id) FROM events').pluck().get() as number;

describe('background stitching pass', () => {
  it('applies events after their commit, and every identity read waits for it', async () => {
    const { store, siteId } = await open();
    await store.appendEvents([ev(siteId, { type: 'identify', event: null, anonymousId: 'a1', userId: 'U1' })]);
    // Committed and acknowledged, not stitched yet: the pass is in the background.
    expect(idCount(store)).toBe(0);
    expect(cursor(store)).toBeLessThan(maxEvent(store));
    expect(store.stitchBacklog()).toBe(1);
    // The API read catches up first, so it includes every acknowledged event.
    const p = await store.personOf(siteId, { kind: 'user', value: 'U1' });
    expect(p?.identifiers.map((i) => `${i.kind}:${i.value}`)).toEqual(['anon:a1', 'user:U1']);
    expect(cursor(store)).toBe(maxEvent(store));
    expect(store.stitchBacklog()).toBe(0);
    await store.close();
  });

  it('runs on its own after delayMs, the events of that window in one pass', async () => {
    const flushes: { ops: number; weight: number }[] = [];
    const store = openSqliteStore(join(dir, `s${++dbn}.db`), { flushMs: 1, stitch: { delayMs: 30 }, onFlush: (f) => flushes.push(f) });
    const { site } = await store.createSite({ name: 'Shop', origins: ['*'] });
    await Promise.all([1, 2, 3].map((i) => store.appendEvents([ev(site.id, { anonymousId: `a${i}` })])));
    const appended = flushes.length;
    // The cursor is visible at COMMIT; onFlush reports after the WAL fsync that follows: wait for both.
    for (let t = 0; t < 250 && (cursor(store) < maxEvent(store) || flushes.length === appended); t++) await new Promise((r) => setTimeout(r, 20));
    expect(cursor(store)).toBe(maxEvent(store));
    expect(idCount(store)).toBe(3);
    // One flush after the appends, holding one operation: the pass over all three events.
    expect(flushes.slice(appended)).toEqual([expect.objectContaining({ ops: 1, weight: 3, ok: true })]);
    await store.close();
  });

  it('splits a backlog into passes of at most maxPass events while ingest runs, idlePass when idle', async () => {
    for (const [idleMs, passes] of [[3_600_000, [3, 3, 3, 1]], [0, [8, 2]]] as const) {
      const flushes: number[] = [];
      const store = openSqliteStore(join(dir, `s${++dbn}.db`), {
        flushMs: 1,
        stitch: { delayMs: 3_600_000, maxPass: 3, idlePass: 8, idleMs },
        onFlush: (f) => flushes.push(f.weight),
      });
      const { site } = await store.createSite({ name: 'Shop', origins: ['*'] });
      await store.appendEvents(Array.from({ length: 10 }, (_, i) => ev(site.id, { anonymousId: `b${i}` })));
      const before = flushes.length;
      await store.stitched();
      expect(flushes.slice(before)).toEqual(passes);
      expect(idCount(store)).toBe(10);
      expect(cursor(store)).toBe(maxEvent(store));
      await store.close();
    }
  });

  it('catches up from the event log after a crash (nothing handed over survives in memory)', async () => {
    const first = await open();
    await first.store.appendEvents([
      ev(first.siteId, { type: 'identify', event: null, anonymousId: 'c1', userId: 'U9' }),
      ev(first.siteId, { anonymousId: 'c2', userId: 'U9' }),
    ]);
    expect(idCount(first.store)).toBe(0);
    first.store.db.close(); // kill -9: no close(), no drain
    const again = await open({ delayMs: 3_600_000 }, first.path);
    const p = await again.store.personOf(again.siteId, { kind: 'user', value: 'U9' });
    expect(p?.identifiers.map((i) => `${i.kind}:${i.value}`)).toEqual(['anon:c1', 'anon:c2', 'user:U9']);
    await again.store.close();
  });

  it('reads the log when the hand-over does not match it (an event deleted before its pass)', async () => {
    const { store, siteId } = await open();
    await store.appendEvents([ev(siteId, { anonymousId: 'd1' }), ev(siteId, { anonymousId: 'd2', messageId: 'gone' }), ev(siteId, { anonymousId: 'd3' })]);
    await store.commit((db) => db.prepare("DELETE FROM events WHERE message_id = 'gone'").run());
    await store.stitched();
    const anons = store.db.prepare("SELECT value FROM identity_ids WHERE kind = 'anon' ORDER BY value").pluck().all();
    expect(anons).toEqual(['d1', 'd3']);
    await store.close();
  });

  it('holds at most maxHeld handed-over events; the rest is read from the log, even with newer events held', async () => {
    const { store, siteId } = await open({ delayMs: 3_600_000, maxHeld: 2, maxPass: 2, idlePass: 2 });
    await store.appendEvents(Array.from({ length: 5 }, (_, i) => ev(siteId, { anonymousId: `h${i}` }))); // h2–h4 not held
    // h5 is handed over after the first pass emptied the memory: memory then holds h5 but not h2–h4.
    await Promise.all([store.stitched(), store.appendEvents([ev(siteId, { anonymousId: 'h5' })])]);
    await store.stitched();
    expect(store.db.prepare("SELECT value FROM identity_ids WHERE kind = 'anon' ORDER BY value").pluck().all()).toEqual(['h0', 'h1', 'h2', 'h3', 'h4', 'h5']);
    await store.close();
  });

  it('erasure stitches pending events first, so a browser linked a moment ago is erased with its person', async () => {
    const { store, siteId } = await open();
    await store.appendEvents([
      ev(siteId, { type: 'identify', event: null, anonymousId: 'e1', userId: 'U5' }),
      ev(siteId, { anonymousId: 'e1', event: 'Viewed' }),
    ]);
    const counts = await store.erasePerson(siteId, { kind: 'user', value: 'U5' });
    expect(counts.events).toBe(2);
    expect(store.db.prepare("SELECT count(*) FROM events WHERE anonymous_id = 'e1'").pluck().get()).toBe(0);
    await store.stitched();
    expect(store.db.prepare("SELECT count(*) FROM identity_ids WHERE value IN ('e1', 'U5')").pluck().get()).toBe(0);
    await store.close();
  });

  it('close() drains the pending pass', async () => {
    const { store, siteId, path } = await open();
    await store.appendEvents([ev(siteId, { anonymousId: 'f1' })]);
    await store.close();
    const again = openSqliteStore(path);
    expect(idCount(again)).toBe(1);
    expect(cursor(again)).toBe(maxEvent(again));
    await again.close();
  });

  it('isolates a failing deriver: the other events are applied, the failure reported, the cursor moves on', async () => {
    const { store, siteId } = await open();
    await store.appendEvents([ev(siteId, { anonymousId: 'g1' })]);
    await store.stitched();
    const rows = await store.appendEvents([ev(siteId, { anonymousId: 'g2' }), ev(siteId, { anonymousId: 'bad' }), ev(siteId, { anonymousId: 'g3' })]);
    expect(rows).toEqual(['inserted', 'inserted', 'inserted']);
    store.db.exec('CREATE TABLE seen (anon TEXT)');
    const seen: Deriver = (db, e) => {
      if (e.anonymousId === 'bad') throw new Error('boom');
      db.prepare('INSERT INTO seen (anon) VALUES (?)').run(e.anonymousId);
    };
    const errors: string[] = [];
    // A second stitcher over the same log (its own cursor row is the shared one: it starts where the store's left off).
    const s = createStitcher(store.db, store.commit, [seen], (err, e) => errors.push(`${e.anonymousId}: ${(err as Error).message}`), { delayMs: 3_600_000 });
    await s.catchUp();
    expect(store.db.prepare('SELECT anon FROM seen ORDER BY anon').pluck().all()).toEqual(['g2', 'g3']);
    expect(errors).toEqual(['bad: boom']);
    expect(cursor(store)).toBe(maxEvent(store));
    await s.close();
    await store.close();
  });
});
