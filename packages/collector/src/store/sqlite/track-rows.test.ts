import { afterEach, describe, expect, it } from 'vitest';
import { tempDbPath } from '../../test-utils/harness';
import { pick, prng } from '../../demo/random';
import { storedEvents } from '../../test-utils/stored-event';
import type { StoredEvent } from '../core';
import { openSqliteStore, type SqliteStore } from './index';
import { goalConversionsByPerson, trackEventsByPerson } from './track-events';

const T0 = Date.UTC(2026, 2, 1);
const NAMES = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed', 'Newsletter Signup'];

describe('track_rows: named track events for funnels and goals, derived by the reader', () => {
  let store: SqliteStore;
  afterEach(() => store?.close());

  async function open() {
    store = openSqliteStore(tempDbPath(), { flushMs: 1 });
    return (await store.createSite({ name: 'S', origins: ['*'] })).site.id;
  }

  /** Both sources, funnel events and goals, as comparable JSON. */
  async function both(siteId: string, names: string[], range = { from: T0, to: T0 + 1_000_000 }) {
    await store.stitched();
    const read = async (source?: 'events') =>
      JSON.stringify([
        [...(await trackEventsByPerson(store, siteId, range.from, range.to, names, { source }))].sort((a, b) => a[0] - b[0]),
        [...(await goalConversionsByPerson(store, siteId, range.from, range.to, names.slice(1, 3), { source }))].sort((a, b) => a[0] - b[0]),
      ]);
    return { rows: await read(), events: await read('events') };
  }

  it('gives what the event log gives, for random events caught up in chunks while events keep coming', async () => {
    const siteId = await open();
    const other = (await store.createSite({ name: 'O', origins: ['*'] })).site.id;
    const r = prng(5);
    const ev = storedEvents({ prefix: 't', t0: T0 });
    const random = (): StoredEvent =>
      ev(pick(r, [siteId, siteId, siteId, other]), {
        type: pick(r, ['track', 'track', 'track', 'page']),
        event: pick(r, [...NAMES, 'Web Vitals', '']),
        anonymousId: r() < 0.9 ? `a${Math.floor(r() * 60)}` : null,
        userId: r() < 0.3 ? `u${Math.floor(r() * 20)}` : null,
        bot: r() < 0.05,
        timestamp: T0 + Math.floor(r() * 1_000_000),
        properties: pick(r, [{}, { value: 12.5 }, { value: '7' }, { value: 0.1 + 0.2 }, { value: null }, { value: 3 }]),
      });
    for (let round = 0; round < 3; round++) {
      await store.appendEvents(Array.from({ length: 600 }, random));
      const { rows, events } = await both(siteId, NAMES);
      expect(rows).toBe(events);
      expect(rows.length).toBeGreaterThan(1000);
    }
    const half = await both(siteId, ['Product Added', 'Order Completed', 'Product Viewed'], { from: T0 + 200_000, to: T0 + 600_000 });
    expect(half.rows).toBe(half.events);
    expect((await both(other, NAMES)).rows).toBe((await both(other, NAMES)).events);
    // Every event looked at once: the cursor at the last event, one row per named non-vitals track event.
    expect(store.db.prepare('SELECT last_event FROM track_rows_state').pluck().get()).toBe(store.db.prepare('SELECT max(id) FROM events').pluck().get());
    expect(store.db.prepare('SELECT count(*) FROM track_rows').pluck().get()).toBe(
      store.db.prepare("SELECT count(*) FROM events WHERE type = 'track' AND bot = 0 AND event <> '' AND event <> 'Web Vitals'").pluck().get(),
    );
  });

  it('reads the log for a read naming Web Vitals (track_rows does not hold them)', async () => {
    const siteId = await open();
    const ev = storedEvents({ prefix: 'v', t0: T0, type: 'track' });
    await store.appendEvents([ev(siteId, { event: 'Web Vitals', anonymousId: 'a1' }), ev(siteId, { event: 'Product Viewed', anonymousId: 'a1' })]);
    await store.stitched();
    const m = await trackEventsByPerson(store, siteId, T0, T0 + 1000, ['Web Vitals', 'Product Viewed']);
    expect([...m.values()].flat().map((e) => e.name)).toEqual(['Web Vitals', 'Product Viewed']);
  });

  it('follows the log: deleted events leave, changed visitor IDs change (erasure of a shared device)', async () => {
    const siteId = await open();
    const ev = storedEvents({ prefix: 'd', t0: T0, type: 'track', event: 'Product Added' });
    // u-owner browses on device a-shared; u-guest logs in on it once (kept apart by the guards or not:
    // the erasure detaches the device's ID from the guest's event either way).
    await store.appendEvents([
      ev(siteId, { anonymousId: 'a-shared', userId: 'u-owner' }),
      ev(siteId, { anonymousId: 'a-shared' }),
      ev(siteId, { anonymousId: 'a-other' }),
      ev(siteId, { anonymousId: 'a-gone' }),
    ]);
    const before = await both(siteId, ['Product Added']);
    expect(before.rows).toBe(before.events);
    await store.appendEvents([ev(siteId, { anonymousId: 'a-shared', userId: 'u-guest' })]);
    await both(siteId, ['Product Added']); // derived now, before the erasure
    await store.erasePerson(siteId, { kind: 'user', value: 'u-owner' });
    await store.commit((db) => db.prepare("DELETE FROM events WHERE anonymous_id = 'a-gone'").run());
    const after = await both(siteId, ['Product Added']);
    expect(after.rows).toBe(after.events);
    const rows = store.db.prepare('SELECT anonymous_id, user_id FROM track_rows ORDER BY id').raw().all();
    expect(rows).toEqual(store.db.prepare("SELECT anonymous_id, user_id FROM events WHERE type = 'track' ORDER BY id").raw().all());
    expect(rows).toContainEqual([null, 'u-guest']);
    expect(rows).not.toContainEqual(['a-gone', null]);
  });

  it('takes a goal value only from a JSON number; anything else counts 1', async () => {
    const siteId = await open();
    const ev = storedEvents({ prefix: 'g', t0: T0, type: 'track', event: 'Newsletter Signup', anonymousId: 'a1' });
    await store.appendEvents([ev(siteId, { properties: { value: 4.25 } }), ev(siteId, { properties: { value: '9' } }), ev(siteId, { properties: {} })]);
    // Properties that are not JSON (written by another tool): no failure, value 1.
    await store.commit((db) => db.prepare("UPDATE events SET properties = '{broken' WHERE message_id = 'g3'").run());
    await store.stitched();
    for (const source of [undefined, 'events'] as const) {
      const m = await goalConversionsByPerson(store, siteId, T0, T0 + 1000, ['Newsletter Signup'], { source });
      expect([...m.values()].flat().map((c) => c.value), source).toEqual([4.25, 1, 1]);
    }
  });
});
