import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index';
import type { Site, Store } from '../store/types';
import { CliError } from './io';

/** The database a command works on: `--db`, else env `OMNITRAIL_DB`, else `./omnitrail.db`. */
export function dbPathOf(flag: string | undefined): string {
  return flag ?? process.env.OMNITRAIL_DB ?? './omnitrail.db';
}

/**
 * Open the database of a command that works on existing data (reports, keys, erasure, QR,
 * imports, site list/update, demo remove). SQLite would silently create a missing file, so a
 * typo in `--db` gave an empty database and an empty report: refused instead. Only `serve`,
 * `start`, `site create` and `demo seed` create a database.
 *
 * @example
 * const store = openExistingStore(dbPathOf(values.db));
 */
export function openExistingStore(path: string, opts?: Parameters<typeof openSqliteStore>[1]): SqliteStore {
  // A missing directory is left to the driver, whose error already says so.
  if (path !== ':memory:' && !existsSync(path) && existsSync(dirname(path))) {
    throw new CliError(`no database at ${path}; start the collector first ("omnitrail start", or "omnitrail serve --db ${path}") or pass --db <file>`, 1);
  }
  return openSqliteStore(path, opts);
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
  const store = openExistingStore(dbPathOf(db));
  try {
    return { store, site: await resolveSite(store, siteId) };
  } catch (e) {
    await store.close();
    throw e;
  }
}

/**
 * The site a command works on: `--site` (id or name), or the only site there is.
 *
 * @example
 * const site = await resolveSite(store, values.site);
 */
export async function resolveSite(store: Pick<Store, 'getSite' | 'listSites'>, siteId: string | undefined): Promise<Site> {
  const all = await store.listSites();
  if (siteId) {
    const s = (await store.getSite(siteId)) ?? all.find((x) => x.name === siteId);
    if (!s) throw new CliError(`site "${siteId}" not found (see "omnitrail site list")`);
    return s;
  }
  if (all.length === 1) return all[0];
  throw new CliError(all.length === 0 ? 'no site yet: create one with "omnitrail site create"' : `--site is required: ${all.length} sites exist (${all.map((x) => x.id).join(', ')})`);
}
