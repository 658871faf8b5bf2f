import { openSqliteStore, type SqliteStore } from '../store/sqlite/index';
import type { Site } from '../store/types';
import { CliError } from './io';

/** The database a command works on: `--db`, else env `OMNITRAIL_DB`, else `./omnitrail.db`. */
export function dbPathOf(flag: string | undefined): string {
  return flag ?? process.env.OMNITRAIL_DB ?? './omnitrail.db';
}

/**
 * Open the store of a CLI command and resolve its site (`--site`, or the only site there is).
 * The caller closes the store.
 *
 * @example
 * const { store, site } = await openForSite(values.db, values.site);
 * try { … } finally { await store.close(); }
 */
export async function openForSite(db: string | undefined, siteId: string | undefined): Promise<{ store: SqliteStore; site: Site }> {
  const store = openSqliteStore(dbPathOf(db));
  try {
    if (siteId) {
      const s = await store.getSite(siteId);
      if (!s) throw new CliError(`site "${siteId}" not found (see "omnitrail site list")`);
      return { store, site: s };
    }
    const all = await store.listSites();
    if (all.length === 1) return { store, site: all[0] };
    throw new CliError(all.length === 0 ? 'no site yet: create one with "omnitrail site create"' : '--site is required (several sites exist; see "omnitrail site list")');
  } catch (e) {
    await store.close();
    throw e;
  }
}
