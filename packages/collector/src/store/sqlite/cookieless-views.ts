import type { StoredEvent } from '../core';
import type { CookielessCounts } from '../reports';
import type { Deriver } from './context';
import type { Db } from './db';
import { pathOf } from './vitals-samples';

/**
 * `cookieless_views`: one ~60-byte row per cookieless page view (bots left out) — site, time,
 * event id, the daily visitor hash and the page path — so the cookieless report counts page
 * views and distinct hashes per day from a small table clustered by (site, time) instead of
 * scanning every event of the range (PRIVACY.md, "Cookieless mode"; STORAGE.md, "Cookieless
 * page views in their own table").
 *
 * Written at ingest by {@link cookielessViewsDeriver}, in the event's own transaction: cookieless
 * page views are rare next to the rest of the traffic, and every other event pays only the first
 * comparison (`type === 'page'`, then `consent === 'denied'`). Rows of events stored before the
 * table existed are filled by migration 20 ({@link cookielessViewsMigration}).
 *
 * A trigger deletes a row with its event, whichever path deletes it (retention, erasure, site
 * deletion), so the table never holds what the events table no longer does. The rows hold no
 * personal data (the hash's salt lived one day of the site's zone in memory), but they go with their events.
 */
const CREATE = `
CREATE TABLE cookieless_views (
  site_id TEXT NOT NULL,
  ts      INTEGER NOT NULL,
  id      INTEGER NOT NULL,  -- the event's id
  visitor TEXT NOT NULL,     -- the daily visitor hash (anonymousId without its ck_ prefix)
  path    TEXT NOT NULL,
  PRIMARY KEY (site_id, ts, id)
) WITHOUT ROWID;
CREATE TRIGGER events_cookieless_delete AFTER DELETE ON events WHEN old.type = 'page' AND old.consent = 'denied' BEGIN
  DELETE FROM cookieless_views WHERE site_id = old.site_id AND ts = old.ts AND id = old.id;
END;
`;

/** Longest path kept (a longer one is cut): keeps rows bounded whatever a client sends. */
const MAX_PATH = 200;

/**
 * The row of a cookieless page view, or null for any other event. The first checks are the
 * cheap ones every ingested event goes through.
 *
 * @example
 * cookielessView({ type: 'page', consent: 'denied', bot: false, anonymousId: 'ck_ab12', context: { omnitrail: { cookieless: true }, page: { path: '/' } }, … })
 * // { visitor: 'ab12', path: '/' }
 */
export function cookielessView(ev: Pick<StoredEvent, 'type' | 'consent' | 'bot' | 'anonymousId' | 'context'>): { visitor: string; path: string } | null {
  if (ev.type !== 'page' || ev.consent !== 'denied' || ev.bot) return null;
  const anon = ev.anonymousId;
  if (anon === null || !anon.startsWith('ck_')) return null;
  // Only the collector's cookieless path sets this marker together with a ck_ hash (cookieless.ts).
  const ot = ev.context.omnitrail as { cookieless?: unknown } | null | undefined;
  if (!ot || typeof ot !== 'object' || ot.cookieless !== true) return null;
  const page = ev.context.page as { path?: unknown; url?: unknown } | null | undefined;
  let path: string | null = null;
  if (page && typeof page === 'object') path = typeof page.path === 'string' && page.path !== '' ? page.path : pathOf(page.url);
  return { visitor: anon.slice(3), path: (path ?? '(unknown)').slice(0, MAX_PATH) };
}

const inserts = new WeakMap<Db, { run(...a: unknown[]): unknown }>();
function insertOf(db: Db) {
  let st = inserts.get(db);
  if (!st) inserts.set(db, (st = db.prepare('INSERT OR IGNORE INTO cookieless_views (site_id, ts, id, visitor, path) VALUES (?, ?, ?, ?, ?)')));
  return st;
}

/** Deriver: the row of a cookieless page view; nothing for any other event. */
export const cookielessViewsDeriver: Deriver = (db, ev, rowid) => {
  const v = cookielessView(ev);
  if (v) insertOf(db).run(ev.siteId, ev.timestamp, rowid, v.visitor, v.path);
};

/**
 * Migration 20: the table, filled for the cookieless page views already stored (one pass over
 * the events table; only rows with consent `denied` and a `ck_` ID are parsed).
 */
export function cookielessViewsMigration(db: Db): void {
  db.exec(CREATE);
  // In chunks of ids: better-sqlite3 cannot write while a read is iterating on the connection.
  const chunk = db.prepare(
    "SELECT id, site_id, ts, type, consent, bot, anonymous_id, context FROM events WHERE id > ? AND type = 'page' AND consent = 'denied' AND bot = 0 AND anonymous_id LIKE 'ck\\_%' ESCAPE '\\' ORDER BY id LIMIT 10000",
  ).raw();
  const insert = insertOf(db);
  for (let last = 0; ; ) {
    const rows = chunk.all(last) as [number, string, number, string, string, number, string, string][];
    if (rows.length === 0) break;
    for (const [id, siteId, ts, type, consent, bot, anonymousId, context] of rows) {
      last = id;
      let ctx: unknown;
      try {
        ctx = JSON.parse(context);
      } catch {
        continue;
      }
      if (!ctx || typeof ctx !== 'object') continue;
      const v = cookielessView({ type: type as StoredEvent['type'], consent: consent as StoredEvent['consent'], bot: bot !== 0, anonymousId, context: ctx as Record<string, unknown> });
      if (v) insert.run(siteId, ts, id, v.visitor, v.path);
    }
  }
}

/**
 * Page views and distinct visitor hashes of a site in each `[from, to)` span (one per day of the
 * report), and the top paths of the whole range. A hash is valid for one day of the site's
 * time zone, so a day's distinct hashes are that day's visitors; summed over days they are
 * "daily visitors", not people (the same person is counted once per day).
 *
 * @example
 * cookielessCounts(db, siteId, [[dayStart('2026-11-01', tz), dayStart('2026-11-02', tz)]], 10)
 */
export function cookielessCounts(db: Db, siteId: string, spans: readonly (readonly [number, number])[], topPaths: number): CookielessCounts {
  const day = db.prepare('SELECT count(*), count(DISTINCT visitor) FROM cookieless_views WHERE site_id = ? AND ts >= ? AND ts < ?').raw();
  const days = spans.map(([from, to]) => {
    const [pageViews, visitors] = day.get(siteId, from, to) as [number, number];
    return { pageViews, visitors };
  });
  const from = spans.length ? spans[0][0] : 0;
  const to = spans.length ? spans[spans.length - 1][1] : 0;
  const paths = (
    topPaths > 0
      ? db
          .prepare('SELECT path, count(*) AS n FROM cookieless_views WHERE site_id = ? AND ts >= ? AND ts < ? GROUP BY path ORDER BY n DESC, path LIMIT ?')
          .raw()
          .all(siteId, from, to, topPaths)
      : []
  ) as [string, number][];
  return { days, paths: paths.map(([path, pageViews]) => ({ path, pageViews })) };
}
