import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDbPath } from '../../test-utils/harness';
import { storedEvents } from '../../test-utils/stored-event';
import { keyHash } from './hash';
import { findIdentifierSync } from './identity';
import { openSqliteStore, type SqliteStore } from './index';
import { personIds, readPersonIds, type EventIdKind } from './person-ids';

const T0 = Date.UTC(2026, 2, 1);
const VISITORS = 700;

describe('personIds: lookups or one read of the site, the same persons', () => {
  let store: SqliteStore;
  let siteId: string;
  let otherId: string;
  /** Every ID the fixture knows, plus IDs it does not, of both kinds. */
  const probes: [EventIdKind, string][] = [];

  beforeAll(async () => {
    store = openSqliteStore(tempDbPath(), { flushMs: 1 });
    siteId = (await store.createSite({ name: 'S', origins: ['https://shop.example'] })).site.id;
    otherId = (await store.createSite({ name: 'O', origins: ['https://other.example'] })).site.id;
    const ev = storedEvents({ prefix: 'm', t0: T0 });
    const events = [];
    for (let i = 0; i < VISITORS; i++) events.push(ev(siteId, { anonymousId: `a${i}` }));
    // One customer on five browsers: a person with many identifiers (ties in keyset pages by person).
    for (let i = 0; i < 5; i++) events.push(ev(siteId, { anonymousId: `a${i}`, userId: 'u-many' }));
    events.push(ev(siteId, { anonymousId: 'a100', userId: 'u1' }));
    // The same text as an anonymous and as a user ID, of two persons: kinds never mix.
    events.push(ev(siteId, { anonymousId: 'shared' }), ev(siteId, { userId: 'shared' }));
    // Another site with the same IDs: never answered for this one.
    events.push(ev(otherId, { anonymousId: 'a1' }), ev(otherId, { userId: 'u-other' }), ev(otherId, { anonymousId: 'only-other' }));
    await store.appendEvents(events);
    await store.flush();
    await store.stitched();
    for (const v of ['a0', 'a1', 'a4', 'a100', 'a699', 'shared', 'only-other', 'nobody']) probes.push(['anon', v]);
    for (const v of ['u-many', 'u1', 'shared', 'u-other', 'a1', 'nobody']) probes.push(['user', v]);
  });
  afterAll(() => store.close());

  const expected = (kind: EventIdKind, value: string) => findIdentifierSync(store.db, siteId, { kind, value })?.person ?? null;

  it('the fixture has what the cases need', () => {
    expect(expected('anon', 'a0')).toBe(expected('user', 'u-many'));
    expect(expected('anon', 'a100')).toBe(expected('user', 'u1'));
    expect(expected('anon', 'shared')).not.toBe(expected('user', 'shared'));
    expect(expected('anon', 'only-other')).toBeNull();
    expect(findIdentifierSync(store.db, otherId, { kind: 'anon', value: 'only-other' })).not.toBeNull();
  });

  it('reads every anonymous and user identifier of the site, in table order and by person, whatever the page size', async () => {
    const rows = store.db
      .prepare("SELECT kind, value, person FROM identity_ids WHERE site_id = ? AND kind IN ('anon', 'user')")
      .all(siteId) as { kind: EventIdKind; value: string; person: number }[];
    expect(rows.length).toBe(VISITORS + 4); // a0…a699 and 'shared'; u-many, u1 and 'shared'
    const want = { anon: new Map<string, number>(), user: new Map<string, number>() };
    for (const r of rows) want[r.kind].set(r.value, r.person);
    const siteRows = store.db.prepare('SELECT count(*) FROM identity_ids WHERE site_id = ?').pluck().get(siteId) as number;
    for (const order of [{ siteRows }, {}]) {
      for (const pageRows of [1, 2, 3, 7, 50_000]) expect(await readPersonIds(store.db, siteId, { ...order, pageRows }), `${JSON.stringify(order)} ${pageRows}`).toEqual(want);
    }
    // A site with a small share of the table is read through the index, all the same.
    expect(await readPersonIds(store.db, otherId, { siteRows: 3 })).toEqual({ anon: new Map([['a1', expect.any(Number)], ['only-other', expect.any(Number)]]), user: new Map([['u-other', expect.any(Number)]]) });
  });

  it('answers exactly as findIdentifierSync in every mode: same site, same kind, same value', async () => {
    for (const mode of ['lookup', 'read', 'auto'] as const) {
      const ids = personIds(store.db, siteId, mode, 3);
      await ids.page(['a0'], [null], 0.5);
      for (const [kind, value] of probes) expect(ids.person(kind, value), `${mode} ${kind}:${value}`).toBe(expected(kind, value));
      expect(ids.person('anon', null)).toBeNull();
      expect(ids.stats.read).toBe(mode === 'read');
    }
    // An identifier added after the read (or moved past it by a merge) is looked up, not missed.
    const ids = personIds(store.db, siteId, 'read');
    await ids.page(['a0'], [null], 0.5);
    const p = store.db.prepare("INSERT INTO identity_ids (id, site_id, kind, value, h, person, comp) VALUES (9000001, ?, 'anon', 'late', ?, 9000001, 9000001)");
    p.run(siteId, keyHash(siteId, 'anon:late'));
    try {
      expect(ids.person('anon', 'late')).toBe(9000001);
    } finally {
      store.db.prepare('DELETE FROM identity_ids WHERE id = 9000001').run();
    }
  });

  it('auto: reads the site when the pass would look up a large share of its identifiers, looks up a small one', async () => {
    const anon = Array.from({ length: VISITORS }, (_, i) => `a${i}`);
    const none = anon.map(() => null);
    // The whole site's visitors in a pass's first tenth: reads at once, before any lookup.
    const wide = personIds(store.db, siteId, 'auto');
    await wide.page(anon, none, 0.1);
    expect(wide.stats).toEqual({ lookups: 0, read: true });
    expect(wide.person('anon', 'a5')).toBe(expected('anon', 'a5'));
    // Under the floor a pass never even counts the identifiers.
    const tiny = personIds(store.db, siteId, 'auto');
    await tiny.page(anon.slice(0, 100), none.slice(0, 100), 0.001);
    expect(tiny.stats.read).toBe(false);
    // 500 IDs resolved, then a page repeating them with 20 new ones near the end of the range:
    // 25 more lookups expected against 704 identifiers — stays with lookups (counting the 500
    // again would predict 530 and read).
    const short = personIds(store.db, siteId, 'auto');
    await short.page(anon.slice(0, 500), none.slice(0, 500), 0.5);
    for (const a of anon.slice(0, 500)) short.person('anon', a);
    await short.page(anon.slice(0, 520), none.slice(0, 520), 0.99);
    for (const a of anon.slice(0, 520)) short.person('anon', a);
    expect(short.stats).toEqual({ lookups: 520, read: false });
    // The same 500, then 100 new ones at a fifth of the range: ~2 500 more predicted — reads,
    // and answers the rest from what it read.
    const late = personIds(store.db, siteId, 'auto');
    await late.page(anon.slice(0, 500), none.slice(0, 500), 0.1);
    for (const a of anon.slice(0, 500)) late.person('anon', a);
    await late.page(anon.slice(500, 600), none.slice(500, 600), 0.2);
    expect(late.stats).toEqual({ lookups: 500, read: true });
    expect(late.person('anon', 'a550')).toBe(expected('anon', 'a550'));
    expect(late.person('user', 'u1')).toBe(expected('user', 'u1'));
    expect(late.stats.lookups).toBe(500);
  });
});
