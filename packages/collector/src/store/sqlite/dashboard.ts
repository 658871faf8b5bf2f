import type { DashboardAuth, DashboardStore } from '../dashboard';
import type { SqliteContext } from './context';
import type { Db } from './db';
import { DATA_VERSION_CHECK_MS, sitesChanged } from './site-version';
import { purgeEvents } from './purge';

/** Columns of a table (PRAGMA table_info). */
function columnsOf(db: Db, table: string): Set<string> {
  return new Set((db.prepare(`PRAGMA table_info("${table.replace(/"/g, '""')}")`).all() as { name: string }[]).map((c) => c.name));
}

/**
 * Delete everything of one site, discovering the tables at run time so domains added later are
 * covered without editing this file: rows with a `site_id` column go directly; rows of tables
 * without one go through their parent key (`event_id` → events, `ident` → identity_ids,
 * `comp` ids of the site's identity components). Children first, then parents, then the site.
 */
export function removeSiteRows(db: Db, siteId: string): Record<string, number> {
  const q = (t: string) => `"${t.replace(/"/g, '""')}"`;
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((r) => r.name);
  const removed: Record<string, number> = {};
  const count = (t: string, n: number) => {
    if (n) removed[t] = (removed[t] ?? 0) + n;
  };
  for (const t of tables) {
    if (t === 'sites') continue;
    const cols = columnsOf(db, t);
    if (cols.has('site_id')) continue;
    if (cols.has('event_id') && tables.includes('events')) {
      count(t, db.prepare(`DELETE FROM ${q(t)} WHERE event_id IN (SELECT id FROM events WHERE site_id = ?)`).run(siteId).changes);
    } else if (cols.has('ident') && tables.includes('identity_ids')) {
      count(t, db.prepare(`DELETE FROM ${q(t)} WHERE ident IN (SELECT id FROM identity_ids WHERE site_id = ?)`).run(siteId).changes);
    } else if (t === 'identity_comps' && tables.includes('identity_ids')) {
      count(t, db.prepare(`DELETE FROM identity_comps WHERE id IN (SELECT comp FROM identity_ids WHERE site_id = ?)`).run(siteId).changes);
    }
  }
  for (const t of tables) {
    if (t !== 'sites' && columnsOf(db, t).has('site_id')) count(t, db.prepare(`DELETE FROM ${q(t)} WHERE site_id = ?`).run(siteId).changes);
  }
  count('sites', db.prepare('DELETE FROM sites WHERE id = ?').run(siteId).changes);
  // Key caches of this process drop the site's keys at once (others within DATA_VERSION_CHECK_MS).
  sitesChanged(db);
  return removed;
}

/**
 * Migration: the dashboard's one-row settings table (admin password hash, cookie secret).
 * `id = 1` is enforced so there is never more than one row.
 */
export const dashboardSql = `
CREATE TABLE dashboard_auth (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  password_hash TEXT,
  cookie_secret TEXT NOT NULL,
  updated_at    INTEGER NOT NULL
);
`;

/**
 * Migration: dashboard sessions ended by logout, each kept until its cookie would have expired
 * (session cookies are signed, not stored, so ending one needs this list). A few rows at most:
 * expired ones are deleted whenever a session ends.
 */
export const endedSessionsSql = `
CREATE TABLE dashboard_ended_sessions (
  sid        TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

/**
 * SQLite implementation of {@link DashboardStore}; spread into the store in `index.ts`.
 *
 * @example
 * const store = { ...coreStore(ctx), ...dashboardStore(ctx) };
 */
export function dashboardStore(ctx: SqliteContext): DashboardStore {
  const get = ctx.db.prepare('SELECT password_hash, cookie_secret, updated_at FROM dashboard_auth WHERE id = 1');
  const ended = ctx.db.prepare('SELECT 1 FROM dashboard_ended_sessions WHERE sid = ?').pluck();
  return {
    async getDashboardAuth() {
      const r = get.get() as { password_hash: string | null; cookie_secret: string; updated_at: number } | undefined;
      return r ? { passwordHash: r.password_hash, cookieSecret: r.cookie_secret, updatedAt: r.updated_at } : null;
    },
    setDashboardAuth(auth: DashboardAuth) {
      return ctx.commit((db) => {
        db.prepare(
          `INSERT INTO dashboard_auth (id, password_hash, cookie_secret, updated_at) VALUES (1, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET password_hash = excluded.password_hash, cookie_secret = excluded.cookie_secret, updated_at = excluded.updated_at`,
        ).run(auth.passwordHash, auth.cookieSecret, auth.updatedAt);
      });
    },
    endDashboardSession(sid: string, expiresAt: number, now = Date.now()) {
      return ctx.commit((db) => {
        db.prepare('DELETE FROM dashboard_ended_sessions WHERE expires_at <= ?').run(now);
        db.prepare('INSERT OR REPLACE INTO dashboard_ended_sessions (sid, expires_at) VALUES (?, ?)').run(sid, expiresAt);
      });
    },
    async dashboardSessionEnded(sid: string) {
      return ended.get(sid) !== undefined;
    },
    async removeSite(siteId, opts = {}) {
      const removed: Record<string, number> = {};
      const add = (r: Record<string, number>) => {
        for (const [t, n] of Object.entries(r)) removed[t] = (removed[t] ?? 0) + n;
      };
      // Twice: a collector on the same database takes the site's requests until its key cache
      // sees the removal (within DATA_VERSION_CHECK_MS); the second sweep deletes what they wrote.
      for (let sweep = 0; sweep < 2; sweep++) {
        if (sweep) await new Promise((r) => setTimeout(r, 2 * DATA_VERSION_CHECK_MS));
        await ctx.stitched(); // as retention: the background stitcher is done with the events to delete
        // The events in short batches beside ingest (a large site's would hold the write lock
        // for minutes in one transaction); then the rest of the site in one.
        add((await purgeEvents(ctx, siteId, Infinity, { onBatch: opts.onProgress })).removed);
        add(await ctx.commit((db) => removeSiteRows(db, siteId)));
      }
      return removed;
    },
  };
}
