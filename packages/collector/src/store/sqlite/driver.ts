import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/** The two builds of better-sqlite3 the collector installs (see {@link sqliteDriverId}). */
export type SqliteDriverId = 'better-sqlite3' | 'better-sqlite3-napi';

/**
 * Which better-sqlite3 this Node.js can run. Two majors are installed side by side (the second
 * under the npm alias `better-sqlite3-napi`) because neither covers every supported Node:
 *
 * - **12.x** (V8 API, built for the running ABI) is the only one Node 20 can load. On Node 24 it
 *   aborts the process: its `Statement`/`Database` destructors, run by the garbage collector,
 *   call `RemoveEnvironmentCleanupHook`, which Node 24 asserts on (`(env) != nullptr`) when no
 *   environment is current. Reproduced here: 7 of 75 test files' workers died on Node 24.21;
 *   upstream closed the report (WiseLibs/better-sqlite3#1515) in favour of 13.
 * - **13.x** (Node-API 10, prebuilt binaries inside the npm package) needs Node-API 10, which
 *   Node has from 22.14: on Node 20 it segfaults in `new Database()`.
 *
 * So: 13 wherever the runtime offers Node-API ≥ 10, else 12. Same SQL, same file format, same
 * JavaScript API for everything the store uses. `OMNITRAIL_SQLITE_DRIVER` forces one of the two
 * (benchmarks compare them on one Node).
 *
 * @example
 * sqliteDriverId() // 'better-sqlite3' on Node 20, 'better-sqlite3-napi' on Node 22.14+ and 24
 */
export function sqliteDriverId(): SqliteDriverId {
  const forced = process.env.OMNITRAIL_SQLITE_DRIVER;
  if (forced === 'better-sqlite3' || forced === 'better-sqlite3-napi') return forced;
  if (forced) throw new Error(`OMNITRAIL_SQLITE_DRIVER must be better-sqlite3 or better-sqlite3-napi, not "${forced}"`);
  return Number(process.versions.napi) >= 10 ? 'better-sqlite3-napi' : 'better-sqlite3';
}

let loaded: typeof BetterSqlite3 | undefined;

/**
 * The better-sqlite3 `Database` class for this runtime ({@link sqliteDriverId}), loaded once.
 *
 * @example
 * const Database = sqliteDriver();
 * const db = new Database('omnitrail.db', { readonly: true });
 */
export function sqliteDriver(): typeof BetterSqlite3 {
  return (loaded ??= createRequire(import.meta.url)(sqliteDriverPath()) as typeof BetterSqlite3);
}

/**
 * The file a worker thread (or another process) should `require` to get the same driver.
 *
 * @example
 * new Worker(src, { eval: true, workerData: { driver: sqliteDriverPath() } });
 */
export function sqliteDriverPath(): string {
  return createRequire(import.meta.url).resolve(sqliteDriverId());
}
