import type { Db } from './db';

/**
 * How often, at most, `sitesVersion` asks SQLite whether another connection committed
 * (`PRAGMA data_version`). The pragma costs ~3 µs (measured on the 2-core VM with
 * better-sqlite3; a `/v1/track` request costs ~130 CPU-µs), so asking on every request would add
 * ~2 %; once per 250 ms costs nothing measurable and bounds how long a key rotated or a site
 * removed by the CLI (another process) keeps working in a running collector. Measured on the
 * ingest path: a write-key cache hit went from ~0.24–0.30 µs to ~0.33–0.40 µs (the version
 * check with its clock read), ~0.07 % of a `/v1/track` request.
 */
export const DATA_VERSION_CHECK_MS = 250;

interface State {
  version: number;
  dataVersion: number;
  checkedAt: number;
  pragma: { get(): unknown };
}
const states = new WeakMap<Db, State>();

function stateOf(db: Db): State {
  let s = states.get(db);
  if (!s) {
    const pragma = db.prepare('PRAGMA data_version').pluck();
    s = { version: 0, dataVersion: pragma.get() as number, checkedAt: 0, pragma };
    states.set(db, s);
  }
  return s;
}

/**
 * Note that sites or keys changed through this connection (a key rotated or revoked, settings
 * updated, a site created or removed). Call it inside the transaction that changes them: this
 * connection's own reads already see the change, so caches may reload at once.
 *
 * @example
 * await ctx.commit((d) => { d.prepare('DELETE FROM sites WHERE id = ?').run(id); sitesChanged(d); });
 */
export function sitesChanged(db: Db): void {
  stateOf(db).version++;
}

/**
 * A number that changes whenever sites or keys may have changed: at once for changes made
 * through this connection ({@link sitesChanged}), and within {@link DATA_VERSION_CHECK_MS} for
 * commits of any other connection to the same file (another process: the CLI), which SQLite's
 * `PRAGMA data_version` reveals. Other connections' commits are mostly not about sites (an
 * import, a retention run): the caches then just reload, one query per key.
 *
 * @example
 * if (sitesVersion(db) !== seen) cache.clear();
 */
export function sitesVersion(db: Db, now = Date.now()): number {
  const s = stateOf(db);
  if (now - s.checkedAt >= DATA_VERSION_CHECK_MS) {
    s.checkedAt = now;
    try {
      const dv = s.pragma.get() as number;
      if (dv !== s.dataVersion) {
        s.dataVersion = dv;
        s.version++;
      }
    } catch {
      // A closed connection: nothing changes any more.
    }
  }
  return s.version;
}
