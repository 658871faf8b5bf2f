import { createHash } from 'node:crypto';
import { BloomFilter } from './bloom';
import type { Db } from './db';
import { eventKeys } from './event-keys';
import { keyHash } from './hash';

/**
 * The filter's own key for an event: a 53-bit hash of site and messageId together. Not the
 * stored `mid_hash`: `keyHash(site, id)` carries only 32 bits (`key-hash.ts`), so a new event
 * matches some stored one's hash with probability N / 2^32 at N stored events (0.12 % at 5 M,
 * 1.2 % at 50 M), and a filter over those hashes answers "maybe" for every such match, however
 * large it is: each a probe through every generation. Over this key it is the filter's own
 * false-positive rate alone (≤ 0.1 %, `bloom.ts`).
 *
 * @example
 * dedup.isDuplicate(site, mid, keyHash(site, mid), filterKey(site, mid));
 */
export const filterKey = (siteId: string, messageId: string): number => keyHash(`${siteId}\n${messageId}`);

/**
 * Migration 17: tombstones of erased events, so that their messageIds stay permanent idempotency
 * keys. A replay of an erased event (an SDK queue or a proxy resending a batch) would otherwise be
 * stored as new and, through its identifiers, rebuild the erased person. Only a SHA-256 of the
 * messageId is kept (`midSha256`), with the event's own filter key (re-added to the filter when it
 * is rebuilt from the log, which no longer holds the event) and time (retention drops tombstones
 * of events it would have deleted anyway).
 */
export const erasedMessagesSql = `
CREATE TABLE erased_messages (
  site_id    TEXT NOT NULL,
  mid_sha256 TEXT NOT NULL,
  filter_key INTEGER NOT NULL,
  ts         INTEGER NOT NULL,
  PRIMARY KEY (site_id, mid_sha256)
) WITHOUT ROWID;
`;

/** The tombstone's form of a messageId (a hash: messageIds are client-chosen strings). */
const midSha256 = (messageId: string) => createHash('sha256').update(messageId).digest('hex');

/**
 * Records an erased event's messageId (inside the erasing transaction), so a replay of it is a
 * duplicate: see {@link erasedMessagesSql}.
 *
 * @example
 * tombstoneSync(db, row.site_id, row.message_id, row.ts);
 */
export function tombstoneSync(db: Db, siteId: string, messageId: string, ts: number): void {
  db.prepare('INSERT OR IGNORE INTO erased_messages (site_id, mid_sha256, filter_key, ts) VALUES (?, ?, ?, ?)').run(
    siteId,
    midSha256(messageId),
    filterKey(siteId, messageId),
    ts,
  );
}

/** How many events the dedup filter may have to rescan after a crash before we snapshot. */
const SNAPSHOT_AFTER_SCAN = 1_000_000;
/** A rescan long enough to tell the operator about (~0.35 s: 3.5 s per million events measured). */
export const LONG_RESCAN = 100_000;

/** Dedup of `(site, messageId)`; see {@link createDedup}. */
export interface Dedup {
  /**
   * Catches up with rows other connections appended (or our rolled-back ids). Call once per
   * write, inside the write transaction, before {@link Dedup.isDuplicate}: while the
   * transaction holds the write lock nobody else can append.
   */
  sync(): void;
  /**
   * True if the event is already stored (call inside the write transaction, after `sync`);
   * `key` is its {@link filterKey}.
   */
  isDuplicate(siteId: string, messageId: string, midHash: number, key: number): boolean;
  /** Records an event this process just inserted (inside the same transaction), with its person keys and {@link filterKey}. */
  inserted(id: number, midHash: number, anonHash: number | null, userHash: number | null, key: number): void;
  /** Marks ids up to `id` as committed (call after COMMIT). */
  committed(id: number): void;
  /** Writes the filter snapshot so the next start does not rescan the log. Call with no open transaction. */
  save(): void;
  /**
   * Builds the filter now instead of at the first append (servers call it at start);
   * `onRescan` hears of a rescan of more than {@link LONG_RESCAN} events before it starts.
   */
  warmUp(onRescan?: (events: number) => void): void;
  /** Filter statistics (metrics, bench). */
  stats(): { keys: number; bytes: number; probes: number; falsePositives: number };
}

/**
 * Permanent dedup without a randomly-written B-tree.
 *
 * A random messageId index costs one dirty 4 KiB page per insert once the index outgrows a
 * transaction's worth of inserts (measured: 6.6 KB of WAL per event at 1 M rows). Instead:
 *
 * 1. Every stored event's {@link filterKey} is in an in-memory scalable Bloom filter
 *    (16–19 bits/key: 5 M events ≈ 15 MiB). "Not in filter" proves the event is new — the
 *    common case costs no disk read at all.
 * 2. On "maybe", the rows carrying that hash are looked up through {@link eventKeys} — in
 *    memory for the newest generation(s), then `event_keys` generation by generation, newest
 *    first (retries are recent) — and the full site + messageId compared. No index on
 *    `events` takes random inserts. Failing that, the tombstones of erased events
 *    (`erased_messages`): an erased messageId stays a duplicate, at no cost to new events.
 *
 * The filter is rebuilt from the index at start (or loaded from the snapshot written at
 * clean close, plus the rows appended since), so it can never miss a stored event.
 * Events appended by another process (CLI) are noticed through `sqlite_sequence` inside
 * the write transaction and added before deciding (`eventKeys(db).sync`).
 *
 * @example
 * const dedup = createDedup(db);
 * dedup.sync();
 * const k = filterKey(site, mid);
 * if (!dedup.isDuplicate(site, mid, h, k)) { const id = insert(); dedup.inserted(id, h, anonHash, null, k); }
 */
export function createDedup(db: Db): Dedup {
  const keys = eventKeys(db);
  const q = {
    seq: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck(),
    scan: db.prepare('SELECT site_id, message_id FROM events WHERE id > ?').raw(),
    snapshot: db.prepare('SELECT upto_id, data FROM dedup_filter WHERE id = 1'),
    saveSnapshot: db.prepare('INSERT OR REPLACE INTO dedup_filter (id, upto_id, data) VALUES (1, ?, ?)'),
    probe: db.prepare(
      `WITH RECURSIVE g(x) AS (SELECT ? UNION ALL SELECT x - 1 FROM g WHERE x > 0)
       SELECT 1 FROM g CROSS JOIN event_keys k ON k.gen = g.x AND k.hash = ? JOIN events e ON e.id = k.id
       WHERE e.site_id = ? AND e.message_id = ? LIMIT 1`,
    ).pluck(),
    row: db.prepare('SELECT 1 FROM events WHERE id = ? AND site_id = ? AND message_id = ?').pluck(),
    erased: db.prepare('SELECT 1 FROM erased_messages WHERE site_id = ? AND mid_sha256 = ?').pluck(),
    erasedKeys: db.prepare('SELECT filter_key FROM erased_messages').pluck(),
  };
  const seqNow = () => (q.seq.get() as number | undefined) ?? 0;

  let filter: BloomFilter | null = null;

  /**
   * Builds the filter on first use (so CLI commands that never append pay nothing): the
   * snapshot saved at clean close plus the rows after it, or a scan of the whole index.
   */
  function load(onRescan?: (events: number) => void): BloomFilter {
    if (filter) return filter;
    let f: BloomFilter | null = null;
    let from = 0;
    const snap = q.snapshot.get() as { upto_id: number; data: Buffer } | undefined;
    if (snap) {
      f = BloomFilter.deserialize(snap.data);
      if (f) from = snap.upto_id;
    }
    const total = seqNow();
    f ??= new BloomFilter(Math.max(1 << 20, Math.ceil(total * 1.25)));
    if (total - from > LONG_RESCAN) onRescan?.(total - from);
    let scanned = 0;
    for (const [site, mid] of q.scan.iterate(from) as IterableIterator<[string, string]>) {
      f.add(filterKey(site, mid));
      scanned++;
    }
    // Erased events are no longer in the log (nor, if erased by another process after the
    // snapshot, in it) but their messageIds must still answer "maybe".
    for (const k of q.erasedKeys.iterate() as IterableIterator<number>) f.add(k);
    filter = f;
    keys.load();
    // From now on every row the key lookups read from the table (other connections' appends) joins the filter.
    keys.onRow((site, mid) => f.add(filterKey(site, mid)));
    // A long rescan (first start on an existing database, or after a crash) is saved so the
    // next start is quick.
    if (scanned >= SNAPSHOT_AFTER_SCAN) writeSnapshot();
    return f;
  }

  function writeSnapshot(): void {
    const write = () => q.saveSnapshot.run(keys.maxId(), Buffer.from(filter!.serialize().buffer));
    if (db.inTransaction) write();
    else db.transaction(write).immediate();
  }

  let probes = 0;
  let falsePositives = 0;

  const api: Dedup = {
    sync() {
      load();
      // Another connection appended (or our own failed transaction rolled back): whatever is
      // now stored after the last id we know was committed goes into the filter too.
      keys.sync();
    },
    isDuplicate(siteId, messageId, h, key) {
      if (!filter!.mayContain(key)) return false;
      probes++;
      let hit = false;
      for (const id of keys.recentIds(h)) if ((hit = q.row.get(id, siteId, messageId) !== undefined)) break;
      hit ||= q.probe.get(keys.maxGen(), h, siteId, messageId) !== undefined;
      // Only here, after a "maybe" the log did not confirm: the tombstone of an erased event.
      hit ||= q.erased.get(siteId, midSha256(messageId)) !== undefined;
      if (!hit) falsePositives++;
      return hit;
    },
    inserted(id, h, anon, user, key) {
      filter!.add(key);
      keys.inserted(id, h, anon, user);
    },
    committed(id) {
      keys.committed(id);
    },
    save() {
      if (!filter) return; // never loaded: the stored snapshot (if any) is still valid
      db.transaction(() => {
        api.sync();
        writeSnapshot();
      }).immediate();
    },
    warmUp(onRescan) {
      load(onRescan);
    },
    stats() {
      return { keys: filter?.size ?? 0, bytes: filter?.bytes ?? 0, probes, falsePositives };
    },
  };
  return api;
}
