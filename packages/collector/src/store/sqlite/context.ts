import type { StoredEvent } from '../core';
import type { Db } from './db';

/**
 * Derives rows from a newly stored event (orders from `Order Completed`, identity links
 * from identify/alias/scan tokens/handoff codes). Runs synchronously inside the transaction
 * that inserts the event, only for events that were not duplicates, so derived data is
 * exactly as durable and exactly-once as the event itself.
 *
 * A deriver may be called again for the same event after a rollback (if another deriver
 * threw, the batch is replayed with each deriver in its own savepoint): its database writes
 * are rolled back with the batch, so keep no state outside the database that a rollback
 * would make stale — or detect it (e.g. a rowid that does not increase).
 */
export type Deriver = ((db: Db, ev: StoredEvent, rowid: number) => void) & {
  /**
   * Optional: wraps a background pass (many events, one transaction) so the deriver can do
   * per-pass work once at its end, still inside the transaction (identity: re-stitch each
   * component once). `run` applies the pass; return its result.
   */
  pass?: <T>(db: Db, run: () => T) => T;
};

const isolationStatements = (db: Db) => ({
  savepoint: db.prepare('SAVEPOINT deriver'),
  release: db.prepare('RELEASE deriver'),
  rollbackTo: db.prepare('ROLLBACK TO deriver'),
});
const isolation = new WeakMap<Db, ReturnType<typeof isolationStatements>>();

/**
 * Runs each deriver for one event in its own savepoint: a bug in one derived table rolls back
 * alone and is reported, and the event (and the other derivers' rows) stay. The slow path of
 * ingest and of the background pass, taken only after an optimistic run without savepoints threw.
 *
 * @example
 * for (const [rowid, ev] of items) deriveIsolated(db, derivers, ev, rowid, onError);
 */
export function deriveIsolated(
  db: Db,
  derivers: readonly Deriver[],
  ev: StoredEvent,
  rowid: number,
  onError: (err: unknown, ev: StoredEvent, deriver: Deriver) => void,
): void {
  let q = isolation.get(db);
  if (!q) isolation.set(db, (q = isolationStatements(db)));
  for (const derive of derivers) {
    q.savepoint.run();
    try {
      derive(db, ev, rowid);
      q.release.run();
    } catch (err) {
      q.rollbackTo.run();
      q.release.run();
      onError(err, ev, derive);
    }
  }
}

/** What every sqlite domain module receives (`...qrStore(ctx)` in index.ts). */
export interface SqliteContext {
  /** The connection. Reads may use it directly; writes go through `commit`. */
  db: Db;
  /**
   * Group committer: `fn` runs inside the next shared transaction, in its own SAVEPOINT,
   * and the promise resolves after COMMIT (durable). `weight` = rows written (batching).
   */
  commit<T>(fn: (db: Db) => T, weight?: number): Promise<T>;
  /** Run by `appendEvents` for every newly inserted event. */
  derivers: readonly Deriver[];
  /** Called when a deriver throws (its writes are rolled back; the event is kept). */
  onDeriverError(err: unknown, ev: StoredEvent, deriver: Deriver): void;
  /** Hands events just committed (row id, event) to the background derivers (`stitcher.ts`). */
  appended(items: readonly (readonly [rowid: number, ev: StoredEvent])[]): void;
  /**
   * Resolves once the background derivers (identity stitching) have seen every event committed
   * before the call. Await it before reading the identity tables.
   */
  stitched(): Promise<void>;
  /** Inside a commit callback: runs the background derivers over every stored event now (erasure, retention). */
  stitchSync(db: Db): void;
  /**
   * Outside any commit: copies the whole WAL into the database file and truncates the WAL to
   * zero bytes, holding new transactions for that pass. After an erasure: the WAL's old frames
   * still hold the rows it deleted. Resolves false if readers of another connection kept it
   * from completing (the frames are then overwritten as the WAL is reused).
   */
  truncateWal(): Promise<boolean>;
}
