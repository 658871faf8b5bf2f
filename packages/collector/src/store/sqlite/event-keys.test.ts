import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../core';
import { storedEvents } from '../../test-utils/stored-event';
import { tempStores } from '../../test-utils/temp-store';
import { eventsOfId } from './core';
import { openDb } from './db';
import { GEN_SHIFT } from './event-keys';
import { keyHash } from './hash';
import type { SqliteStore } from './index';
import { migrations, runMigrations } from './migrations';

const GEN = 2 ** GEN_SHIFT;
const { tmpPath, openStore } = tempStores('ot-keys-');

const SITE = 'st_k';
const ev = storedEvents({ prefix: 'k', t0: 1_000_000 });

/** Jumps the id sequence to just before a generation boundary, as a row another process appended there. */
function jumpTo(s: SqliteStore, id: number, anon = 'jumper'): Promise<unknown> {
  return s.commit((db) =>
    db
      .prepare(
        `INSERT INTO events (id, site_id, mid_hash, message_id, type, anonymous_id, anon_hash, ts, received_at)
         VALUES (?, ?, ?, ?, 'track', ?, ?, 1, 1)`,
      )
      .run(id, SITE, keyHash(SITE, `jump-${id}`), `jump-${id}`, anon, keyHash(SITE, anon)),
  );
}

const sealedGens = (s: SqliteStore) => s.db.prepare('SELECT sealed FROM event_keys_state').pluck().get() as number;

/** Appends (which starts sealing) and flushes until `gens` generations are sealed. */
async function untilSealed(s: SqliteStore, gens: number): Promise<void> {
  for (let i = 0; i < 200 && sealedGens(s) < gens; i++) await s.flush();
  expect(sealedGens(s)).toBe(gens);
}

/** Every event of an anonymous ID by a full scan: what the key lookups must return. */
const truth = (s: SqliteStore, anon: string) =>
  s.db.prepare('SELECT id FROM events WHERE site_id = ? AND anonymous_id = ? ORDER BY ts, id').pluck().all(SITE, anon) as number[];
const viaKeys = (s: SqliteStore, anon: string) => eventsOfId(s.db, SITE, 'anonymousId', anon).map((r) => r.id);

describe('event keys: sealed generations', () => {
  it('seal a completed generation into event_keys; lookups and dedup span memory and the table', async () => {
    const s = openStore(tmpPath());
    const first = [ev(SITE, { anonymousId: 'a1' }), ev(SITE, { anonymousId: 'a2', userId: 'u2' })];
    await s.appendEvents(first);
    await jumpTo(s, GEN - 3, 'a1');
    // These cross into generation 1: generation 0 is complete and gets sealed.
    const crossing = Array.from({ length: 6 }, (_, i) => ev(SITE, { anonymousId: i % 2 ? 'a1' : 'a2' }));
    expect(await s.appendEvents(crossing)).toEqual(crossing.map(() => 'inserted'));
    await untilSealed(s, 1);

    const keys = s.db.prepare('SELECT gen, hash, id FROM event_keys ORDER BY gen, hash, id').all() as { gen: number; hash: number; id: number }[];
    // Every key of every generation-0 row, nothing of generation 1 (still in memory).
    const gen0 = s.db.prepare('SELECT id, mid_hash, anon_hash, user_hash FROM events WHERE id < ?').raw().all(GEN) as number[][];
    const expected = gen0.flatMap(([id, ...hs]) => hs.filter((h) => h !== null).map((hash) => ({ gen: 0, hash, id })));
    expect(keys).toEqual(expected.sort((a, b) => a.hash - b.hash || a.id - b.id));

    for (const a of ['a1', 'a2', 'jumper']) expect(viaKeys(s, a)).toEqual(truth(s, a));
    expect(viaKeys(s, 'a1').length).toBe(5); // one before the jump, the jump row, three after
    expect(eventsOfId(s.db, SITE, 'userId', 'u2').map((r) => r.message_id)).toEqual([first[1].messageId]);
    // Replays of sealed and of in-memory events alike are duplicates.
    expect(await s.appendEvents([...first, ...crossing])).toEqual([...first, ...crossing].map(() => 'duplicate'));
  });

  it('survive a restart: the sealed table and the newest generation read back from the log', async () => {
    const path = tmpPath();
    const a = openStore(path);
    await a.appendEvents([ev(SITE, { anonymousId: 'r1' })]);
    await jumpTo(a, GEN - 2, 'r1');
    const after = [ev(SITE, { anonymousId: 'r1' }), ev(SITE, { anonymousId: 'r1' }), ev(SITE, { anonymousId: 'r2' })];
    await a.appendEvents(after);
    await untilSealed(a, 1);
    await a.close();
    const b = openStore(path);
    expect(viaKeys(b, 'r1')).toEqual(truth(b, 'r1'));
    expect(viaKeys(b, 'r1').length).toBe(4);
    expect(await b.appendEvents(after)).toEqual(['duplicate', 'duplicate', 'duplicate']);
  });

  it('a start finds a complete generation left unsealed (a crash mid-seal) and seals it before use', async () => {
    const path = tmpPath();
    const a = openStore(path);
    await a.appendEvents([ev(SITE, { anonymousId: 'c1' })]);
    await jumpTo(a, 2 * GEN + 5, 'c1'); // generations 0 and 1 complete
    await a.appendEvents([ev(SITE, { anonymousId: 'c1' })]);
    await untilSealed(a, 2);
    // Undo the seal, as if the process died before it: no keys, state back at 0.
    await a.commit((db) => db.exec('DELETE FROM event_keys; UPDATE event_keys_state SET sealed = 0'));
    await a.close();
    const b = openStore(path);
    b.warmUp();
    expect(sealedGens(b)).toBe(2);
    expect(b.db.prepare('SELECT count(*) FROM event_keys WHERE id = 1').pluck().get()).toBe(2); // mid + anon
    expect(viaKeys(b, 'c1')).toEqual(truth(b, 'c1'));
    expect(viaKeys(b, 'c1').length).toBe(3);
  });

  it('see rows another connection appended to the newest generation, and seal them with their own', async () => {
    const path = tmpPath();
    const a = openStore(path);
    const b = openStore(path);
    await a.appendEvents([ev(SITE, { anonymousId: 'o1' })]);
    await b.appendEvents([ev(SITE, { anonymousId: 'o1' }), ev(SITE, { anonymousId: 'o2' })]);
    // a never saw b's rows through its own inserts: its reads and dedup catch up from the log.
    expect(viaKeys(a, 'o1')).toEqual(truth(a, 'o1'));
    expect(viaKeys(a, 'o1').length).toBe(2);
    await jumpTo(b, GEN - 1, 'o2');
    await a.appendEvents([ev(SITE, { anonymousId: 'o2' })]);
    await untilSealed(a, 1);
    expect(viaKeys(a, 'o2')).toEqual(truth(a, 'o2'));
    expect(viaKeys(b, 'o2')).toEqual(truth(b, 'o2'));
    expect(a.db.prepare('SELECT count(*) FROM event_keys WHERE gen = 0').pluck().get()).toBe(2 * 4); // 4 rows, mid + anon each
  });

  it('erasure removes the keys of sealed rows (trigger), and rows erased before sealing never get keys', async () => {
    const s = openStore(tmpPath());
    await s.appendEvents([ev(SITE, { anonymousId: 'gone-early' }), ev(SITE, { anonymousId: 'gone-late' }), ev(SITE, { anonymousId: 'stays' })]);
    // Erased while generation 0 is still in memory: its keys must not be sealed afterwards.
    await s.erasePerson(SITE, { kind: 'anon', value: 'gone-early' });
    await jumpTo(s, GEN + 1, 'stays');
    await s.appendEvents([ev(SITE, { anonymousId: 'stays' })]);
    await untilSealed(s, 1);
    const keyed = (id: number) => s.db.prepare('SELECT count(*) FROM event_keys WHERE id = ?').pluck().get(id);
    expect(keyed(1)).toBe(0);
    expect(keyed(2)).toBe(2);
    await s.erasePerson(SITE, { kind: 'anon', value: 'gone-late' });
    expect(keyed(2)).toBe(0);
    expect(keyed(3)).toBe(2);
    expect(viaKeys(s, 'gone-late')).toEqual([]);
    expect(viaKeys(s, 'stays')).toEqual(truth(s, 'stays'));
  });

  it('forget the keys of a rolled-back transaction: a reused id is sealed with its new row only', async () => {
    const s = openStore(tmpPath());
    // A COMMIT that fails (a deferred constraint) rolls back every op of its transaction.
    await s.commit((db) => db.exec('CREATE TABLE fk_trap (x TEXT REFERENCES sites(id) DEFERRABLE INITIALLY DEFERRED)'));
    const lost = s.appendEvents([ev(SITE, { anonymousId: 'rolled-back' })]);
    const trap = s.commit((db) => db.prepare("INSERT INTO fk_trap VALUES ('no such site')").run());
    await expect(lost).rejects.toThrow(/FOREIGN KEY/);
    await expect(trap).rejects.toThrow(/FOREIGN KEY/);
    await s.appendEvents([ev(SITE, { anonymousId: 'kept' })]); // takes the rolled-back id again
    await jumpTo(s, GEN, 'kept');
    await s.appendEvents([ev(SITE, { anonymousId: 'kept' })]);
    await untilSealed(s, 1);
    expect(s.db.prepare('SELECT count(*) FROM event_keys WHERE hash = ?').pluck().get(keyHash(SITE, 'rolled-back'))).toBe(0);
    expect(viaKeys(s, 'kept')).toEqual(truth(s, 'kept'));
    expect(viaKeys(s, 'rolled-back')).toEqual([]);
  });

  it('one busy visitor with thousands of events in a generation: all sealed, all read back', async () => {
    const s = openStore(tmpPath());
    await jumpTo(s, GEN - 3000, 'busy');
    for (let i = 0; i < 8; i++) await s.appendEvents(Array.from({ length: 500 }, () => ev(SITE, { anonymousId: 'busy' })));
    await untilSealed(s, 1);
    const all = truth(s, 'busy');
    expect(all.length).toBe(4001);
    expect(viaKeys(s, 'busy')).toEqual(all);
    expect(s.db.prepare('SELECT count(*) FROM event_keys WHERE hash = ?').pluck().get(keyHash(SITE, 'busy'))).toBe(3000);
  });

  it('return exactly what a full scan returns, for random visitors across three generations with erasures', async () => {
    const s = openStore(tmpPath());
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const anons = Array.from({ length: 12 }, (_, i) => `p${i}`);
    const batch = () => Array.from({ length: 1 + rnd(30) }, () => ev(SITE, { anonymousId: anons[rnd(anons.length)], userId: rnd(4) ? null : `u${rnd(3)}` }));
    for (let g = 1; g <= 3; g++) {
      for (let i = 0; i < 4; i++) await s.appendEvents(batch());
      await s.erasePerson(SITE, { kind: 'anon', value: anons[rnd(anons.length)] });
      await jumpTo(s, g * GEN - 1 - rnd(3), anons[rnd(anons.length)]);
      await s.appendEvents(batch());
    }
    await untilSealed(s, 3);
    for (const a of anons) expect(viaKeys(s, a)).toEqual(truth(s, a));
    for (const u of ['u0', 'u1', 'u2']) {
      const all = s.db.prepare('SELECT id FROM events WHERE site_id = ? AND user_id = ? ORDER BY ts, id').pluck().all(SITE, u);
      expect(eventsOfId(s.db, SITE, 'userId', u).map((r) => r.id)).toEqual(all);
    }
  });
});

describe('migration 12', () => {
  it('moves the keys of an existing log into event_keys and drops the hash indexes', async () => {
    const path = tmpPath();
    const db = openDb(path);
    runMigrations(db, migrations.filter((m) => m.version <= 11));
    const ins = db.prepare(
      `INSERT INTO events (id, site_id, mid_hash, message_id, type, anonymous_id, anon_hash, user_id, user_hash, ts, received_at)
       VALUES (?, ?, ?, ?, 'track', ?, ?, ?, ?, ?, 1)`,
    );
    for (const [id, anon, user] of [[1, 'm1', null], [GEN + 4, 'm1', 'mu'], [GEN + 9, 'm2', null]] as const) {
      ins.run(id, SITE, keyHash(SITE, `mig-${id}`), `mig-${id}`, anon, keyHash(SITE, anon), user, user && keyHash(SITE, user), id);
    }
    db.close();
    const s = openStore(path);
    expect(sealedGens(s)).toBe(1); // generation 1 is still filling
    expect(s.db.prepare('SELECT count(*) FROM event_keys').pluck().get()).toBe(7);
    // The hash indexes are gone; migration 16's partial indexes on identify events came later.
    expect(s.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' ORDER BY name").pluck().all()).toEqual([
      'events_identify_email',
      'events_identify_phone',
      'events_site_ts',
    ]);
    expect(viaKeys(s, 'm1')).toEqual([1, GEN + 4]);
    expect(eventsOfId(s.db, SITE, 'userId', 'mu').map((r) => r.id)).toEqual([GEN + 4]);
    const again: StoredEvent = { ...ev(SITE), messageId: `mig-${GEN + 9}` };
    expect(await s.appendEvents([again])).toEqual(['duplicate']);
  });
});
