// Late links decided from their persons instead of a re-stitch of their raw component
// (identity-late.ts) must give exactly what the pure stitch() gives, refusal reasons included.
import { describe, expect, it, vi } from 'vitest';
import { groupPersons, pairKey, stitch, type Link } from '../../stitch/graph';
import { DEFAULT_CAPS, type StitchCaps } from '../../stitch/policy';
import type { Identifier } from '../../stitch/types';
import { prng as rng, shuffle } from '../../demo/random';
import { tempDbPath } from '../../test-utils/harness';
import { storedEvents } from '../../test-utils/stored-event';
import { identityBatch, recordIdentifierSet, type IdentifierSetInput } from './identity';
import { stmts } from './identity-stmts';
import { openSqliteStore, type SqliteStore } from './index';

/** Small caps, so that user conflicts and cap refusals (with their different reasons) are frequent. */
const CAPS: StitchCaps = { user: 1, anon: 3, email: 2, loyalty: 1 };

/** A random little graph: sets of 2–3 identifiers, coarse times (ties), most identifiers new when first linked. */
function sets(siteId: string, r: () => number): IdentifierSetInput[] {
  const pool: Record<string, number> = { user: 4, anon: 10, email: 5, loyalty: 3, order: 12 };
  const kinds = Object.keys(pool);
  const id = (): Identifier => {
    const kind = kinds[Math.floor(r() * kinds.length)] as Identifier['kind'];
    const value = `${kind[0]}${Math.floor(r() * pool[kind])}`;
    return { kind, value: kind === 'email' ? value.padEnd(64, '0') : value };
  };
  return Array.from({ length: 40 }, (_, i) => {
    // A quarter are browsers presenting scan tokens (only a token's first browser links to it).
    const scan = r() < 0.25;
    return {
      siteId,
      ids: scan ? [{ kind: 'anon' as const, value: `a${Math.floor(r() * pool.anon)}` }, { kind: 'scan' as const, value: `s${Math.floor(r() * 4)}` }] : Array.from({ length: 2 + Math.floor(r() * 2) }, id),
      source: { type: 'event' as const, ref: `m${i}`, ts: 1_000 * Math.floor(r() * 20), rule: scan ? 'scan-token' : 'test' },
      caps: CAPS,
    };
  });
}

/** Every stored link and person against the pure stitch() over the same stored links. */
function expectCanonical(store: SqliteStore, siteId: string, caps: StitchCaps = CAPS) {
  const rows = store.db
    .prepare('SELECT ia.kind AS ak, ia.value AS av, ib.kind AS bk, ib.value AS bv, l.* FROM identity_links l JOIN identity_ids ia ON ia.id = l.a JOIN identity_ids ib ON ib.id = l.b WHERE l.site_id = ?')
    .all(siteId) as { ak: string; av: string; bk: string; bv: string; src_ref: string; ts: number; rule: string; status: string; reason: string | null }[];
  const links: Link[] = rows.map((x) => ({ a: { kind: x.ak as Identifier['kind'], value: x.av }, b: { kind: x.bk as Identifier['kind'], value: x.bv }, source: { type: 'event', ref: x.src_ref, ts: x.ts, rule: x.rule } }));
  const all = store.db.prepare('SELECT kind, value FROM identity_ids WHERE site_id = ?').all(siteId) as Identifier[];
  const oracle = stitch(all, links, caps);
  const got = rows.map((x, i) => `${pairKey(links[i].a, links[i].b)} ${x.status} ${x.reason}`);
  const want = rows.map((_, i) => {
    const o = oracle.outcomes.get(pairKey(links[i].a, links[i].b))!;
    return `${pairKey(links[i].a, links[i].b)} ${o.status} ${o.reason}`;
  });
  expect(got).toEqual(want);
  const persons = (store.db.prepare('SELECT kind, value, person FROM identity_ids WHERE site_id = ?').all(siteId) as { kind: string; value: string; person: number }[])
    .reduce((m, x) => m.set(x.person, [...(m.get(x.person) ?? []), `${x.kind}:${x.value}`]), new Map<number, string[]>());
  expect([...persons.values()].map((p) => p.sort().join(' ')).sort()).toEqual([...groupPersons(oracle.personOf).values()].map((p) => p.join(' ')).sort());
  return rows;
}

/** A fresh store and site; `set(ids, ts, ref?)` builds an identifier set under {@link CAPS}; `close()` ends it. */
async function shop() {
  const store = openSqliteStore(tempDbPath(), { flushMs: 1 });
  const { site } = await store.createSite({ name: 'Shop', origins: ['*'] });
  const set = (ids: [Identifier['kind'], string][], ts: number, ref = `r${ts}`): IdentifierSetInput => ({
    siteId: site.id, ids: ids.map(([kind, value]) => ({ kind, value })), source: { type: 'event', ref, ts, rule: 'test' }, caps: CAPS,
  });
  /** Records the sets in one transaction. */
  const record = (...sets: IdentifierSetInput[]) => store.commit((db) => sets.forEach((x) => recordIdentifierSet(db, x)));
  /** Spies on reads of a whole raw component (the re-stitch path). */
  const componentReads = () => vi.spyOn(stmts(store.db).compMembers, 'all');
  return { store, siteId: site.id, set, record, componentReads };
}

describe('late links decided from their persons (lateOutcome)', () => {
  it('equal the pure stitch(), refusal reasons included, for 60 random graphs in random orders and batchings', async () => {
    const store = openSqliteStore(tempDbPath(), { flushMs: 1 });
    const r = rng(4242);
    let refusedByCap = 0;
    let userConflicts = 0;
    try {
      for (let g = 0; g < 60; g++) {
        const { site } = await store.createSite({ name: `g${g}`, origins: ['*'] });
        const input = shuffle(sets(site.id, rng(g)), r);
        for (let i = 0; i < input.length; ) {
          const chunk = input.slice(i, (i += 1 + Math.floor(r() * 6)));
          // Half the commits go through an identity batch (mirror, person-count cache), like ingest.
          const batched = r() < 0.5;
          await store.commit((db) => {
            const batch = batched ? identityBatch(db, site.id) : undefined;
            for (const set of chunk) recordIdentifierSet(db, set, batch);
          });
        }
        const rows = expectCanonical(store, site.id);
        refusedByCap += rows.filter((x) => x.reason?.startsWith('cap:')).length;
        userConflicts += rows.filter((x) => x.reason === 'user-conflict').length;
      }
      // The graphs exercise what the shortcut must get right.
      expect(refusedByCap).toBeGreaterThan(50);
      expect(userConflicts).toBeGreaterThan(50);
    } finally {
      await store.close();
    }
  });

  it('re-stitches when a later cap refusal of the person would name another cap', async () => {
    const { store, siteId, set, record } = await shop();
    const e = (n: number) => `e${n}`.padEnd(64, '0'); // hashed e-mails are 64 hex digits
    await record(
      set([['email', e(1)], ['anon', 'a1']], 100),
      set([['email', e(2)], ['email', e(3)], ['anon', 'a2'], ['anon', 'a3']], 200),
      set([['email', e(1)], ['anon', 'a2']], 300), // 3 e-mails > 2 (anon: 1 + 2 = 3 fits): cap:email
    );
    // Late: a new device of the first person at 150. In canonical order the refusal at 300 then
    // meets 2 + 2 anonymous IDs first: cap:anon.
    await record(set([['email', e(1)], ['anon', 'new']], 150));
    expect(expectCanonical(store, siteId).map((x) => x.reason).filter(Boolean)).toEqual(['cap:anon']);
    await store.close();
  });

  it('earlier evidence for a refused pair keeps it refused, with the reason of its new place', async () => {
    const { store, siteId, set, record, componentReads } = await shop();
    await record(
      set([['anon', 'a1'], ['anon', 'a2'], ['anon', 'a3']], 100),
      set([['user', 'U2'], ['anon', 'a4']], 110),
      set([['user', 'U1'], ['anon', 'a1']], 300),
      set([['user', 'U2'], ['anon', 'a2']], 400), // two customers: user-conflict
    );
    const reads = componentReads();
    // The same pair seen at 200, before U1 logged in: then 3 + 1 anonymous IDs were the problem.
    await record(set([['user', 'U2'], ['anon', 'a2']], 200));
    expect(reads).not.toHaveBeenCalled();
    const rows = expectCanonical(store, siteId);
    expect(rows.find((x) => x.ak === 'anon' && x.av === 'a2' && x.bv === 'U2')).toMatchObject({ status: 'refused', reason: 'cap:anon', ts: 200 });
    await store.close();
  });

  it('earlier evidence for a linked pair re-stitches when a cap refusal near it would name another cap', async () => {
    const { store, siteId, set, record } = await shop();
    const e = (n: number) => `e${n}`.padEnd(64, '0');
    await record(
      set([['email', e(1)], ['anon', 'a1']], 100),
      set([['anon', 'a2'], ['anon', 'a3']], 110),
      set([['email', e(2)], ['email', e(3)], ['anon', 'a4']], 120),
      set([['email', e(1)], ['anon', 'a4']], 300), // 3 e-mails > 2: cap:email
      set([['email', e(1)], ['anon', 'a2']], 400), // 3 anonymous IDs fit: linked
    );
    // The link at 400 seen at 150: the refusal at 300 then meets 3 + 1 anonymous IDs first.
    await record(set([['email', e(1)], ['anon', 'a2']], 150));
    expect(expectCanonical(store, siteId).map((x) => x.reason).filter(Boolean)).toEqual(['cap:anon']);
    await store.close();
  });

  it('a shared store tablet: late phone logins of its customers are decided without its raw component', async () => {
    const { store, siteId, set, record, componentReads } = await shop();
    // Staff log 300 customers in on one tablet: one raw component of 301 identifiers.
    await record(...Array.from({ length: 300 }, (_, i) => set([['anon', 'tablet'], ['user', `C${i}`]], 1_000 + i * 1_000)));
    // Each customer's phone login arrives late (its time is before the tablet's latest link):
    // decided from the customer's person, never by re-reading the tablet's whole raw component.
    const reads = componentReads();
    await record(...Array.from({ length: 300 }, (_, i) => set([['anon', `phone${i}`], ['user', `C${i}`]], 1_500 + i * 1_000)));
    expect(reads).not.toHaveBeenCalled();
    // A late login on the tablet before its first customer does change who it belongs to: re-stitched.
    await record(set([['anon', 'tablet'], ['user', 'C-early']], 500));
    expect(reads).toHaveBeenCalledTimes(1);
    reads.mockClear();
    // Late logins of known customers on the tablet (refused then as now), earlier evidence for a
    // refused and for a linked pair, and a late link inside one person: none needs the component.
    const email = 'e5'.padEnd(64, '0');
    await record(set([['anon', 'phoneX'], ['user', 'CX']], 1_000_000));
    await record(
      set([['anon', 'tablet'], ['user', 'CX']], 900, 'late-known'),
      set([['anon', 'tablet'], ['user', 'C9']], 800, 'earlier-evidence'),
      set([['user', 'C5'], ['email', email]], 6_600, 'new-address'),
      set([['anon', 'phone5'], ['email', email]], 6_700, 'same-person'),
      set([['anon', 'phone6'], ['user', 'C6']], 7_000, 'earlier-login'), // the pair was linked at 7 500
    );
    // A late login that merges two established persons: customer 7 (and phone) with a laptop
    // already known by its e-mail address (linked after the login's time).
    const laptopEmail = 'e7'.padEnd(64, '0');
    await record(set([['email', laptopEmail], ['anon', 'laptop7']], 2_000_000));
    await record(set([['user', 'C7'], ['anon', 'laptop7']], 7_700, 'two-persons'));
    expect(reads).not.toHaveBeenCalled();
    const rows = expectCanonical(store, siteId);
    expect(rows.find((x) => x.src_ref === 'two-persons')).toMatchObject({ status: 'linked' });
    expect(rows.filter((x) => x.status === 'linked')).toHaveLength(305); // C-early + tablet, each phone + its customer, C5's address, CX's phone, customer 7's laptop and its address
    expect(rows.filter((x) => x.reason === 'user-conflict')).toHaveLength(301);
    expect(rows.find((x) => x.src_ref === 'late-known')).toMatchObject({ status: 'refused' });
    expect(rows.find((x) => x.src_ref === 'earlier-evidence')).toMatchObject({ status: 'refused', ts: 800 });
    expect(rows.find((x) => x.src_ref === 'same-person')).toMatchObject({ status: 'redundant' });
    expect(rows.find((x) => x.src_ref === 'earlier-login')).toMatchObject({ status: 'linked', ts: 7_000 });
    await store.close();
  });

  it('a background pass re-stitches a shared device\'s component once, however many late links need it', async () => {
    const { store, siteId, componentReads } = await shop();
    const ev = storedEvents({ prefix: 'm', t0: 1_000_000 });
    const email = (n: number) => `e${n}`.padEnd(64, '0');
    // The tablet: 200 customers logged in; the first one also gave four addresses (cap 3: one
    // cap refusal next to that person, so the late links below cannot be decided from persons).
    await store.appendEvents([
      ...Array.from({ length: 200 }, (_, i) => ev(siteId, { type: 'identify', event: null, anonymousId: 'tablet', userId: `C${i}`, timestamp: 2_000_000 + i * 1_000 })),
      ...Array.from({ length: 4 }, (_, k) => ev(siteId, { type: 'identify', event: null, userId: 'C0', traits: { email_sha256: email(k) }, timestamp: 3_000_000 + k })),
    ]);
    await store.stitched();
    const reads = componentReads();
    // Delivered together (one pass): thirty late logins of C0 on new phones, and an address
    // typed on the tablet before all that (it takes an e-mail slot of C0's person first).
    await store.appendEvents([
      ...Array.from({ length: 30 }, (_, j) => ev(siteId, { anonymousId: `phone${j}`, userId: 'C0', timestamp: 2_000_500 + j })),
      ev(siteId, { type: 'identify', event: null, anonymousId: 'tablet', traits: { email_sha256: email(9) }, timestamp: 2_000_400 }),
    ]);
    await store.stitched();
    expect(reads).toHaveBeenCalledTimes(1);
    const rows = expectCanonical(store, siteId, DEFAULT_CAPS);
    expect(rows.filter((x) => x.reason === 'cap:email')).toHaveLength(2);
    expect(rows.filter((x) => x.status === 'linked')).toHaveLength(1 + 1 + 2 + 30);
    await store.close();
  });
});
