import type { Db } from './db';
import { keyHash } from './hash';

/**
 * Events are grouped into append generations of 2^GEN_SHIFT (65 536) rows: `id >> GEN_SHIFT`.
 * Fixed forever: `event_keys` rows carry it.
 */
export const GEN_SHIFT = 16;
const GEN = 2 ** GEN_SHIFT;
/**
 * Hashes sealed per committer op (~1 500 keys, ~4 ms): sealing shares each flush with ingest
 * without stalling it. Multiplied by the number of complete generations waiting, so a seal
 * that fell behind catches up instead of letting memory grow.
 */
const SEAL_CHUNK = 1024;
/**
 * `(hash, id)` rows per sealing statement, bound as parameters. Measured against one JSON
 * array of pairs per chunk (`json_each` plus `->>` on every pair, twice with the EXISTS):
 * 1.3–1.6 against 2.5–2.7 CPU-µs per key, and an event has two or three keys.
 */
const SEAL_ROWS = 256;

/**
 * Migration 12: the random-key lookups of the event log move from three indexes on `events`
 * (`events_mid`, `events_anon`, `events_user`) to `event_keys`, written a whole generation at
 * a time in key order. Every key already stored is copied (all existing rows count as sealed,
 * except the generation still filling, which is read into memory at start as usual).
 *
 * Why: an index keyed `((id >> 16), hash)` takes each insert on a random leaf of the newest
 * generation. Under `/v1/track` a transaction holds ~24 events, so each event dirtied one leaf
 * per index, written by COMMIT and again by the checkpoint: measured +25.8 CPU-µs per event
 * for the four event indexes, ~15 % of a request (STORAGE.md, "Event keys sealed per generation").
 */
export function eventKeysMigration(db: Db): void {
  db.exec(`
CREATE TABLE event_keys (
  gen  INTEGER NOT NULL,   -- id >> ${GEN_SHIFT}
  hash INTEGER NOT NULL,   -- mid_hash, anon_hash or user_hash of the row (readers compare the row)
  id   INTEGER NOT NULL,
  PRIMARY KEY (gen, hash, id)
) WITHOUT ROWID;
-- Generations below \`sealed\` have every key in event_keys; newer ones are read into memory at start.
CREATE TABLE event_keys_state (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  sealed INTEGER NOT NULL
);
-- Erasure, retention and site deletion remove an event's keys with it, whichever path deletes it.
CREATE TRIGGER events_keys_delete AFTER DELETE ON events BEGIN
  DELETE FROM event_keys WHERE gen = old.id >> ${GEN_SHIFT} AND hash IN (old.mid_hash, old.anon_hash, old.user_hash) AND id = old.id;
END;
DROP INDEX events_mid;
DROP INDEX events_anon;
DROP INDEX events_user;
`);
  const seq = (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck().get() as number | undefined) ?? 0;
  sealRows(db, 0, seq + 1);
  db.prepare('INSERT INTO event_keys_state (id, sealed) VALUES (1, ?)').run(completeGens(seq));
}

/** Generations entirely allocated when the highest id handed out is `seq` (no row can join them any more). */
const completeGens = (seq: number) => Math.floor((seq + 1) / GEN);

/** Copies the keys of the rows with `from <= id < to` into `event_keys`, in key order (append-order inserts). */
function sealRows(db: Db, from: number, to: number): void {
  db.prepare(
    `INSERT OR IGNORE INTO event_keys (gen, hash, id)
     SELECT id >> ${GEN_SHIFT}, h, id FROM (
       SELECT id, mid_hash AS h FROM events WHERE id >= @from AND id < @to
       UNION ALL SELECT id, anon_hash FROM events WHERE id >= @from AND id < @to AND anon_hash IS NOT NULL
       UNION ALL SELECT id, user_hash FROM events WHERE id >= @from AND id < @to AND user_hash IS NOT NULL)
     ORDER BY 1, 2, 3`,
  ).run({ from, to });
}

/**
 * `WHERE` condition selecting the rows of `events` that may carry one key hash; takes the
 * three parameters of {@link EventKeys.params}, in that order. Candidates only: the caller
 * compares the row's own columns (a hash can collide, and an id seen in memory may have been
 * rolled back and reused).
 *
 * @example
 * db.prepare(`SELECT * FROM events WHERE ${KEYED_IDS} AND site_id = ? AND anonymous_id = ?`)
 *   .all(...eventKeys(db).params(keyHash(siteId, anon)), siteId, anon);
 */
export const KEYED_IDS = `id IN (
  WITH RECURSIVE g(x) AS (SELECT ? UNION ALL SELECT x - 1 FROM g WHERE x > 0)
  SELECT k.id FROM g CROSS JOIN event_keys k ON k.gen = g.x AND k.hash = ?
  UNION ALL SELECT value FROM json_each(?))`;

const COLUMN = { anonymousId: 'anonymous_id', userId: 'user_id', messageId: 'message_id' } as const;

/**
 * `WHERE` condition for the events of one anonymous ID, user ID or messageId of a site, through
 * the key lookups; its parameters come from {@link keyedParams}.
 *
 * @example
 * db.prepare(`SELECT * FROM events WHERE ${keyedWhere('anonymousId')} ORDER BY ts`).all(...keyedParams(db, siteId, anon));
 */
export const keyedWhere = (field: keyof typeof COLUMN): string => `${KEYED_IDS} AND +site_id = ? AND ${COLUMN[field]} = ?`;

/** Parameters of {@link keyedWhere} (catches up with other connections' appends first). */
export const keyedParams = (db: Db, siteId: string, value: string): unknown[] => [...eventKeys(db).params(keyHash(siteId, value)), siteId, value];

/** Lookups of the event log by messageId, anonymous ID and user ID hash; see {@link eventKeys}. */
export interface EventKeys {
  /**
   * Catches up with rows other connections appended (or ids our rolled-back transactions
   * freed). Call inside the write transaction before deciding on duplicates, and before reads.
   */
  sync(): void;
  /** Sees the site and messageId of every row `sync` reads from the table (the dedup filter). */
  onRow(fn: (siteId: string, messageId: string) => void): void;
  /** Records a row this connection just inserted (inside its transaction). */
  inserted(id: number, mid: number, anon: number | null, user: number | null): void;
  /** Marks ids up to `id` as committed (after COMMIT). */
  committed(id: number): void;
  /** The three parameters of {@link KEYED_IDS} for one hash (syncs first). */
  params(hash: number): [maxGen: number, hash: number, memoryIds: string];
  /** Ids held in memory for a hash (the generations not sealed yet). */
  recentIds(hash: number): number[];
  /** The highest generation that may hold sealed keys. */
  maxGen(): number;
  /** The highest row id seen (every row up to it has been through `inserted` or `sync`). */
  maxId(): number;
  /** True when a complete generation waits to be sealed ({@link EventKeys.sealStep}). */
  sealDue(): boolean;
  /**
   * Inside a write transaction: seals the next chunk of the oldest complete generation still
   * in memory. Returns a function to call after COMMIT (drops what was sealed from memory), or
   * null when there is nothing to seal.
   */
  sealStep(): (() => void) | null;
  /** Reads the state now (a server calls this at start; else the first use does). */
  load(): void;
}

const instances = new WeakMap<Db, EventKeys>();

/**
 * The event log's key lookups for one connection, created on first use.
 *
 * Keys of sealed generations (every generation except the newest one or two) are rows of
 * `event_keys (gen, hash, id)`: written once per generation, sorted, so each insert appends at
 * the table's right edge, and read with one seek per generation (~80 at 5 M events). Keys of
 * the generations not sealed yet live in memory (a map per generation, ~65 536 events each):
 * loaded at start from the rows above the sealed boundary, fed by this connection's inserts and
 * by rows other connections appended (`sync`). So an insert touches no random page at all.
 *
 * @example
 * const keys = eventKeys(db);
 * db.prepare(`SELECT id FROM events WHERE ${KEYED_IDS} AND message_id = ?`).all(...keys.params(h), mid);
 */
export function eventKeys(db: Db): EventKeys {
  let k = instances.get(db);
  if (!k) instances.set(db, (k = createEventKeys(db)));
  return k;
}

function createEventKeys(db: Db): EventKeys {
  const q = {
    seq: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck(),
    sealed: db.prepare('SELECT sealed FROM event_keys_state WHERE id = 1').pluck(),
    setSealed: db.prepare('UPDATE event_keys_state SET sealed = max(sealed, ?) WHERE id = 1'),
    rows: db.prepare('SELECT id, mid_hash, anon_hash, user_hash, site_id, message_id FROM events WHERE id > ? ORDER BY id').raw(),
    // SEAL_ROWS pairs in key order (a short tail repeats its last pair: OR IGNORE). A key is
    // sealed only while its row exists (an erased row's keys must not come back; the delete
    // trigger already ran).
    seal: db.prepare(
      `INSERT OR IGNORE INTO event_keys (gen, hash, id)
       SELECT ?, column1, column2 FROM (VALUES ${'(?, ?), '.repeat(SEAL_ROWS - 1)}(?, ?))
       WHERE EXISTS (SELECT 1 FROM events WHERE id = column2)`,
    ),
  };
  const seqNow = () => (q.seq.get() as number | undefined) ?? 0;

  /** Generation → hash → row id(s), for generations ≥ `sealed`. */
  const recent = new Map<number, Map<number, number | number[]>>();
  let loaded = false;
  let sealed = 0;
  /** Highest id seen in the log (ours or another connection's). */
  let expected = 0;
  /** Highest id known committed: every row ≤ it is in memory or sealed. */
  let committedId = 0;
  let rowListener: ((siteId: string, messageId: string) => void) | null = null;
  /** The generation being sealed from memory: its hashes in key order and how far we got. */
  let sealing: { gen: number; hashes: Float64Array; at: number } | null = null;

  function note(id: number, h: number | null): void {
    if (h === null) return;
    const gen = Math.floor(id / GEN);
    if (gen < sealed) return;
    let m = recent.get(gen);
    if (!m) recent.set(gen, (m = new Map()));
    const cur = m.get(h);
    if (cur === undefined) m.set(h, id);
    else if (typeof cur === 'number') {
      if (cur !== id) m.set(h, [cur, id]);
    }
    // Ids arrive in increasing order (one busy visitor can own a whole generation), so the
    // membership scan only runs for a re-noted id (a transaction replayed after a deriver failed).
    else if (id > cur[cur.length - 1] || !cur.includes(id)) cur.push(id);
  }

  function forgetAbove(id: number): void {
    for (const [gen, m] of recent) {
      if ((gen + 1) * GEN <= id + 1) continue;
      for (const [h, v] of m) {
        if (typeof v === 'number') {
          if (v > id) m.delete(h);
        } else {
          const keep = v.filter((x) => x <= id);
          if (keep.length === 0) m.delete(h);
          else m.set(h, keep.length === 1 ? keep[0] : keep);
        }
      }
    }
  }

  function noteRows(from: number): void {
    for (const [id, mid, anon, user, site, messageId] of q.rows.iterate(from) as IterableIterator<
      [number, number, number | null, number | null, string, string]
    >) {
      rowListener?.(site, messageId);
      note(id, mid);
      note(id, anon);
      note(id, user);
    }
  }

  function load(): void {
    if (loaded) return;
    loaded = true;
    sealed = (q.sealed.get() as number | undefined) ?? 0;
    const seq = seqNow();
    // Complete generations left unsealed (a crash mid-seal, rows appended by direct SQL): seal
    // them from the table now, one sorted INSERT each, rather than holding them in memory.
    const complete = completeGens(seq);
    if (complete > sealed) {
      const catchUp = () => {
        for (let g = sealed; g < complete; g++) sealRows(db, g * GEN, (g + 1) * GEN);
        q.setSealed.run(complete);
      };
      if (db.inTransaction) catchUp();
      else db.transaction(catchUp).immediate();
      sealed = complete;
    }
    noteRows(sealed * GEN - 1);
    expected = committedId = seq;
  }

  const api: EventKeys = {
    load,
    sync() {
      load();
      const seq = seqNow();
      if (seq === expected) return;
      // Another connection appended, or a transaction of ours rolled back (its ids will be
      // handed out again): forget what memory holds above the last commit, read it back from
      // the log. Outside a transaction what the log holds is committed; inside one, an earlier
      // op of the same transaction may have written it, so it counts once that commits.
      forgetAbove(committedId);
      noteRows(committedId);
      expected = seq;
      if (!db.inTransaction) committedId = seq;
    },
    onRow(fn) {
      rowListener = fn;
    },
    inserted(id, mid, anon, user) {
      note(id, mid);
      note(id, anon);
      note(id, user);
      expected = id;
    },
    committed(id) {
      if (id > committedId) committedId = id;
    },
    recentIds(h) {
      const out: number[] = [];
      for (const m of recent.values()) {
        const v = m.get(h);
        if (v === undefined) continue;
        if (typeof v === 'number') out.push(v);
        else out.push(...v);
      }
      return out;
    },
    params(h) {
      api.sync();
      return [api.maxGen(), h, JSON.stringify(api.recentIds(h))];
    },
    maxGen() {
      return Math.floor(expected / GEN);
    },
    maxId() {
      return expected;
    },
    sealDue() {
      return loaded && (sealing !== null || completeGens(committedId) > sealed);
    },
    sealStep() {
      load();
      if (!sealing) {
        // Rows other connections appended are in memory after a sync. A generation is sealed
        // once committed in full: no rollback can take rows out of it any more.
        api.sync();
        const gen = sealed;
        if (completeGens(committedId) <= gen) return null;
        const m = recent.get(gen) ?? new Map<number, number | number[]>();
        sealing = { gen, hashes: Float64Array.from(m.keys()).sort(), at: 0 };
      }
      const s = sealing;
      const m = recent.get(s.gen)!;
      const end = Math.min(s.at + SEAL_CHUNK * Math.max(1, completeGens(committedId) - s.gen), s.hashes.length);
      // [gen, hash, id, hash, id, …]: the statement's parameters, SEAL_ROWS pairs at a time.
      const args: number[] = [s.gen];
      const put = (h: number, id: number) => {
        args.push(h, id);
        if (args.length < 1 + 2 * SEAL_ROWS) return;
        q.seal.run(args);
        args.length = 1;
      };
      for (let i = s.at; i < end; i++) {
        const h = s.hashes[i];
        const v = m.get(h)!;
        if (typeof v === 'number') put(h, v);
        else for (const id of [...v].sort((a, b) => a - b)) put(h, id);
      }
      if (args.length > 1) {
        const [h, id] = args.slice(-2);
        while (args.length > 1) put(h, id);
      }
      const done = end === s.hashes.length;
      if (done) q.setSealed.run(s.gen + 1);
      return () => {
        // Committed: move on (a rolled-back step is simply redone from `at`).
        if (sealing !== s) return;
        s.at = end;
        if (!done) return;
        sealing = null;
        recent.delete(s.gen);
        sealed = Math.max(sealed, s.gen + 1);
      };
    },
  };
  return api;
}
