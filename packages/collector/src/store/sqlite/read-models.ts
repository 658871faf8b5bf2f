import type { SqliteContext } from './context';
import type { Db } from './db';

/**
 * A table derived from the event log by its readers, not at ingest (ingest is the collector's
 * CPU-bound path, issue 2): before each read, the rows of every event appended since the last
 * read are derived with one `INSERT … SELECT` per chunk of event ids, and a one-row cursor table
 * (`last_event`) moves in the same transaction — exactly once, across restarts and processes.
 * Triggers on `events` keep the derived rows in step with deletions and updates.
 * Used by `vitals-samples.ts` and `track-rows.ts`.
 */
export interface ReadModel {
  /** The cursor table: one row, `id = 1`, column `last_event` (every event id ≤ it is derived). */
  cursor: string;
  /** `INSERT INTO … SELECT … FROM events WHERE id > ? AND id <= ? …`: the rows of an id range. */
  derive: string;
  /** Per connection, before its first step (e.g. SQL functions the derive statement calls). */
  setup?(db: Db): void;
}

/** SQL of a read model's cursor table (part of the model's migration). */
export const cursorTableSql = (name: string): string => `
-- Every event with id <= last_event has been looked at.
CREATE TABLE ${name} (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  last_event INTEGER NOT NULL
);
INSERT INTO ${name} (id, last_event) VALUES (1, 0);`;

/** Event ids per transaction: ~0.1 s of work, the longest an ingest ack waits behind a step. */
const CHUNK = 20_000;

const prepared = new WeakMap<Db, Map<ReadModel, ReturnType<typeof statements>>>();
const statements = (db: Db, m: ReadModel) => {
  m.setup?.(db);
  return {
    last: db.prepare(`SELECT last_event FROM ${m.cursor} WHERE id = 1`).pluck(),
    seq: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck(),
    derive: db.prepare(m.derive),
    move: db.prepare(`UPDATE ${m.cursor} SET last_event = ? WHERE id = 1`),
  };
};

/**
 * One step, inside a write transaction: the rows of the next `chunk` event ids past the cursor,
 * and the cursor moved past them. Returns whether events are left.
 */
export function readModelStep(db: Db, m: ReadModel, chunk = CHUNK): boolean {
  let byModel = prepared.get(db);
  if (!byModel) prepared.set(db, (byModel = new Map()));
  let q = byModel.get(m);
  if (!q) byModel.set(m, (q = statements(db, m)));
  const last = q.last.get() as number;
  // The highest id handed out: in a write transaction every lower id is committed or gone.
  const seq = (q.seq.get() as number | undefined) ?? 0;
  if (last >= seq) return false;
  const to = Math.min(seq, last + chunk);
  q.derive.run(last, to);
  q.move.run(to);
  return to < seq;
}

/**
 * Brings a read model up to every event committed before the call, a chunk per group commit
 * (ingest keeps flowing between chunks). Concurrent calls are safe: each step reads the cursor
 * inside its transaction.
 *
 * @example
 * await catchUp(ctx, VITALS_SAMPLES); // then read vitals_samples
 */
export async function catchUp(ctx: Pick<SqliteContext, 'commit'>, m: ReadModel, chunk = CHUNK): Promise<void> {
  while (await ctx.commit((db) => readModelStep(db, m, chunk))) {
    /* next chunk */
  }
}
