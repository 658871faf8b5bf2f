import { Worker } from 'node:worker_threads';
import { sqliteDriverPath } from './driver';
import type { Db } from './db';

/** Tuning of {@link workerCheckpointer}. */
export interface CheckpointerOptions {
  /** Shortest wait between two passes while writes continue. Default 100 ms. */
  intervalMs?: number;
  /** Longest wait between two passes while writes continue. Default 1 000 ms. */
  maxIntervalMs?: number;
  /** Restart the WAL (hold commits for one short pass) once it holds this many frames. Default 4000. */
  restartFrames?: number;
  /**
   * The writer's own auto-checkpoint while the worker runs: only a safety net if the worker falls
   * behind. Default 4 × `restartFrames`. If the worker dies, the writer goes back to `restartFrames`.
   */
  fallbackFrames?: number;
  /** How long a truncate pass waits for other connections' readers to leave the WAL (commits are held meanwhile). Default 250 ms. */
  truncateWaitMs?: number;
  /** Observes every pass (tests, metrics). */
  onPass?: (info: CheckpointPass) => void;
}

/** One checkpoint pass, as `PRAGMA wal_checkpoint(PASSIVE)` reported it. */
export interface CheckpointPass {
  /** WAL frames when the pass started. */
  log: number;
  /** Frames copied into the database file so far (all of `log` when the pass completed). */
  checkpointed: number;
  /** 1 when a lock stopped the pass early. */
  busy: number;
  /** Wall time of the pass in the worker. */
  ms: number;
  /** True for the pass run while commits were held (the one that lets the WAL restart, and every truncate). */
  gap: boolean;
  /** True for a {@link Checkpointer.truncate} pass (`wal_checkpoint(TRUNCATE)`). */
  truncate?: boolean;
  /** Set when the pass failed. */
  error?: string;
}

/** What the group committer needs from a checkpointer (see `CommitterOptions.checkpointer`). */
export interface CommitGate {
  /** Called after every COMMIT. */
  afterCommit(): void;
  /** True while new transactions must wait. */
  held(): boolean;
  /** Runs `fn` once the hold ends (at once if there is none). */
  onRelease(fn: () => void): void;
}

/** A running checkpointer. */
export interface Checkpointer extends CommitGate {
  /**
   * Starts the worker now (the first commit does otherwise) and resolves once its connection is
   * open, or once it failed (then the writer checkpoints itself).
   */
  start(): Promise<void>;
  /**
   * Copies every frame into the database file and truncates the WAL to zero bytes, while new
   * transactions are held: the old frames of the WAL still hold rows a transaction deleted
   * (erasure). Waits for the pass in flight first. Resolves with the pass, or null when there
   * is no worker to run it (the caller checkpoints itself then).
   */
  truncate(): Promise<CheckpointPass | null>;
  /** Waits for the pass in flight and stops the worker. */
  close(): Promise<void>;
}

/** A pass longer than this leaves a tail worth copying before commits are held. */
const LONG_PASS_MS = 10;

// CommonJS, evaluated in the worker: a second connection that only checkpoints. synchronous=FULL:
// a checkpoint fsyncs the WAL before it copies frames and the database file after (NORMAL does too).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('synchronous = FULL');
const pass = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const truncate = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)');
parentPort.postMessage('ready');
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  const t0 = performance.now();
  // TRUNCATE waits (busy handler) for readers of other connections to leave the WAL; commits
  // are held meanwhile, so the wait is short and bounded.
  if (m === 'truncate') db.pragma('busy_timeout = ' + workerData.truncateWaitMs);
  try {
    const r = (m === 'truncate' ? truncate : pass).get();
    parentPort.postMessage({ log: r.log, checkpointed: r.checkpointed, busy: r.busy, ms: performance.now() - t0, truncate: m === 'truncate' });
  } catch (e) {
    parentPort.postMessage({ log: 0, checkpointed: 0, busy: 1, ms: performance.now() - t0, truncate: m === 'truncate', error: String((e && e.message) || e) });
  }
  if (m === 'truncate') db.pragma('busy_timeout = 0');
});
`;

/**
 * Moves WAL checkpoints off the event loop. SQLite's auto-checkpoint runs inside the COMMIT that
 * crosses the threshold: it copies thousands of pages into the database file and fsyncs it on the
 * event loop (measured: 20–30 ms stalls, ~8 % of the loop at 24 k events/s). Here a worker thread
 * with its own connection runs `wal_checkpoint(PASSIVE)` while writes continue; PASSIVE never
 * blocks the writer. Passes are timed by the WAL's growth rate to come about when it reaches
 * `restartFrames` (within `intervalMs`…`maxIntervalMs`), so each copies as much as SQLite's own
 * checkpoint would.
 *
 * A passive checkpoint alone is not enough: SQLite starts writing the WAL from its beginning again
 * only when a write transaction begins with every frame already copied, which never happens while
 * commits keep arriving during each pass, so the WAL would grow until the writer's own fallback
 * checkpoint. So once a completed pass saw `restartFrames` frames, the committer holds new
 * transactions (requests keep being parsed; they queue) while one more pass copies the tail
 * committed meanwhile; the next transaction then restarts the WAL. That hold is the only stall
 * left: ~7 ms median under full ingest load, mostly the pass's two fsyncs.
 *
 * Durability is unchanged: the worker runs SQLite's own checkpoint, which syncs the WAL before
 * copying and the database before marking frames copied; acknowledgements still wait for the WAL
 * fsync of their commit. If the worker dies or cannot start, the writer's auto-checkpoint takes over.
 *
 * @example
 * const ckpt = workerCheckpointer(db, '/var/lib/omnitrail.db');
 * const committer = createCommitter(db, { checkpointer: ckpt });
 */
export function workerCheckpointer(db: Db, path: string, opts: CheckpointerOptions = {}): Checkpointer {
  const intervalMs = opts.intervalMs ?? 100;
  const maxIntervalMs = Math.max(intervalMs, opts.maxIntervalMs ?? 1000);
  const restartFrames = opts.restartFrames ?? 4000;

  /** Started by the first commit: a CLI command that only reads never pays for a thread. */
  let worker: Worker | null = null;
  let started: Promise<void> | null = null;
  /** 0: idle, 1: a pass in flight, 2: the restart pass in flight (commits held). */
  let state: 0 | 1 | 2 = 0;
  let dirty = false;
  /** When the next pass may start, and what the last one saw (frames in the WAL, when). */
  let nextAt = -Infinity;
  let seen: [frames: number, at: number] | null = null;
  /** The last pass was the catch-up before a restart hold. */
  let caughtUp = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let dead = false;
  let closing = false;
  let waiters: (() => void)[] = [];
  let idle: (() => void)[] = [];
  let reported = false;
  let onReady = () => {};
  /** Callers of truncate() waiting for the next truncate pass, and those the pass in flight answers. */
  let truncateWaiters: ((p: CheckpointPass | null) => void)[] = [];
  let truncating: ((p: CheckpointPass | null) => void)[] = [];

  const release = () => {
    for (const f of waiters.splice(0)) f();
  };
  const pass = (gap: boolean) => {
    state = gap ? 2 : 1;
    dirty = false;
    worker!.postMessage(0);
  };
  /** A truncate asked for goes before the next ordinary pass, as soon as no pass is in flight. */
  const maybeTruncate = (): boolean => {
    if (!worker || dead || state !== 0 || truncateWaiters.length === 0) return false;
    if (timer) clearTimeout(timer), (timer = null);
    truncating = truncateWaiters.splice(0);
    state = 2;
    dirty = false;
    worker.postMessage('truncate');
    return true;
  };
  const maybePass = () => {
    if (maybeTruncate()) return;
    if (!worker || dead || closing || state !== 0 || timer || !dirty) return;
    const wait = nextAt - performance.now();
    if (wait <= 0) pass(false);
    else {
      timer = setTimeout(() => {
        timer = null;
        maybePass();
      }, wait);
      timer.unref?.();
    }
  };
  const settle = () => {
    if (state === 0) for (const f of idle.splice(0)) f();
  };
  const die = (err?: unknown) => {
    if (dead) return;
    dead = true;
    if (timer) clearTimeout(timer), (timer = null);
    state = 0;
    if (!closing) {
      console.error('omnitrail: WAL checkpoint worker stopped; the writer checkpoints itself from now on:', err ?? 'exited');
      try {
        db.pragma(`wal_autocheckpoint = ${restartFrames}`);
      } catch {
        /* connection closed */
      }
    }
    release();
    for (const f of [...truncating.splice(0), ...truncateWaiters.splice(0)]) f(null);
    settle();
    onReady();
  };
  const onMessage = (m: Omit<CheckpointPass, 'gap'> | 'ready') => {
    if (m === 'ready') return onReady();
    const gap = state === 2;
    state = 0;
    opts.onPass?.({ ...m, gap });
    if (m.truncate) for (const f of truncating.splice(0)) f({ ...m, gap });
    if (m.error && !reported) {
      reported = true;
      console.error('omnitrail: background WAL checkpoint failed (the writer checkpoints instead):', m.error);
    }
    if (gap) release();
    if (maybeTruncate()) return;
    if (closing) return settle();
    const now = performance.now();
    if (gap || m.error || m.busy) {
      // After a restart the WAL counts from 0 again.
      if (gap) seen = null;
      caughtUp = false;
      nextAt = now + intervalMs;
      return maybePass();
    }
    if (m.log >= restartFrames && m.checkpointed === m.log) {
      // Commits are held only while a pass copies a short tail: after a long pass, one more
      // pass without a hold copies the tail that long pass left first.
      const long = m.ms > LONG_PASS_MS && !caughtUp;
      caughtUp = long;
      return pass(!long);
    }
    caughtUp = false;
    // Next pass when the WAL should reach `restartFrames` at the rate seen, so that a pass
    // copies about as many frames as SQLite's own checkpoint would (a page rewritten between two
    // passes is copied twice: passes every 100 ms cost the CSV import 15 % more CPU).
    const rate = seen && m.log > seen[0] ? (m.log - seen[0]) / (now - seen[1]) : 0;
    seen = [m.log, now];
    const wait = rate > 0 ? (restartFrames - m.log) / rate : intervalMs;
    nextAt = now + Math.min(maxIntervalMs, Math.max(intervalMs, wait));
    maybePass();
  };
  const start = (): Promise<void> =>
    (started ??= new Promise<void>((resolve) => {
      onReady = resolve;
      try {
        const driver = sqliteDriverPath();
        worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, truncateWaitMs: opts.truncateWaitMs ?? 250 } });
      } catch (e) {
        // E.g. bundled where the driver cannot be resolved: SQLite's own auto-checkpoint stays.
        return die(e);
      }
      // Idle between passes: never what keeps a process alive.
      worker.unref();
      db.pragma(`wal_autocheckpoint = ${opts.fallbackFrames ?? restartFrames * 4}`);
      worker.on('message', onMessage);
      worker.on('error', die);
      worker.on('exit', () => die());
    }));

  return {
    start,
    afterCommit() {
      dirty = true;
      if (!started && !closing) void start();
      maybePass();
    },
    held: () => state === 2,
    truncate() {
      if (dead || closing) return Promise.resolve(null);
      const p = new Promise<CheckpointPass | null>((r) => truncateWaiters.push(r));
      if (!started) void start();
      maybeTruncate();
      return p;
    },
    onRelease(fn) {
      if (state === 2) waiters.push(fn);
      else fn();
    },
    async close() {
      closing = true;
      if (timer) clearTimeout(timer), (timer = null);
      if (!worker || dead) return;
      // Unreferenced, the worker would not keep the process alive while close() waits for it:
      // a script ending in `await store.close()` would exit before the database is closed.
      worker.ref();
      if (state !== 0) await new Promise<void>((r) => idle.push(r));
      if (dead) return;
      const exited = new Promise<void>((r) => worker!.once('exit', () => r()));
      worker.postMessage('close');
      await exited;
    },
  };
}
