import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './db';

/** Tuning of {@link backgroundCheckpointer}. */
export interface CheckpointerOptions {
  /**
   * Commits before the worker thread starts. Until then SQLite's own auto-checkpoint (on the
   * writing connection) does the job: a short-lived store (CLI command, test) never pays for a
   * thread. Default 256.
   */
  startAfter?: number;
  /** How often the worker looks at the commit counter, in ms. Default 50. */
  intervalMs?: number;
  /**
   * Checkpoint once this many rows (commit weights) were committed since the last one, or after
   * `idleMs` with anything new. Each checkpoint copies every page changed since the previous one
   * once, so checkpointing too often rewrites the same hot index pages again and again (measured:
   * every 50 ms cost more CPU than SQLite's own 4 000-page threshold). Default 4 000.
   */
  everyRows?: number;
  /** See `everyRows`. Default 1 000. */
  idleMs?: number;
  /**
   * Auto-checkpoint threshold (WAL pages) left on the writing connection once the worker runs:
   * a safety net that bounds the WAL if the worker falls behind or fails. Default 16 000 (64 MiB).
   */
  fallbackPages?: number;
}

/** Runs WAL checkpoints off the event loop; see {@link backgroundCheckpointer}. */
export interface Checkpointer {
  /** Tells the checkpointer a transaction of `rows` rows was committed (one Atomics add; call after each COMMIT). */
  committed(rows?: number): void;
  /** Stops the worker (after the checkpoint it may be running) and closes its connection. */
  close(): Promise<void>;
}

// CommonJS source of the worker (eval'd: no separate file to ship in the bundle). The connection
// never writes; `synchronous=FULL` makes its checkpoints sync the WAL before copying pages into
// the database and the database before the WAL may be reused, exactly like SQLite's own.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
db.pragma('synchronous = FULL');
db.pragma('cache_size = -1024');
const rows = new Int32Array(workerData.rows);
let seen = 0;
let last = Date.now();
const tick = () => {
  const now = Atomics.load(rows, 0);
  if (now === seen || (now - seen < workerData.everyRows && Date.now() - last < workerData.idleMs)) return;
  seen = now;
  last = Date.now();
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (e) {
    parentPort.postMessage(String(e && e.message || e));
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Moves WAL checkpoints from the writing connection to a worker thread with its own read-only
 * use of the file. SQLite's auto-checkpoint runs inside the COMMIT that crosses the threshold:
 * it copies thousands of pages into the database file and fsyncs both files, blocking the event
 * loop for tens of milliseconds (measured: COMMIT spent ~21 µs wall per event but ~8 µs CPU,
 * the rest waiting for those writes). A PASSIVE checkpoint from another connection runs
 * concurrently with the writer and never blocks it, so requests keep being parsed meanwhile.
 *
 * Durability is unchanged: checkpoints only copy frames that are already committed and synced,
 * and SQLite syncs the WAL before and the database after each one, whichever connection runs it.
 * The writer keeps a high auto-checkpoint threshold as a safety net, so the WAL stays bounded
 * even if the worker dies. Returns null for in-memory databases.
 *
 * @example
 * const cp = backgroundCheckpointer(db, '/var/lib/omnitrail.db');
 * commitStmt.run(); cp?.committed();
 * await cp?.close(); // before the final wal_checkpoint(TRUNCATE) and db.close()
 */
export function backgroundCheckpointer(db: Db, path: string, opts: CheckpointerOptions = {}): Checkpointer | null {
  if (path === ':memory:' || path === '' || db.memory || db.readonly) return null;
  const startAfter = opts.startAfter ?? 256;
  const rows = new Int32Array(new SharedArrayBuffer(4));
  let n = 0;
  let worker: Worker | null = null;
  let exited: Promise<void> | null = null;
  let closed = false;

  function start(): void {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver,
        path: db.name,
        rows: rows.buffer,
        intervalMs: opts.intervalMs ?? 50,
        everyRows: opts.everyRows ?? 4000,
        idleMs: opts.idleMs ?? 1000,
      },
    });
    // A store that is never closed must not keep the process alive.
    w.unref();
    w.on('message', (msg) => console.error(`omnitrail: background checkpoint failed: ${msg}`));
    exited = new Promise((resolve) => {
      w.once('exit', () => resolve());
      w.once('error', (e) => {
        // The writer's auto-checkpoint takes over (see fallbackPages).
        console.error('omnitrail: background checkpointer stopped:', e);
        resolve();
      });
    });
    worker = w;
    db.pragma(`wal_autocheckpoint = ${opts.fallbackPages ?? 16_000}`);
  }

  return {
    committed(r = 1) {
      if (closed) return;
      // Int32 wrap-around after 2^31 rows only makes one difference look negative: one late checkpoint.
      if (worker) Atomics.add(rows, 0, r);
      else if (++n >= startAfter) start();
    },
    async close() {
      if (closed) return exited ?? undefined;
      closed = true;
      if (!worker) return;
      worker.postMessage('close');
      await exited;
    },
  };
}
