import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../core';
import { tempStores } from '../../test-utils/temp-store';
import { BloomFilter } from './bloom';
import { filterKey, LONG_RESCAN } from './dedup';
import { keyedParams, keyedWhere } from './event-keys';
import { keyHash } from './hash';
import { openSqliteStore, type SqliteStore } from './index';

const { tmpPath, openStore } = tempStores('ot-dedup-');

function ev(messageId: string, anonymousId = 'anon'): StoredEvent {
  return {
    siteId: 'st_a',
    messageId,
    type: 'track',
    event: 'E',
    anonymousId,
    userId: null,
    timestamp: 1,
    originalTimestamp: null,
    receivedAt: 1,
    sentAt: null,
    consent: null,
    bot: false,
    ua: null,
    country: null,
    context: {},
    properties: {},
    traits: {},
  };
}
type WithStats = SqliteStore & { dedupStats(): { keys: number; probes: number; falsePositives: number } };

describe('BloomFilter', () => {
  it('never forgets a key, keeps false positives near its target while growing, and round-trips', () => {
    const f = new BloomFilter(10_000);
    for (let i = 0; i < 100_000; i++) f.add(filterKey('s', `in-${i}`));
    let missing = 0;
    for (let i = 0; i < 100_000; i++) if (!f.mayContain(filterKey('s', `in-${i}`))) missing++;
    expect(missing).toBe(0);
    let fp = 0;
    for (let i = 0; i < 100_000; i++) if (f.mayContain(filterKey('s', `out-${i}`))) fp++;
    // Five layers (10k…160k), each twice as strict as the one before: together under 0.1 %
    // (0.08 % here; five layers of the first one's strictness: 0.13 %).
    expect(fp / 100_000).toBeLessThan(0.001);
    const g = BloomFilter.deserialize(f.serialize())!;
    expect(g.size).toBe(100_000);
    for (let i = 0; i < 100_000; i++) if (!g.mayContain(filterKey('s', `in-${i}`))) missing++;
    expect(missing).toBe(0);
    expect(BloomFilter.deserialize(new Uint8Array(7))).toBeNull();
    // A snapshot of other parameters or an older format is refused, so the store rebuilds it.
    const other = new Uint32Array(f.serialize().buffer.slice(0));
    other[1] = 8;
    expect(BloomFilter.deserialize(new Uint8Array(other.buffer))).toBeNull();
    const keyedByMidHash = new Uint32Array(f.serialize().buffer.slice(0));
    keyedByMidHash[0] = 0x4f54_4266;
    expect(BloomFilter.deserialize(new Uint8Array(keyedByMidHash.buffer))).toBeNull();
    expect(BloomFilter.deserialize(f.serialize().slice(0, 40))).toBeNull();
  });
});

describe('dedup across restarts and processes', () => {
  it('rebuilds the filter from the log when there is no snapshot (crash), and loads it after a clean close', async () => {
    const path = tmpPath();
    const a = openStore(path);
    expect(await a.appendEvents([ev('m1'), ev('m2')])).toEqual(['inserted', 'inserted']);
    // Simulate a crash: no close(), so no snapshot; the next open must scan the log.
    const b = openStore(path) as WithStats;
    // Lazy: opening (e.g. a CLI command) reads nothing; the first append or warmUp() loads.
    expect(b.dedupStats().keys).toBe(0);
    b.warmUp();
    expect(b.dedupStats().keys).toBe(2);
    expect(await b.appendEvents([ev('m1'), ev('m3')])).toEqual(['duplicate', 'inserted']);
    await b.close();
    expect(a.db.prepare('SELECT upto_id FROM dedup_filter').pluck().get()).toBe(3);
    const c = openStore(path) as WithStats;
    c.warmUp();
    expect(c.dedupStats().keys).toBe(3);
    expect(await c.appendEvents([ev('m3'), ev('m2'), ev('m4')])).toEqual(['duplicate', 'duplicate', 'inserted']);
  });

  it('a stale snapshot plus the rows after it still knows every event (clean close, then a crash)', async () => {
    const path = tmpPath();
    const a = openSqliteStore(path);
    await a.appendEvents([ev('s1')]);
    await a.close(); // snapshot up to id 1
    const b = openStore(path);
    expect(await b.appendEvents([ev('s2'), ev('s3')])).toEqual(['inserted', 'inserted']);
    // b "crashes": no close, the snapshot still says id 1.
    const c = openStore(path);
    expect(await c.appendEvents([ev('s1'), ev('s2'), ev('s3'), ev('s4')])).toEqual(['duplicate', 'duplicate', 'duplicate', 'inserted']);
  });

  it('sees events appended by another connection to the same file', async () => {
    const path = tmpPath();
    const a = openStore(path);
    const b = openStore(path);
    expect(await a.appendEvents([ev('x1')])).toEqual(['inserted']);
    expect(await b.appendEvents([ev('x1'), ev('x2')])).toEqual(['duplicate', 'inserted']);
    expect(await a.appendEvents([ev('x2')])).toEqual(['duplicate']);
    expect(await a.countEvents('st_a')).toBe(2);
  });

  it('stays correct when a failed transaction rolled back ids the filter had seen', async () => {
    const path = tmpPath();
    const a = openStore(path) as WithStats;
    const b = openStore(path);
    // An op that appends then throws: its savepoint rolls back the insert (the filter keeps the key).
    await expect(
      a.commit((db) => {
        db.prepare("INSERT INTO events (site_id, mid_hash, message_id, type, ts, received_at) VALUES ('st_a', 1, 'gone', 'track', 1, 1)").run();
        throw new Error('fail');
      }),
    ).rejects.toThrow('fail');
    await b.appendEvents([ev('from-b')]);
    expect(await a.appendEvents([ev('from-b'), ev('gone')])).toEqual(['duplicate', 'inserted']);
  });

  it('checks the full text on a filter hit, so only real duplicates are reported', async () => {
    const a = openStore(tmpPath()) as WithStats;
    const ids = Array.from({ length: 3000 }, (_, i) => `id-${i}`);
    expect(new Set(await a.appendEvents(ids.map((m) => ev(m))))).toEqual(new Set(['inserted']));
    const again = await a.appendEvents(ids.map((m) => ev(m)));
    expect(again.every((r) => r === 'duplicate')).toBe(true);
    const s = a.dedupStats();
    expect(s.probes - s.falsePositives).toBe(3000);
  });
});

describe('dedup filter rebuild', () => {
  it('tells the caller before a long rescan (a log written without a snapshot), not when the snapshot is current', async () => {
    const path = tmpPath();
    const a = openStore(path);
    const n = LONG_RESCAN + 1;
    await a.commit((db) => {
      const ins = db.prepare("INSERT INTO events (site_id, mid_hash, message_id, type, ts, received_at) VALUES ('st_a', ?, ?, 'track', 1, 1)");
      for (let i = 0; i < n; i++) ins.run(keyHash('st_a', `bulk-${i}`), `bulk-${i}`);
    });
    const heard: number[] = [];
    const b = openStore(path) as WithStats;
    b.warmUp((rows) => heard.push(rows));
    expect(heard).toEqual([n]);
    expect(await b.appendEvents([ev('bulk-7'), ev(`bulk-${n - 1}`), ev('new')])).toEqual(['duplicate', 'duplicate', 'inserted']);
    await b.close(); // saves the snapshot
    const c = openStore(path);
    c.warmUp((rows) => heard.push(rows));
    expect(heard).toEqual([n]);
  });
});

describe('dedup filter key', () => {
  it('a new event whose stored hash matches an earlier event costs no probe (the filter has its own 53-bit key)', async () => {
    // keyHash(site, id) carries 32 bits: among a few hundred thousand ids two share one.
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const id = `m-${i}`;
      const h = keyHash('st_a', id);
      const other = seen.get(h);
      if (other) pair = [other, id];
      else seen.set(h, id);
    }
    const [first, second] = pair;
    expect(filterKey('st_a', first)).not.toBe(filterKey('st_a', second));
    const a = openStore(tmpPath()) as WithStats;
    expect(await a.appendEvents([ev(first)])).toEqual(['inserted']);
    expect(await a.appendEvents([ev(second)])).toEqual(['inserted']);
    expect(a.dedupStats().probes).toBe(0);
    // Both are found again (by their full text) once they are stored.
    expect(await a.appendEvents([ev(first), ev(second)])).toEqual(['duplicate', 'duplicate']);
    expect(a.dedupStats().probes - a.dedupStats().falsePositives).toBe(2);
  });
});

describe('per-person reads', () => {
  it('seek event_keys per generation and events by row id, never scan the log', () => {
    const s = openStore(tmpPath());
    for (const field of ['anonymousId', 'userId', 'messageId'] as const) {
      const plan = s.db
        .prepare(`EXPLAIN QUERY PLAN SELECT * FROM events WHERE ${keyedWhere(field)}`)
        .all(...keyedParams(s.db, 's', 'x'))
        .map((r) => (r as { detail: string }).detail)
        .join(' | ');
      expect(plan).toContain('SEARCH events USING INTEGER PRIMARY KEY (rowid=?)');
      expect(plan).toContain('SEARCH k USING PRIMARY KEY (gen=? AND hash=?)');
      expect(plan).not.toMatch(/SCAN (events|k)\b/);
    }
  });
});
