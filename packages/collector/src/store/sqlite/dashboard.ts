import type { DashboardAuth, DashboardStore } from '../dashboard';
import type { SqliteContext } from './context';

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
 * SQLite implementation of {@link DashboardStore}; spread into the store in `index.ts`.
 *
 * @example
 * const store = { ...coreStore(ctx), ...dashboardStore(ctx) };
 */
export function dashboardStore(ctx: SqliteContext): DashboardStore {
  const get = ctx.db.prepare('SELECT password_hash, cookie_secret, updated_at FROM dashboard_auth WHERE id = 1');
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
  };
}
