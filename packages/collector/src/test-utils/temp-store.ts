import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from '../store/sqlite/index';

/**
 * Real SQLite stores on temp files for one test file: after each test every store opened is
 * closed (closing twice is harmless) and its directory removed.
 *
 * @example
 * const { tmpPath, openStore } = tempStores('ot-dedup-');
 * const s = openStore(tmpPath());
 */
export function tempStores(prefix: string, opts: SqliteStoreOptions = { flushMs: 1 }) {
  const dirs: string[] = [];
  const open: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return {
    /** A database path in a fresh temp directory. */
    tmpPath(): string {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return join(d, 'test.db');
    },
    /** Opens a store closed after the test. */
    openStore(path: string): SqliteStore {
      const s = openSqliteStore(path, opts);
      open.push(s);
      return s;
    },
  };
}
