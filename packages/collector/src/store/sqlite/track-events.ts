import type { Conversion } from '../../attribution/journey';
import type { SqliteContext } from './context';
import { eventColumnPages } from './event-pages';
import { personIds, type PersonIdsMode } from './person-ids';
import { catchUp } from './read-models';
import { GOAL_VALUE_SQL, inTrackRows, TRACK_ROWS } from './track-rows';

/** What {@link trackEventsByPerson} and {@link goalConversionsByPerson} need of the store. */
export type TrackReader = Pick<SqliteContext, 'db' | 'commit'>;

/** Options of a pass: page size, `source: 'events'` (read the log even for named events), how IDs are resolved. */
export interface ScanOptions {
  pageRows?: number;
  source?: 'events';
  ids?: PersonIdsMode;
}

/** A named track event of a person (what funnels walk). */
export interface TrackEvent {
  name: string;
  ts: number;
}

/**
 * One pass over a site's track events in `[from, to)`, bots left out, in (time, row id) order,
 * each event handed to the persons its anonymous and user ID belong to. Named events come from
 * `track_rows` (track-rows.ts, caught up first); all events, or a read naming `Web Vitals`, from
 * the log (`events_site_ts`). `columns` name the extra columns of each source, the same values.
 *
 * Why a pass and not a read per person: the event log has no index by anonymous or user ID (keys
 * are sealed per 65 536-event generation, see event-keys.ts), so one person's events cost a seek
 * per generation and identifier — ~80 at 5 M events: a funnel over 5 M events took 130 s that
 * way. Here each event is read once and each distinct ID resolved once: by a lookup, or, when the
 * pass would look up a large share of the site's identifiers, from one read of them all
 * (person-ids.ts; a 30-day funnel at 4.82 M events resolves 68.7 k IDs).
 *
 * An event reaches every person one of its IDs belongs to (two, when a stitching guard kept its
 * anonymous and user ID apart), as the per-person reads did; the second gets its own copy.
 */
async function scanByPerson<T extends object>(
  ctx: TrackReader,
  siteId: string,
  range: { from: number; to: number; names?: readonly string[] } & ScanOptions,
  columns: { trackRows: readonly string[]; events: readonly string[] },
  make: (cols: readonly unknown[][], i: number) => T,
): Promise<Map<number, T[]>> {
  const { db } = ctx;
  const { from, to, names, pageRows } = range;
  const only = names ? ` AND event IN (${names.map(() => '?').join(', ')})` : '';
  const derived = range.source !== 'events' && inTrackRows(names);
  if (derived) await catchUp(ctx, TRACK_ROWS);
  const ids = personIds(db, siteId, range.ids);
  const out = new Map<number, T[]>();
  const add = (person: number, v: T) => {
    const list = out.get(person);
    if (list) list.push(v);
    else out.set(person, [v]);
  };
  // Columns, not rows: better-sqlite3 builds a row in ~1 µs, a third of this pass (event-pages.ts).
  const pages = eventColumnPages(db, {
    ...(derived ? { table: 'track_rows' as const } : {}),
    siteId,
    from,
    to,
    columns: ['anonymous_id', 'user_id', ...(derived ? columns.trackRows : columns.events)],
    where: derived ? only : `AND type = 'track' AND bot = 0 AND event <> ''${only}`,
    params: names,
    pageRows,
  });
  for await (const cols of pages) {
    const [, ts, anon, user] = cols as [unknown, number[], (string | null)[], (string | null)[]];
    await ids.page(anon, user, to > from ? (ts[ts.length - 1] - from) / (to - from) : 1);
    for (let i = 0; i < anon.length; i++) {
      const a = ids.person('anon', anon[i]);
      const u = ids.person('user', user[i]);
      if (a === null && u === null) continue;
      const v = make(cols, i);
      if (a !== null) add(a, v);
      if (u !== null && u !== a) add(u, a === null ? v : { ...v });
    }
  }
  return out;
}

/**
 * The named track events (all, or those in `names`: a funnel's steps) of every stitched person in
 * `[from, to)`, bots left out, each person's list in (time, row id) order. One pass over the
 * range (see {@link scanByPerson}); `source: 'events'` reads the log even for named events (the
 * tests compare both sources), `pageRows` sets the page size.
 *
 * @example
 * const byPerson = await trackEventsByPerson(store, site.id, from, to, ['Product Viewed', 'Product Added']);
 * byPerson.get(person); // [{ name: 'Product Viewed', ts: 1774… }, …]
 */
export function trackEventsByPerson(
  ctx: TrackReader,
  siteId: string,
  from: number,
  to: number,
  names?: readonly string[],
  opts: ScanOptions = {},
): Promise<Map<number, TrackEvent[]>> {
  // One string per event name, not one per row.
  const interned = new Map<string, string>();
  return scanByPerson(ctx, siteId, { from, to, names, ...opts }, { trackRows: ['event'], events: ['event'] }, (cols, i) => {
    const event = cols[4][i] as string;
    let name = interned.get(event);
    if (name === undefined) interned.set(event, (name = event));
    return { name, ts: cols[1][i] as number };
  });
}

/**
 * Goal conversions of every stitched person in `[from, to)`: its track events named in `goals`
 * (the site's `settings.goals`), bots left out, each worth `properties.value` when that is a
 * finite number, else 1. One pass over the range (see {@link scanByPerson}; `source` as in
 * {@link trackEventsByPerson}).
 *
 * @example
 * (await goalConversionsByPerson(store, site.id, from, to, ['Newsletter Signup'])).get(person);
 * // [{ id: 'msg-1', ts: 1774…, value: 1, channel: 'goal', status: 'completed' }]
 */
export function goalConversionsByPerson(
  ctx: TrackReader,
  siteId: string,
  from: number,
  to: number,
  goals: readonly string[],
  opts: ScanOptions = {},
): Promise<Map<number, Conversion[]>> {
  const columns = { trackRows: ['message_id', 'value'], events: ['message_id', GOAL_VALUE_SQL] };
  return scanByPerson(ctx, siteId, { from, to, names: goals, ...opts }, columns, (cols, i): Conversion => {
    const v = cols[5][i];
    const value = typeof v === 'number' && Number.isFinite(v) ? v : 1;
    return { id: cols[4][i] as string, ts: cols[1][i] as number, value, channel: 'goal', status: 'completed' };
  });
}
