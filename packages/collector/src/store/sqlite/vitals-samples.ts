import { VITALS } from '../../reports/vitals';
import type { VitalsSample } from '../reports';
import type { SqliteContext } from './context';
import type { Db } from './db';
import { eventColumnPages } from './event-pages';
import { catchUp, cursorTableSql, type ReadModel } from './read-models';

/**
 * `vitals_samples`: one small row per sample of a `Web Vitals` event (bots left out) — site,
 * time, metric, rating, value, page path — so the vitals report reads ~50-byte rows instead of
 * each event's row, its properties and context JSON parsed again on every report (at 4.8 M events
 * that was most of a 7 s report; STORAGE.md, "Web vitals samples in their own table").
 *
 * Filled by the reader, not at ingest (a read model, read-models.ts): ingest is the collector's
 * CPU-bound path (issue 2), and vitals are up to five events per page view. Before each read,
 * {@link catchUpVitals} derives the rows of every event appended since the last read (the row ids
 * past `vitals_state.last_event`) and moves the cursor in the same transaction.
 *
 * A trigger deletes a sample with its event, whichever path deletes it (erasure, retention,
 * site deletion), so the table never holds what the events table no longer does.
 *
 * Metric and rating are small integers (`VITALS` order; good, needs-improvement, poor): names
 * as text cost a third more to read. The table keeps the facts the sample carried — no
 * threshold rating, which stays the report's — and only the five metrics the report shows; a
 * change to that list needs a migration that empties the table and resets the cursor.
 */
export const vitalsSamplesSql = `
-- Clustered by what the report reads (a site's time range): one B-tree, no row lookups; live
-- events arrive in time order, so inserts append.
CREATE TABLE vitals_samples (
  site_id TEXT NOT NULL,
  ts      INTEGER NOT NULL,
  id      INTEGER NOT NULL,  -- the event's id
  metric  INTEGER NOT NULL,  -- index in VITALS: LCP, INP, CLS, FCP, TTFB
  rating  INTEGER,           -- 0 good, 1 needs-improvement, 2 poor, as sent; NULL if not sent
  value   REAL NOT NULL,
  path    TEXT NOT NULL,
  PRIMARY KEY (site_id, ts, id)
) WITHOUT ROWID;
${cursorTableSql('vitals_state')}
CREATE TRIGGER events_vitals_delete AFTER DELETE ON events WHEN old.event = 'Web Vitals' BEGIN
  DELETE FROM vitals_samples WHERE site_id = old.site_id AND ts = old.ts AND id = old.id;
END;
`;

const RATINGS = ['good', 'needs-improvement', 'poor'] as const;

/** Path of a page URL without query or fragment (`https://x/p/1?x` → `/p/1`). */
export function pathOf(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(url);
  return m ? m[1] || '/' : null;
}

/** `CASE x WHEN 'a' THEN 0 WHEN 'b' THEN 1 … END` over fixed, quote-free names. */
const codeOf = (x: string, names: readonly string[]) => `CASE ${x} ${names.map((n, i) => `WHEN '${n}' THEN ${i}`).join(' ')} END`;

/**
 * The sample of a `Web Vitals` event, as SQL over its row, so catching up never brings an event
 * row into JavaScript (doing that, with one INSERT per sample, took 24 s for 4.8 M events). Rules:
 * - metric: `properties.metric` (web-vitals' `Metric.name`, what the SDK sends) when it is a
 *   string, else `properties.name` when it is one, in any ASCII case; one of `VITALS`, else no sample;
 * - value: a JSON number, or a string JavaScript's `Number()` reads as a finite number
 *   (`omnitrail_number`), and not negative; anything else (null, booleans, objects) is no sample;
 * - rating: `properties.rating` when it is `good`, `needs-improvement` or `poor`, else NULL;
 * - path: `properties.path`, else `context.page.path`, when a non-empty string, else the path of
 *   `context.page.url` (`omnitrail_path_of`), else `(unknown)`.
 * Rows whose properties or context are not JSON objects are left out.
 */
const SAMPLE_SELECT = `
SELECT site_id, ts, id, metric, rating, value, path FROM (
  SELECT site_id, ts, id,
    ${codeOf(
      `upper(CASE WHEN json_type(properties, '$.metric') = 'text' THEN properties ->> '$.metric'
                  WHEN json_type(properties, '$.name') = 'text' THEN properties ->> '$.name' END)`,
      VITALS,
    )} AS metric,
    CASE json_type(properties, '$.value')
      WHEN 'integer' THEN properties ->> '$.value'
      WHEN 'real' THEN properties ->> '$.value'
      WHEN 'text' THEN omnitrail_number(properties ->> '$.value') END AS value,
    ${codeOf(`CASE WHEN json_type(properties, '$.rating') = 'text' THEN properties ->> '$.rating' END`, RATINGS)} AS rating,
    coalesce(
      CASE WHEN json_type(properties, '$.path') = 'text' THEN nullif(properties ->> '$.path', '') END,
      CASE WHEN json_type(context, '$.page.path') = 'text' THEN nullif(context ->> '$.page.path', '') END,
      CASE WHEN json_type(context, '$.page.url') = 'text' THEN omnitrail_path_of(context ->> '$.page.url') END,
      '(unknown)') AS path
  FROM events
  WHERE id > ? AND id <= ? AND type = 'track' AND event = 'Web Vitals' AND bot = 0
    AND json_type(properties) = 'object' AND json_type(context) = 'object'
) WHERE metric IS NOT NULL AND value >= 0`;

/** The read model (read-models.ts): samples derived from the events past `vitals_state`. */
export const VITALS_SAMPLES: ReadModel = {
  cursor: 'vitals_state',
  derive: `INSERT INTO vitals_samples (site_id, ts, id, metric, rating, value, path) ${SAMPLE_SELECT}`,
  setup(db: Db) {
    // Called only for what SQL cannot judge alone (see SAMPLE_SELECT): rare.
    db.function('omnitrail_number', { deterministic: true }, (v: unknown) => {
      const n = Number(v);
      return typeof v === 'string' && Number.isFinite(n) ? n : null;
    });
    db.function('omnitrail_path_of', { deterministic: true }, (url: unknown) => pathOf(url));
  },
};

/**
 * Brings `vitals_samples` up to every event committed before the call (see read-models.ts);
 * `chunk` event ids per group commit.
 *
 * @example
 * await catchUpVitals(store);
 */
export const catchUpVitals = (ctx: Pick<SqliteContext, 'commit'>, chunk?: number): Promise<void> => catchUp(ctx, VITALS_SAMPLES, chunk);

/**
 * The samples of a site in `[from, to)`, a page at a time, after catching up (see above).
 *
 * @example
 * for await (const page of vitalsSamples(ctx, siteId, { from, to })) for (const s of page) …
 */
export async function* vitalsSamples(ctx: Pick<SqliteContext, 'commit' | 'db'>, siteId: string, range: { from: number; to: number }): AsyncGenerator<VitalsSample[]> {
  await catchUpVitals(ctx);
  const pages = eventColumnPages(ctx.db, { table: 'vitals_samples', siteId, ...range, columns: ['metric', 'rating', { real: 'value' }, 'path'], where: '' });
  for await (const [, , metric, rating, value, path] of pages as AsyncIterable<[unknown, unknown, number[], (number | null)[], number[], string[]]>) {
    const out: VitalsSample[] = new Array(metric.length);
    for (let i = 0; i < metric.length; i++) {
      const r = rating[i];
      out[i] = { name: VITALS[metric[i]], value: value[i], rating: r === null ? null : RATINGS[r], path: path[i] };
    }
    yield out;
  }
}
