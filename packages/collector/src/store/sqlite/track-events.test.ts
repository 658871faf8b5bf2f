import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDbPath } from '../../test-utils/harness';
import { storedEvents } from '../../test-utils/stored-event';
import { openSqliteStore, type SqliteStore } from './index';
import { trackEventsByPerson, type TrackEvent } from './track-events';

const T0 = Date.UTC(2026, 2, 1);

describe('trackEventsByPerson: one pass over the range, events per person', () => {
  let store: SqliteStore;
  let siteId: string;
  const person = (kind: string, value: string) =>
    store.db.prepare('SELECT person FROM identity_ids WHERE site_id = ? AND kind = ? AND value = ?').pluck().get(siteId, kind, value) as number;

  beforeAll(async () => {
    store = openSqliteStore(tempDbPath(), { flushMs: 1 });
    siteId = (await store.createSite({ name: 'S', origins: ['https://shop.example'] })).site.id;
    const ev = storedEvents({ prefix: 'm', t0: T0 });
    const at = (ts: number, p: Parameters<typeof ev>[1]) => ({ ...ev(siteId, p), timestamp: ts });
    await store.appendEvents([
      // Seven events at one instant (pages of 1–3 rows must not lose or repeat any).
      ...Array.from({ length: 7 }, (_, i) => at(T0 + 10, { anonymousId: 'a1', event: `Tie ${i}` })),
      at(T0 + 5, { anonymousId: 'a1', event: 'Product Viewed' }),
      // a2 logs in as u1: one person; the login event carries both IDs and is listed once.
      at(T0 + 20, { anonymousId: 'a2', userId: 'u1', event: 'Signed In' }),
      at(T0 + 30, { userId: 'u1', event: 'Product Added' }),
      // Not funnel events: a bot's, a page view, an empty name, and one out of range.
      at(T0 + 40, { anonymousId: 'a1', event: 'Product Added', bot: true }),
      at(T0 + 41, { anonymousId: 'a1', type: 'page', event: null }),
      at(T0 + 42, { anonymousId: 'a1', event: '' }),
      at(T0 + 1000, { anonymousId: 'a1', event: 'Too late' }),
      // Another site's event with the same anonymous ID.
      { ...at(T0 + 50, { anonymousId: 'a1', event: 'Elsewhere' }), siteId: 'st_other' },
    ]);
    await store.flush();
    await store.stitched();
  });
  afterAll(() => store.close());

  const names = (m: Map<number, TrackEvent[]>, p: number) => m.get(p)?.map((e) => `${e.ts - T0} ${e.name}`);

  it('lists each person\'s named track events in (time, row id) order, bots, page views and other sites left out', async () => {
    const m = await trackEventsByPerson(store, siteId, T0, T0 + 1000);
    expect(names(m, person('anon', 'a1'))).toEqual(['5 Product Viewed', ...Array.from({ length: 7 }, (_, i) => `10 Tie ${i}`)]);
    expect(person('anon', 'a2')).toBe(person('user', 'u1'));
    expect(names(m, person('user', 'u1'))).toEqual(['20 Signed In', '30 Product Added']);
    expect(m.size).toBe(2);
  });

  it('keeps only the names asked for (a funnel\'s steps), from track_rows and from the log alike', async () => {
    for (const source of [undefined, 'events'] as const) {
      const m = await trackEventsByPerson(store, siteId, T0, T0 + 1000, ['Product Added', 'Tie 3'], { source });
      expect(names(m, person('anon', 'a1')), source).toEqual(['10 Tie 3']);
      expect(names(m, person('user', 'u1')), source).toEqual(['30 Product Added']);
    }
    expect(store.db.prepare('SELECT count(*) FROM track_rows').pluck().get()).toBeGreaterThan(0);
  });

  it('gives the same lists whatever the page size, ties at one instant included', async () => {
    const whole = await trackEventsByPerson(store, siteId, T0, T0 + 1000);
    for (const pageRows of [1, 2, 3, 8]) expect(await trackEventsByPerson(store, siteId, T0, T0 + 1000, undefined, { pageRows })).toEqual(whole);
    const steps = ['Product Viewed', 'Tie 2', 'Tie 5', 'Signed In'];
    const named = await trackEventsByPerson(store, siteId, T0, T0 + 1000, steps, { source: 'events' });
    expect(named.size).toBe(2);
    for (const pageRows of [1, 2, 3, 8]) expect(await trackEventsByPerson(store, siteId, T0, T0 + 1000, steps, { pageRows })).toEqual(named);
    // IDs resolved one lookup each or from one read of the site's identifiers (person-ids.ts).
    for (const ids of ['lookup', 'read'] as const) {
      expect(await trackEventsByPerson(store, siteId, T0, T0 + 1000, undefined, { ids, pageRows: 2 }), ids).toEqual(whole);
      expect(await trackEventsByPerson(store, siteId, T0, T0 + 1000, steps, { ids }), ids).toEqual(named);
    }
  });

  it('gives an event to both persons when a stitching guard kept its anonymous and user ID apart', async () => {
    const u1 = person('user', 'u1');
    store.db.prepare("UPDATE identity_ids SET person = 9999 WHERE site_id = ? AND kind = 'user' AND value = 'u1'").run(siteId);
    try {
      const m = await trackEventsByPerson(store, siteId, T0, T0 + 1000);
      expect(names(m, u1)).toEqual(['20 Signed In']);
      expect(names(m, 9999)).toEqual(['20 Signed In', '30 Product Added']);
    } finally {
      store.db.prepare("UPDATE identity_ids SET person = ? WHERE site_id = ? AND kind = 'user' AND value = 'u1'").run(u1, siteId);
    }
  });
});
