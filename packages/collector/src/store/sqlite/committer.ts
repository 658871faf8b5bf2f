import type { Db } from './db';

/** Tuning of the group committer. */
export interface CommitterOptions {
  /** Flush at most this many ms after the first queued write. Default 4. */
  flushMs?: number;
  /** Flush at once when the queued weight (events) reaches this. Default 2000. */
  maxBatch?: number;
  /** Called after each flush with its size and duration (metrics). */
  onFlush?: (info: FlushInfo) => void;
}

/** What one flush did (for `/metrics`). */
export interface FlushInfo {
  ops: number;
  weight: number;
  ms: number;
  ok: boolean;
}

/** Runs writes in shared transactions; see {@link createCommitter}. */
export interface Committer {
  /**
   * Runs `fn` inside the next shared transaction, in its own SAVEPOINT, and resolves with its
   * result after COMMIT. If `fn` throws, only its own savepoint is rolled back and the promise
   * rejects with that error; its neighbours commit normally.
   * `weight` counts towards `maxBatch` (pass the number of events written).
   */
  commit<T>(fn: (db: Db) => T, weight?: number): Promise<T>;
  /** Flushes whatever is queued now; resolves when it is committed. */
  flush(): Promise<void>;
  /** Drains the queue and refuses new work. */
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
 * Concurrent requests each queue a write; the queue is flushed in one transaction after
 * `flushMs` or when `maxBatch` events are queued, whichever comes first. Each write runs in
 * its own SAVEPOINT so a failing write rolls back alone. Callers are resolved only after
 * COMMIT returned, i.e. after the WAL fsync (`synchronous=FULL`): a 2xx built on this
 * promise is durable. Throughput comes from amortising one fsync over many requests, never
 * from acknowledging a memory buffer.
 *
 * @example
 * const c = createCommitter(db, { flushMs: 4 });
 * const id = await c.commit((db) => db.prepare('INSERT INTO t(x) VALUES (1)').run().lastInsertRowid);
 */
export function createCommitter(db: Db, opts: CommitterOptions = {}): Committer {
  const flushMs = opts.flushMs ?? 4;
  const maxBatch = opts.maxBatch ?? 2000;
  let queue: Op[] = [];
  let weight = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let immediate: ReturnType<typeof setImmediate> | null = null;
  let closed = false;
  let waiters: (() => void)[] = [];

  const begin = db.prepare('BEGIN IMMEDIATE');
  const commitStmt = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const savepoint = db.prepare('SAVEPOINT op');
  const release = db.prepare('RELEASE op');
  const rollbackTo = db.prepare('ROLLBACK TO op');

  function schedule(): void {
    if (weight >= maxBatch) {
      if (timer) clearTimeout(timer), (timer = null);
      // setImmediate, not a synchronous flush: lets the request that filled the batch return
      // its promise first, and other sockets already readable get parsed into this batch.
      if (!immediate) immediate = setImmediate(run);
    } else if (!timer && !immediate) {
      timer = setTimeout(run, flushMs);
    }
  }

  function run(): void {
    timer = null;
    immediate = null;
    const ops = queue;
    const w = weight;
    const done = waiters;
    queue = [];
    weight = 0;
    waiters = [];
    if (ops.length) flushOps(ops, w);
    for (const d of done) d();
  }

  function flushOps(ops: Op[], w: number): void {
    const t0 = performance.now();
    const results: { ok: boolean; value: unknown }[] = new Array(ops.length);
    try {
      begin.run();
    } catch (e) {
      for (const op of ops) op.reject(e);
      opts.onFlush?.({ ops: ops.length, weight: w, ms: performance.now() - t0, ok: false });
      return;
    }
    for (let i = 0; i < ops.length; i++) {
      savepoint.run();
      try {
        results[i] = { ok: true, value: ops[i].fn(db) };
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
      for (const op of ops) op.reject(e);
      opts.onFlush?.({ ops: ops.length, weight: w, ms: performance.now() - t0, ok: false });
      return;
    }
    opts.onFlush?.({ ops: ops.length, weight: w, ms: performance.now() - t0, ok: true });
    for (let i = 0; i < ops.length; i++) {
      const r = results[i];
      if (r.ok) ops[i].resolve(r.value);
      else ops[i].reject(r.value);
    }
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
    },
    get pending() {
      return queue.length;
    },
  };
}
