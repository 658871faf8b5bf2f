import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDbPath } from '../../test-utils/harness';
import { storedEvents } from '../../test-utils/stored-event';
import { eventColumnPages, eventPageSql } from './event-pages';
import { openSqliteStore, type SqliteStore } from './index';

const T0 = Date.UTC(2026, 2, 1);

describe('eventColumnPages: a site\'s events in (ts, id) order, page by page', () => {
  let store: SqliteStore;
  let siteId: string;
  beforeAll(async () => {
    store = openSqliteStore(tempDbPath(), { flushMs: 1 });
    siteId = (await store.createSite({ name: 'S', origins: ['https://shop.example'] })).site.id;
    const ev = storedEvents({ prefix: 'm', t0: T0 });
    const at = (ts: number, event: string) => ({ ...ev(siteId, { anonymousId: 'a1', event }), timestamp: ts });
    // Appended out of time order, with five events at one instant and one on each bound.
    await store.appendEvents([at(T0 + 30, 'c'), ...['t1', 't2', 't3', 't4', 't5'].map((n) => at(T0 + 20, n)), at(T0 + 10, 'b'), at(T0, 'from'), at(T0 + 100, 'to'), at(T0 + 50, 'skip')]);
    await store.appendEvents([{ ...ev(siteId, { anonymousId: 'a1', event: 'other site' }), siteId: 'st_other', timestamp: T0 + 40 }]);
    await store.flush();
  });
  afterAll(() => store.close());

  const read = async (pageRows?: number) => {
    const out: string[] = [];
    for await (const [, ts, event] of eventColumnPages(store.db, { siteId, from: T0, to: T0 + 100, columns: ['event'], where: 'AND event <> ?', params: ['skip'], pageRows })) {
      expect(ts.length).toBeLessThanOrEqual(pageRows ?? 20_000);
      for (let i = 0; i < ts.length; i++) out.push(`${(ts[i] as number) - T0} ${event[i]}`);
    }
    return out;
  };

  it('gives every row of [from, to) once, in (ts, id) order, whatever the page size', async () => {
    const want = ['0 from', '10 b', '20 t1', '20 t2', '20 t3', '20 t4', '20 t5', '30 c'];
    expect(await read()).toEqual(want);
    for (const n of [1, 2, 3, 5, 7, 8]) expect(await read(n), `pages of ${n}`).toEqual(want);
  });

  it('is one index range scan that stops after a page (no sort of the rest of the range)', () => {
    // SQLite plans `ts > ? OR (ts = ? AND id > ?)` as a MULTI-INDEX OR plus a sort of every
    // remaining row: each page then costs the rest of the range (quadratic over a report).
    const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${eventPageSql('properties', "AND type = 'track'")}`).all(siteId, 0, 1, 0, 0, 10) as { detail: string }[]).map((r) => r.detail);
    expect(plan).toEqual(['SEARCH events USING INDEX events_site_ts (site_id=? AND ts>? AND ts<?)']);
  });

  /** The rows of a plain query, as better-sqlite3 reads them: what the columns must equal. */
  const plainRows = (db: typeof store.db, site: string, columns: string) =>
    db.prepare(`SELECT id, ts, ${columns} FROM events WHERE site_id = ? AND ts >= ? AND ts < ? ORDER BY ts, id`).raw().all(site, T0, T0 + 100) as unknown[][];

  it('gives the rows of a plain query as columns, values exact (REALs to the last bit, NULL, text)', async () => {
    const columns = ['event', "properties ->> '$.x'", 'user_id'];
    const rows = plainRows(store.db, siteId, columns.join(', '));
    expect(rows.length).toBe(9);
    for (const n of [1, 2, 4, 9, 10]) {
      const got: unknown[][] = [];
      for await (const cols of eventColumnPages(store.db, { siteId, from: T0, to: T0 + 100, columns, where: '', pageRows: n })) {
        expect(cols).toHaveLength(2 + columns.length);
        expect(cols[0].length).toBeLessThanOrEqual(n);
        for (let i = 0; i < cols[0].length; i++) got.push(cols.map((c) => c[i]));
      }
      expect(got, `pages of ${n}`).toEqual(rows);
    }
    // Through JSON: a REAL needs 17 digits to come back as the same double.
    const exact = [0.1 + 0.2, 0.0034427642822265625, 1e-300, 2100, -0, Number.MAX_VALUE];
    const s = openSqliteStore(tempDbPath(), { flushMs: 1 });
    try {
      const site = (await s.createSite({ name: 'R', origins: ['*'] })).site.id;
      const ev = storedEvents({ prefix: 'x', t0: T0 });
      await s.appendEvents(exact.map((x) => ({ ...ev(site, { properties: { x } }) })));
      const q = { siteId: site, from: T0, to: T0 + 100, where: '' };
      // Both packings: any column, and one marked mostly REAL (written as text, not through json()).
      const x = "properties -> '$.x' + 0.0";
      for (const column of [x, { real: x }]) {
        const got: unknown[] = [];
        for await (const [, , xs] of eventColumnPages(s.db, { ...q, columns: [column] })) got.push(...xs);
        // As better-sqlite3 reads the REAL (SQLite's own JSON number parsing is off by an ulp near
        // 1e±300, exact in the range of any metric: checked apart).
        const want = plainRows(s.db, site, x).map((r) => r[2]);
        expect(want.slice(0, 2)).toEqual(exact.slice(0, 2));
        expect(got, JSON.stringify(column)).toEqual(want);
        expect(Object.is(got[1], 0.0034427642822265625)).toBe(true);
      }
      // A column marked REAL may hold anything: text (quotes included), NULL, integers, ±Infinity.
      const mixed = "CASE id % 6 WHEN 0 THEN 'say \"hi\", \\o/' WHEN 1 THEN NULL WHEN 2 THEN 1e999 WHEN 3 THEN -1e999 WHEN 4 THEN 9007199254740991 ELSE -0.5 END";
      for (const column of [mixed, { real: mixed }]) {
        const got: unknown[][] = [];
        for await (const [ids, ts, xs] of eventColumnPages(s.db, { ...q, columns: [column], pageRows: 4 })) got.push(...ids.map((id, i) => [id, ts[i], xs[i]]));
        expect(got, JSON.stringify(column)).toEqual(plainRows(s.db, site, mixed));
      }
    } finally {
      await s.close();
    }
  });
});
