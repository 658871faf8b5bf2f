import type { CommitGate } from './checkpointer';
import type { Db } from './db';

/** Tuning of the group committer. */
export interface CommitterOptions {
  /**
   * Minimum time between the starts of two flushes, in ms, on top of the group commit's own
   * batching (see {@link createCommitter}). 0 (default): no timer at all — a flush starts as soon
   * as the previous one is durable. A larger value trades latency for bigger transactions.
   */
  flushMs?: number;
  /** Flush at once when the queued weight (events) reaches this. Default 2000. */
  maxBatch?: number;
  /** Called after each flush with its size and duration (metrics). */
  onFlush?: (info: FlushInfo) => void;
  /**
   * Makes committed transactions durable off the event loop. When given, the connection runs
   * with `synchronous=NORMAL` (COMMIT writes the WAL without fsync) and `sync` must fsync the
   * WAL file (e.g. `fs.fdatasync` in libuv's thread pool); callers are resolved only when it
   * reports success. Without it, COMMIT itself fsyncs (`synchronous=FULL`) on the event loop.
   */
  sync?: (done: (err: Error | null) => void) => void;
  /**
   * Background WAL checkpoints (`workerCheckpointer`): told after every COMMIT, and may hold the
   * next transaction briefly so that the WAL restarts from its beginning.
   */
  checkpointer?: CommitGate;
}

/** What one flush did (for `/metrics`). */
export interface FlushInfo {
  ops: number;
  weight: number;
  /** From BEGIN to durable (after the WAL fsync). */
  ms: number;
  ok: boolean;
}

/** Runs writes in shared transactions; see {@link createCommitter}. */
export interface Committer {
  /**
   * Runs `fn` inside the next shared transaction, in its own SAVEPOINT, and resolves with its
   * result once the transaction is committed and durable. If `fn` throws, only its own
   * savepoint is rolled back and the promise rejects with that error; its neighbours commit.
   * `weight` counts towards `maxBatch` (pass the number of events written).
   */
  commit<T>(fn: (db: Db) => T, weight?: number): Promise<T>;
  /** Flushes whatever is queued now; resolves when it is durable. */
  flush(): Promise<void>;
  /** Drains the queue (and the fsync in flight) and refuses new work. */
  close(): Promise<void>;
  /** Queued operations not yet flushed. */
  readonly pending: number;
}

interface Op {
  fn: (db: Db) => unknown;
  weight: number;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for a single better-sqlite3 connection.
 *
 * Concurrent requests each queue a write; the queue is flushed in one transaction. Each write
 * runs in its own SAVEPOINT so a failing write rolls back alone. Callers are resolved only after
 * COMMIT and the WAL fsync: a 2xx built on this promise is durable. Throughput comes from
 * amortising one fsync over many requests, never from acknowledging a memory buffer.
 *
 * When a flush starts: the classic group commit. With no flush in flight, a write is flushed at
 * once (on the next event-loop turn, so requests already readable join it): an idle server adds
 * no timer to a request's latency. While a flush is in flight (committed, its fsync running in
 * the thread pool), new writes queue; the next flush starts the moment that fsync completes and
 * takes everything queued. So the batch grows with the load by itself, and a write never waits
 * for more than one fsync before its own starts. `maxBatch` starts a flush at once even then;
 * `flushMs` adds a minimum interval. Flushes keep their order and each caller waits for an fsync
 * that started after its COMMIT.
 *
 * @example
 * const c = createCommitter(db);
 * const id = await c.commit((db) => db.prepare('INSERT INTO t(x) VALUES (1)').run().lastInsertRowid);
 */
export function createCommitter(db: Db, opts: CommitterOptions = {}): Committer {
  const flushMs = opts.flushMs ?? 0;
  const maxBatch = opts.maxBatch ?? 2000;
  let queue: Op[] = [];
  let weight = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let immediate: ReturnType<typeof setImmediate> | null = null;
  let closed = false;
  let waiters: (() => void)[] = [];
  let lastFlush = -Infinity;
  /** Committed but not yet fsynced (only with `opts.sync`): called with the fsync outcome. */
  let unsynced: ((err: Error | null) => void)[] = [];
  let syncing = false;
  let syncIdle: (() => void)[] = [];
  /** Flushes committed whose fsync has not completed yet. */
  let inFlight = 0;
  /** A flush waits for the checkpointer's hold to end. */
  let parked = false;
  const gate = opts.checkpointer;

  const begin = db.prepare('BEGIN IMMEDIATE');
  const commitStmt = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const savepoint = db.prepare('SAVEPOINT op');
  const release = db.prepare('RELEASE op');
  const rollbackTo = db.prepare('ROLLBACK TO op');

  function schedule(): void {
    if (immediate || queue.length === 0) return;
    if (weight >= maxBatch) {
      if (timer) clearTimeout(timer), (timer = null);
      immediate = setImmediate(run);
      return;
    }
    // A flush in flight calls schedule() again once it is durable.
    if (timer || inFlight > 0) return;
    const wait = lastFlush + flushMs - performance.now();
    // setImmediate, not a synchronous flush: other sockets already readable in this turn of
    // the event loop get parsed into the same transaction.
    if (wait <= 0) immediate = setImmediate(run);
    else timer = setTimeout(run, wait);
  }

  function run(): void {
    timer = null;
    immediate = null;
    if (gate?.held()) {
      // Requests keep being parsed and queue; they all go in the first transaction after the hold.
      if (!parked) {
        parked = true;
        gate.onRelease(() => {
          parked = false;
          run();
        });
      }
      return;
    }
    const ops = queue;
    const w = weight;
    const done = waiters;
    queue = [];
    weight = 0;
    waiters = [];
    lastFlush = performance.now();
    if (ops.length) flushOps(ops, w, done);
    else for (const d of done) d();
  }

  /** Starts an fsync covering every transaction committed so far (one at a time). */
  function startSync(): void {
    if (syncing || unsynced.length === 0) {
      if (!syncing) for (const f of syncIdle.splice(0)) f();
      return;
    }
    syncing = true;
    const batch = unsynced;
    unsynced = [];
    opts.sync!((err) => {
      syncing = false;
      // On error the transactions are committed but not known durable: the callers fail (they
      // retry and get "duplicate", answered only after a later fsync succeeded).
      for (const f of batch) f(err);
      startSync();
    });
  }

  function flushOps(ops: Op[], w: number, done: (() => void)[]): void {
    const t0 = performance.now();
    const fail = (e: unknown) => {
      for (const op of ops) op.reject(e);
      for (const d of done) d();
      opts.onFlush?.({ ops: ops.length, weight: w, ms: performance.now() - t0, ok: false });
    };
    const results: { ok: boolean; value: unknown }[] = new Array(ops.length);
    try {
      begin.run();
    } catch (e) {
      fail(e);
      return;
    }
    for (let i = 0; i < ops.length; i++) {
      savepoint.run();
      try {
        const value = ops[i].fn(db);
        if (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') {
          // An async fn would "commit" before its awaited writes ran: refuse it loudly.
          throw new TypeError('commit(fn): fn must be synchronous (it returned a promise)');
        }
        results[i] = { ok: true, value };
        release.run();
      } catch (e) {
        results[i] = { ok: false, value: e };
        try {
          rollbackTo.run();
          release.run();
        } catch {
          // The transaction itself is gone (e.g. SQLITE_FULL rolled it back): fail the whole
          // flush below rather than committing a half-applied batch.
        }
      }
    }
    try {
      if (!db.inTransaction) throw new Error('transaction aborted by SQLite during flush');
      commitStmt.run();
    } catch (e) {
      try {
        if (db.inTransaction) rollback.run();
      } catch {
        /* already rolled back */
      }
      fail(e);
      return;
    }
    gate?.afterCommit();
    const settle = (err: Error | null) => {
      opts.onFlush?.({ ops: ops.length, weight: w, ms: performance.now() - t0, ok: !err });
      for (let i = 0; i < ops.length; i++) {
        const r = results[i];
        if (err) ops[i].reject(err);
        else if (r.ok) ops[i].resolve(r.value);
        else ops[i].reject(r.value);
      }
      for (const d of done) d();
    };
    if (!opts.sync) return settle(null);
    inFlight++;
    unsynced.push((err) => {
      inFlight--;
      settle(err);
      schedule();
    });
    startSync();
  }

  return {
    commit<T>(fn: (db: Db) => T, w = 1): Promise<T> {
      if (closed) return Promise.reject(new Error('store is closed'));
      return new Promise<T>((resolve, reject) => {
        queue.push({ fn, weight: w, resolve: resolve as (v: unknown) => void, reject });
        weight += w;
        schedule();
      });
    },
    flush(): Promise<void> {
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        if (timer) clearTimeout(timer), (timer = null);
        if (!immediate) immediate = setImmediate(run);
      });
    },
    async close(): Promise<void> {
      closed = true;
      if (queue.length || timer || immediate) await this.flush();
      if (syncing || unsynced.length) await new Promise<void>((r) => syncIdle.push(r));
    },
    get pending() {
      return queue.length;
    },
  };
}
