import type { ReportsStore, VitalsSample } from '../reports';
import type { SqliteContext } from './context';
import { eventPages } from './event-pages';

/** Path of a page URL without query or fragment (`https://x/p/1?x` → `/p/1`). */
export function pathOf(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(url);
  return m ? m[1] || '/' : null;
}

/** A `Web Vitals` row: `[id, ts, properties, context.page.path, context.page.url]`. */
type Row = [id: number, ts: number, properties: string, path: string | null, url: string | null];

/**
 * SQLite reads of the reports (journeys come from the identity module). Streams pages, so
 * memory stays flat however many samples a range holds.
 *
 * @example
 * const store = { ...coreStore(ctx), ...reportsStore(ctx) };
 */
export function reportsStore(ctx: SqliteContext): ReportsStore {
  return {
    async *webVitals(siteId, { from, to }) {
      // Walks events_site_ts (site_id, ts, rowid) in order; the name filter runs on the range's rows.
      const pages = eventPages(ctx.db, {
        siteId,
        from,
        to,
        columns: "properties, json_extract(context, '$.page.path'), json_extract(context, '$.page.url')",
        where: "AND type = 'track' AND event = 'Web Vitals' AND bot = 0",
      });
      // A page of samples per yield: one await per sample cost more than reading it.
      for await (const rows of pages) {
        const out: VitalsSample[] = [];
        for (const r of rows as Row[]) {
          const s = toSample(r);
          if (s) out.push(s);
        }
        if (out.length) yield out;
      }
    },
  };
}

function toSample([, , properties, pagePath, url]: Row): VitalsSample | null {
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(properties) as Record<string, unknown>;
  } catch {
    return null;
  }
  // The SDK sends `metric` (web-vitals' Metric.name); other senders may use `name`.
  const name = typeof p.metric === 'string' ? p.metric : typeof p.name === 'string' ? p.name : null;
  const value = typeof p.value === 'number' ? p.value : Number(p.value);
  if (!name || !Number.isFinite(value)) return null;
  const path = (typeof p.path === 'string' && p.path) || pagePath || pathOf(url) || '(unknown)';
  return { name, value, rating: typeof p.rating === 'string' ? p.rating : null, path };
}
