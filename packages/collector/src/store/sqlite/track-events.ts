import type { Conversion } from '../../attribution/journey';
import type { Db } from './db';
import { eventColumnPages } from './event-pages';
import { findIdentifierSync } from './identity';

/** A named track event of a person (what funnels walk). */
export interface TrackEvent {
  name: string;
  ts: number;
}

/**
 * One pass over a site's track events in `[from, to)`, bots left out, in (time, row id) order
 * (`events_site_ts`), each event handed to the persons its anonymous and user ID belong to.
 *
 * Why a pass and not a read per person: the event log has no index by anonymous or user ID (keys
 * are sealed per 65 536-event generation, see event-keys.ts), so one person's events cost a seek
 * per generation and identifier — ~80 at 5 M events: a funnel over 5 M events took 130 s that
 * way. Here each event is read once and each distinct ID resolved once.
 *
 * An event reaches every person one of its IDs belongs to (two, when a stitching guard kept its
 * anonymous and user ID apart), as the per-person reads did; the second gets its own copy.
 */
async function scanByPerson<T extends object>(
  db: Db,
  siteId: string,
  range: { from: number; to: number; names?: readonly string[]; pageRows?: number },
  columns: readonly string[],
  make: (cols: readonly unknown[][], i: number) => T,
): Promise<Map<number, T[]>> {
  const { from, to, names, pageRows } = range;
  const only = names ? ` AND event IN (${names.map(() => '?').join(', ')})` : '';
  // One map per kind: keyed by the ID itself, no `kind:value` string built per row.
  const personOf = { anon: new Map<string, number | null>(), user: new Map<string, number | null>() };
  const resolve = (kind: 'anon' | 'user', value: string | null): number | null => {
    if (value === null) return null;
    const known = personOf[kind];
    let p = known.get(value);
    if (p === undefined) known.set(value, (p = findIdentifierSync(db, siteId, { kind, value })?.person ?? null));
    return p;
  };
  const out = new Map<number, T[]>();
  const add = (person: number, v: T) => {
    const list = out.get(person);
    if (list) list.push(v);
    else out.set(person, [v]);
  };
  // Columns, not rows: better-sqlite3 builds a row in ~1 µs, a third of this pass (event-pages.ts).
  const pages = eventColumnPages(db, {
    siteId,
    from,
    to,
    columns: ['anonymous_id', 'user_id', ...columns],
    where: `AND type = 'track' AND bot = 0 AND event <> ''${only}`,
    params: names,
    pageRows,
  });
  for await (const cols of pages) {
    const [, , anon, user] = cols as [unknown, unknown, (string | null)[], (string | null)[]];
    for (let i = 0; i < anon.length; i++) {
      const a = resolve('anon', anon[i]);
      const u = resolve('user', user[i]);
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
 * range (see {@link scanByPerson}).
 *
 * @example
 * const byPerson = await trackEventsByPerson(db, site.id, from, to, ['Product Viewed', 'Product Added']);
 * byPerson.get(person); // [{ name: 'Product Viewed', ts: 1774… }, …]
 */
export function trackEventsByPerson(db: Db, siteId: string, from: number, to: number, names?: readonly string[], pageRows?: number): Promise<Map<number, TrackEvent[]>> {
  // One string per event name, not one per row.
  const interned = new Map<string, string>();
  return scanByPerson(db, siteId, { from, to, names, pageRows }, ['event'], (cols, i) => {
    const event = cols[4][i] as string;
    let name = interned.get(event);
    if (name === undefined) interned.set(event, (name = event));
    return { name, ts: cols[1][i] as number };
  });
}

/**
 * Goal conversions of every stitched person in `[from, to)`: its track events named in `goals`
 * (the site's `settings.goals`), bots left out, each worth `properties.value` when that is a
 * finite number, else 1. One pass over the range (see {@link scanByPerson}).
 *
 * @example
 * (await goalConversionsByPerson(db, site.id, from, to, ['Newsletter Signup'])).get(person);
 * // [{ id: 'msg-1', ts: 1774…, value: 1, channel: 'goal', status: 'completed' }]
 */
export function goalConversionsByPerson(db: Db, siteId: string, from: number, to: number, goals: readonly string[]): Promise<Map<number, Conversion[]>> {
  return scanByPerson(db, siteId, { from, to, names: goals }, ['message_id', 'properties'], (cols, i): Conversion => {
    const props = JSON.parse(cols[5][i] as string) as Record<string, unknown>;
    const value = typeof props.value === 'number' && Number.isFinite(props.value) ? props.value : 1;
    return { id: cols[4][i] as string, ts: cols[1][i] as number, value, channel: 'goal', status: 'completed' };
  });
}
