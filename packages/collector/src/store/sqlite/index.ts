import type { Store } from '../types';
import type { StoredEvent } from '../core';
import { workerCheckpointer, type CheckpointerOptions } from './checkpointer';
import { createCommitter, type FlushInfo } from './committer';
import type { Deriver, SqliteContext } from './context';
import { coreStore } from './core';
import { keysStore } from './keys';
import { privacyStore } from './privacy';
import { dashboardStore } from './dashboard';
import { openDb, walSyncer, type Db } from './db';
import { migrations, pinEventIndexStats, runMigrations } from './migrations';
import { qrScanDeriver, qrStore } from './qr';
import { identityDeriver } from './identity';
import { identityStore } from './identity-read';
import { ordersDeriver, ordersStore } from './orders';
import { reportsStore } from './reports';
import { webhookIdentifyDeriver, webhookTouchpointDeriver, webhooksStore } from './webhooks';
import { touchFieldsDeriver } from './touch-fields';
import { cookielessViewsDeriver } from './cookieless-views';
import { createStitcher, type StitcherOptions } from './stitcher';

export type { Deriver, SqliteContext } from './context';
export type { Db } from './db';
export type { FlushInfo } from './committer';
export type { CheckpointPass, CheckpointerOptions } from './checkpointer';
export type { StitcherOptions } from './stitcher';
export { keyHash } from './hash';
export { BloomFilter } from './bloom';
export { EVENT_COLUMNS, rowToEvent, eventsOfId, hashSecret, type EventRow } from './core';

/**
 * Derivers run for every newly inserted event, inside its transaction, in this order.
 * Each domain adds its function here (one line), e.g. `qrScanDeriver, ordersDeriver`.
 */
const derivers: readonly Deriver[] = [qrScanDeriver, ordersDeriver, touchFieldsDeriver, webhookTouchpointDeriver, webhookIdentifyDeriver, cookielessViewsDeriver];

/**
 * Derivers run by the background pass (`stitcher.ts`) shortly after the events committed, many
 * events per transaction: identity stitching, whose random B-tree writes cost far less in bulk.
 */
const backgroundDerivers: readonly Deriver[] = [identityDeriver];

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Page cache in MiB (default 256). */
  cacheMb?: number;
  /**
   * Group commit: minimum ms between two flushes (default 0: a flush starts as soon as the one
   * in flight is durable; see `createCommitter`).
   */
  flushMs?: number;
  /** Group commit: flush at once at this many queued events (default 2000). */
  maxBatch?: number;
  /** Observes every flush (metrics: size, latency). */
  onFlush?: (info: FlushInfo) => void;
  /**
   * Where the WAL fsync that makes a commit durable runs. `thread-pool` (default):
   * `synchronous=NORMAL` + `fdatasync` of the WAL file in libuv's thread pool before any caller
   * is resolved — the same guarantee as FULL, but the event loop keeps parsing requests during
   * the fsync. `commit`: `synchronous=FULL`, the fsync inside COMMIT on the event loop.
   */
  walSync?: 'thread-pool' | 'commit';
  /**
   * Where WAL checkpoints run. `worker` (default with `thread-pool` WAL sync): a worker thread
   * with its own connection copies the WAL into the database file, so the event loop never
   * stalls on a checkpoint (see `workerCheckpointer`); options tune it. `inline`: SQLite's
   * auto-checkpoint inside the COMMIT that crosses 4 000 frames.
   */
  checkpoint?: 'inline' | 'worker' | CheckpointerOptions;
  /** Extra derivers after the built-in ones (tests, plugins). */
  derivers?: Deriver[];
  /** Where deriver failures go (default: console.error). */
  onDeriverError?: (err: unknown, ev: StoredEvent) => void;
  /** The background identity pass: delay and largest batch (see `createStitcher`). */
  stitch?: StitcherOptions;
}

/** The SQLite store: the {@link Store} interface plus the connection and committer for sqlite domain modules. */
export type SqliteStore = Store & {
  /** The better-sqlite3 connection. */
  readonly db: Db;
  /** Group committer (see {@link SqliteContext.commit}). */
  commit<T>(fn: (db: Db) => T, weight?: number): Promise<T>;
  /** Commits whatever is queued now. */
  flush(): Promise<void>;
  /**
   * Loads the dedup filter now (else the first append does). `onRescan` hears, before it starts,
   * of a rescan of more than 100 000 stored events (after a crash, or the first start after an
   * upgrade that changed the filter's format): seconds per million events.
   */
  warmUp(onRescan?: (events: number) => void): void;
  /**
   * Resolves once identity stitching (a background pass, ~50 ms behind ingest) has applied
   * every event committed before the call. The store's own identity reads do this already;
   * call it before querying the identity tables directly.
   */
  stitched(): Promise<void>;
  /** Events committed but not applied by the stitching pass yet, counted by row id (`/metrics`). */
  stitchBacklog(): number;
};

/**
 * Opens (creating if needed) an Omnitrail SQLite database, applies pending migrations and
 * returns the {@link Store}. Writes are group-committed: many concurrent calls share one
 * transaction, and each promise resolves only after COMMIT (WAL fsync).
 *
 * @example
 * const store = openSqliteStore('./omnitrail.db');
 * const { site, secretKey } = await store.createSite({ name: 'Shop', origins: ['*'] });
 * await store.close();
 */
export function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): SqliteStore {
  const db = openDb(path, { cacheMb: opts.cacheMb });
  try {
    runMigrations(db, migrations);
    pinEventIndexStats(db);
  } catch (e) {
    db.close();
    throw e;
  }
  const wal = walSyncer(db, path, opts.walSync ?? 'thread-pool');
  const ckpt = opts.checkpoint ?? 'worker';
  // Only beside the off-loop WAL sync: that is what a real file (not :memory:) on Node has.
  const checkpointer = wal && ckpt !== 'inline' ? workerCheckpointer(db, path, ckpt === 'worker' ? {} : ckpt) : undefined;
  const committer = createCommitter(db, {
    flushMs: opts.flushMs,
    maxBatch: opts.maxBatch,
    onFlush: opts.onFlush,
    sync: wal?.sync,
    checkpointer,
  });
  const onDeriverError =
    opts.onDeriverError ??
    ((err: unknown, ev: StoredEvent) => console.error(`omnitrail: deriver failed for event ${ev.messageId}:`, err));
  const stitcher = createStitcher(db, committer.commit, backgroundDerivers, onDeriverError, opts.stitch);
  const ctx: SqliteContext = {
    db,
    commit: committer.commit,
    derivers: [...derivers, ...(opts.derivers ?? [])],
    onDeriverError,
    appended: stitcher.added,
    stitched: stitcher.catchUp,
    stitchSync: stitcher.drainSync,
    async truncateWal() {
      const pass = await checkpointer?.truncate();
      if (pass) return !pass.busy && !pass.error && pass.checkpointed === pass.log;
      // No worker: this connection (no transaction is open between two flushes), waiting only
      // briefly for other connections' readers since it blocks the event loop meanwhile.
      db.pragma('busy_timeout = 250');
      try {
        const [r] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
        return r.busy === 0 && r.checkpointed === r.log;
      } finally {
        db.pragma('busy_timeout = 5000');
      }
    },
  };
  const core = coreStore(ctx);
  let closing: Promise<void> | null = null;

  const store: SqliteStore & { saveDedupSnapshot(): void } = {
    db,
    commit: committer.commit,
    flush: committer.flush,
    stitched: stitcher.catchUp,
    stitchBacklog: stitcher.backlog,
    ...core,
    // After core: wraps its key lookups so rotated-out keys work during their overlap.
    ...keysStore(ctx, core),
    // After core: drops events of suppressed (erased) anonymous IDs before they are stored.
    ...privacyStore(ctx, core),
    ...dashboardStore(ctx),
    ...qrStore(ctx),
    ...identityStore(ctx),
    ...ordersStore(ctx),
    ...reportsStore(ctx),
    ...webhooksStore(ctx),
    // Domain modules spread here, one line each: ...qrStore(ctx), ...ordersStore(ctx), …

    async migrate() {
      runMigrations(db, migrations);
    },

    close() {
      closing ??= (async () => {
        // Every step runs even if one fails, so the checkpoint worker, the timers and the WAL fd
        // are always released; a step's error is rethrown at the end. On a connection already
        // closed (its owner, or a fatal I/O error) the steps that need it have nothing left to
        // save, and their errors are not worth reporting.
        let failure: unknown = null;
        const step = async (f: () => unknown) => {
          try {
            await f();
          } catch (e) {
            if (db.open) failure ??= e;
          }
        };
        // The pending background pass first: a clean stop leaves nothing to catch up.
        await step(() => stitcher.close());
        await step(() => committer.close());
        await step(() => checkpointer?.close());
        try {
          if (db.open) store.saveDedupSnapshot();
        } catch (e) {
          // Not fatal: the next start rebuilds the filter from the index.
          console.error('omnitrail: could not save the dedup filter snapshot:', e);
        }
        // Checkpoint so the WAL is folded into the main file on a clean shutdown.
        try {
          db.pragma('wal_checkpoint(TRUNCATE)');
        } catch {
          /* another connection holds a read lock; the WAL stays and is replayed on next open */
        }
        wal?.close();
        db.close();
        if (failure) throw failure;
      })();
      return closing;
    },
  };
  return store;
}
