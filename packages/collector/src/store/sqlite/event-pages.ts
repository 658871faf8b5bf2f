import type { Db } from './db';

/** What {@link eventPages} reads. */
export interface EventPagesQuery {
  siteId: string;
  /** Events from this time on (ms, inclusive) … */
  from: number;
  /** … before this one (exclusive). */
  to: number;
  /** Columns after `id, ts` (each row is `[id, ts, ...columns]`). */
  columns: string;
  /** Further conditions on the row (`AND …`), with their parameters. */
  where: string;
  params?: readonly unknown[];
  /** Rows per page (default 20 000). */
  pageRows?: number;
}

/**
 * The events of one site in `[from, to)` in (ts, id) order, page by page: one short synchronous
 * read per page, and the event loop runs between pages (an ingest flush is never held up for
 * long). Pages are keyed by (ts, id), not an open `iterate()`, which would keep the connection
 * busy and block the group committer.
 *
 * The key condition is written `ts >= ? AND (ts > ? OR id > ?)` on purpose: SQLite 3.51 plans the
 * equivalent `ts > ? OR (ts = ? AND id > ?)` as a MULTI-INDEX OR whose first branch reads every
 * remaining row of the range and sorts it — each page then costs the whole rest of the range (a
 * vitals report over 1 M events took 15 s). This form is one `events_site_ts` range scan in index
 * order that stops after a page.
 *
 * @example
 * for await (const rows of eventPages(db, { siteId, from, to, columns: 'event', where: "AND type = 'track'" })) …
 */
export async function* eventPages(db: Db, q: EventPagesQuery): AsyncGenerator<unknown[][]> {
  const pageRows = q.pageRows ?? 20_000;
  const page = db.prepare(eventPageSql(q.columns, q.where)).raw();
  let lastTs = q.from;
  let lastId = -1;
  for (;;) {
    const rows = page.all(q.siteId, lastTs, q.to, lastTs, lastId, ...(q.params ?? []), pageRows) as unknown[][];
    if (rows.length > 0) {
      const last = rows[rows.length - 1];
      lastId = last[0] as number;
      lastTs = last[1] as number;
      yield rows;
    }
    if (rows.length < pageRows) return;
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * The statement of one page of {@link eventPages}. Parameters: site, from (the last ts), to, the
 * last ts again, the last id, the `where` parameters, the page size.
 */
export function eventPageSql(columns: string, where: string): string {
  return `SELECT id, ts, ${columns} FROM events
       WHERE site_id = ? AND ts >= ? AND ts < ? AND (ts > ? OR id > ?) ${where}
       ORDER BY ts, id LIMIT ?`;
}
