import { closeSync, fdatasync, openSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { sqliteDriver } from './driver';

/** A better-sqlite3 connection (the type every sqlite domain module receives). */
export type Db = Database.Database;

/**
 * The database file could not be opened (missing directory, no permission, not a SQLite file).
 * The message names the path and SQLite's reason; the CLI prints it without a stack trace.
 */
export class DatabaseOpenError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot open the database ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DatabaseOpenError';
  }
}

/** Tuning knobs of {@link openDb}. */
export interface OpenDbOptions {
  /**
   * Page cache in MiB. The dedup and per-person indexes take random inserts; keeping their
   * hot pages in cache is what keeps inserts fast as tables grow (see "Storage design").
   * Default 256.
   */
  cacheMb?: number;
  /** Open read-only (CLI reports, inspection). */
  readonly?: boolean;
}

/**
 * Opens a SQLite file with the pragmas Omnitrail relies on.
 *
 * - `journal_mode=WAL`: readers never block the single writer; a commit appends to the WAL.
 * - `synchronous=FULL`: every COMMIT fsyncs the WAL, so a committed transaction survives
 *   power loss, not just a process crash. Group commit (see `committer.ts`) amortises the
 *   fsync over hundreds of events (measured: ~0.35 ms per fdatasync here). The store then
 *   normally hands that fsync to the thread pool ({@link walSyncer}): same guarantee, but the
 *   event loop is not blocked while the disk flushes.
 * - `busy_timeout`: a CLI command or a checkpoint from another connection waits instead of failing.
 * - `cache_size`: sized page cache (negative value = KiB).
 * - `temp_store=MEMORY`: sorts for reports never touch disk.
 * - `secure_delete=ON`: deleted content is zeroed, not left in freed space (erasure).
 *
 * @example
 * const db = openDb('/var/lib/omnitrail.db', { cacheMb: 128 });
 * db.prepare('SELECT 1').get();
 */
export function openDb(path: string, opts: OpenDbOptions = {}): Db {
  let db: Db;
  try {
    db = new (sqliteDriver())(path, { readonly: opts.readonly ?? false });
  } catch (e) {
    throw new DatabaseOpenError(path, e);
  }
  try {
    // The first statement reads the header: a file that is not SQLite fails here, not above.
    if (!opts.readonly) db.pragma('journal_mode = WAL');
    else db.pragma('schema_version');
  } catch (e) {
    db.close();
    throw new DatabaseOpenError(path, e);
  }
  const cacheKb = Math.max(2, Math.round((opts.cacheMb ?? 256) * 1024));
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma(`cache_size = -${cacheKb}`);
  db.pragma('temp_store = MEMORY');
  db.pragma('foreign_keys = ON');
  // Deleted rows are overwritten with zeros, freed pages included: an erased person's data must
  // not stay readable in the file (the WAL's old frames go with a truncating checkpoint after
  // each erasure, privacy.ts). Cost on ingest measured in STORAGE.md.
  db.pragma('secure_delete = ON');
  // Larger WAL between automatic checkpoints: fewer checkpoint stalls under load; the WAL is
  // truncated back to this size afterwards so it cannot grow without bound on disk.
  db.pragma('wal_autocheckpoint = 4000');
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  return db;
}

/**
 * Durability off the event loop: switches the connection to `synchronous=NORMAL` (COMMIT
 * appends to the WAL without fsync) and returns a `sync` for the group committer that
 * `fdatasync`s the WAL file in libuv's thread pool. The committer resolves a flush's callers
 * only after an fdatasync that started after its COMMIT, so an acknowledged transaction is on
 * stable storage exactly as with `synchronous=FULL` (SQLite itself still syncs the WAL before
 * each checkpoint and the database after it, and a WAL restart rewrites a synced header).
 * Returns null (keep FULL) for in-memory databases or `mode: 'commit'`.
 *
 * @example
 * const wal = walSyncer(db, path, 'thread-pool');
 * createCommitter(db, { sync: wal?.sync });
 */
export function walSyncer(
  db: Db,
  path: string,
  mode: 'thread-pool' | 'commit',
): { sync: (done: (err: Error | null) => void) => void; close(): void } | null {
  if (mode !== 'thread-pool' || path === ':memory:' || path === '' || db.memory) return null;
  db.pragma('synchronous = NORMAL');
  let fd: number | null = null;
  return {
    sync(done) {
      try {
        // The WAL exists once a transaction has committed; SQLite never deletes it while this
        // connection is open (only the last connection to close does), so the fd stays valid.
        fd ??= openSync(`${path}-wal`, 'r');
      } catch (e) {
        done(e as Error);
        return;
      }
      fdatasync(fd, (err) => done(err));
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
