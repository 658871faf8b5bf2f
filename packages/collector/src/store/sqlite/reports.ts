import type { ReportsStore, VitalsSample } from '../reports';
import type { SqliteContext } from './context';

/** Path of a page URL without query or fragment (`https://x/p/1?x` → `/p/1`). */
export function pathOf(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(url);
  return m ? m[1] || '/' : null;
}

/**
 * Rows per page. Reads are paged (keyset on ts, id) rather than `iterate()`d: an open
 * better-sqlite3 iterator keeps the connection busy and would block the group committer.
 */
const PAGE = 5000;

type Row = { id: number; ts: number; properties: string; path: string | null; url: string | null };

/**
 * SQLite reads of the reports (journeys come from the identity module). Streams pages, so
 * memory stays flat however many samples a range holds.
 *
 * @example
 * const store = { ...coreStore(ctx), ...reportsStore(ctx) };
 */
export function reportsStore(ctx: SqliteContext): ReportsStore {
  // Walks events_site_ts (site_id, ts, rowid) in order; the name filter runs on the range's rows.
  const page = ctx.db.prepare(
    `SELECT id, ts, properties, json_extract(context, '$.page.path') AS path, json_extract(context, '$.page.url') AS url
       FROM events
      WHERE site_id = ? AND ts < ? AND (ts > ? OR (ts = ? AND id > ?))
        AND type = 'track' AND event = 'Web Vitals' AND bot = 0
      ORDER BY ts, id
      LIMIT ${PAGE}`,
  );
  return {
    async *webVitals(siteId, { from, to }) {
      let ts = from - 1;
      let id = Number.MAX_SAFE_INTEGER;
      for (;;) {
        const rows = page.all(siteId, to, ts, ts, id) as Row[];
        for (const r of rows) {
          const s = toSample(r);
          if (s) yield s;
        }
        if (rows.length < PAGE) return;
        ts = rows[rows.length - 1].ts;
        id = rows[rows.length - 1].id;
      }
    },
  };
}

function toSample(r: Row): VitalsSample | null {
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(r.properties) as Record<string, unknown>;
  } catch {
    return null;
  }
  // The SDK sends `metric` (web-vitals' Metric.name); other senders may use `name`.
  const name = typeof p.metric === 'string' ? p.metric : typeof p.name === 'string' ? p.name : null;
  const value = typeof p.value === 'number' ? p.value : Number(p.value);
  if (!name || !Number.isFinite(value)) return null;
  const path = (typeof p.path === 'string' && p.path) || r.path || pathOf(r.url) || '(unknown)';
  return { name, value, rating: typeof p.rating === 'string' ? p.rating : null, path };
}
