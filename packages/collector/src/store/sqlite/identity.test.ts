import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PersonJourney } from '../../attribution/journey';
import { groupPersons, pairKey, stitch, type Link } from '../../stitch/graph';
import type { Identifier } from '../../stitch/types';
import type { StoredEvent } from '../core';
import { openSqliteStore, type SqliteStore } from './index';
import { identityBatch, recordIdentifierSet } from './identity';
import { prng as rng, shuffle } from '../../demo/random';
import { seededScanToken } from '../../qr/token';
import { storedEvents } from '../../test-utils/stored-event';

/** A real scan token (format + expiry as /q/<code> mints them), valid until `expiresAt`. */
const scanToken = (seed: number, expiresAt = Date.UTC(2100, 0, 1)) => seededScanToken(rng(seed), expiresAt);

const dir = mkdtempSync(join(tmpdir(), 'ot-identity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let dbn = 0;
async function open(): Promise<{ store: SqliteStore; siteId: string; path: string }> {
  const path = join(dir, `t${++dbn}.db`);
  const store = openSqliteStore(path, { flushMs: 1 });
  const { site } = await store.createSite({ name: 'Shop', origins: ['*'] });
  return { store, siteId: site.id, path };
}

const ev = storedEvents({ prefix: 'm', t0: 1_000_000 });
const ids = (p: { identifiers: Identifier[] } | null) => p?.identifiers.map((i) => `${i.kind}:${i.value}`);

describe('identity store', () => {
  it('stitches web, scan, handoff and offline identifiers into one person', async () => {
    const { store, siteId } = await open();
    const tok = scanToken(1, 3_600_000);
    await store.appendEvents([
      ev(siteId, { event: 'QR Code Scanned', timestamp: 1, properties: { scan_token: tok, campaign_id: 'c1', recipient_ref: 'R1', personalised: true, code: 'ABC' } }),
      ev(siteId, { type: 'page', event: null, anonymousId: 'a1', timestamp: 2, context: { omnitrail: { sessionStart: true, scanToken: tok } } }),
      ev(siteId, { event: 'Handoff Code Issued', anonymousId: 'a1', timestamp: 3, properties: { code: 'K7M2QX' } }),
    ]);
    // The mailing list binds the recipient to a loyalty card (QR engineer's recordIdentifierSet call).
    await store.commit((db) =>
      recordIdentifierSet(db, { siteId, ids: [{ kind: 'recipient', value: 'c1/R1' }, { kind: 'loyalty', value: 'L-1' }], source: { type: 'recipient', ref: 'c1/R1', ts: 0, rule: 'mailing-list' } }),
    );
    await store.commit((db) =>
      recordIdentifierSet(db, { siteId, ids: [{ kind: 'order', value: 'P-9' }, { kind: 'handoff', value: 'k7m-2qx' }], source: { type: 'order', ref: 'P-9', ts: 9, rule: 'order-identifiers' } }),
    );
    const p = await store.personOf(siteId, { kind: 'loyalty', value: 'L-1' });
    expect(ids(p)).toEqual(['anon:a1', 'handoff:K7M2QX', 'loyalty:L-1', 'order:P-9', 'recipient:c1/R1', `scan:${tok}`]);
    expect((await store.personOf(siteId, { kind: 'order', value: 'P-9' }))?.personId).toBe(p!.personId);
    const tokLink = p!.links.find((l) => [l.a.kind, l.b.kind].sort().join() === 'anon,scan')!;
    expect(tokLink).toMatchObject({ status: 'linked', source: { type: 'event', rule: 'scan-token', ts: 2 } });
    const events = await store.personEvents(siteId, { kind: 'order', value: 'P-9' });
    expect(events.map((e) => e.event ?? e.type)).toEqual(['QR Code Scanned', 'page', 'Handoff Code Issued']);
    const newest = await store.personEvents(siteId, { kind: 'anon', value: 'a1' }, { limit: 2 });
    expect(newest.map((e) => e.event ?? e.type)).toEqual(['page', 'Handoff Code Issued']);
    await store.close();
  });

  it('an expired or forged scan token echoed by a browser links it to nobody', async () => {
    const { store, siteId } = await open();
    const tok = scanToken(2, 3_600_000); // valid for the first hour after the epoch
    await store.appendEvents([
      ev(siteId, { event: 'QR Code Scanned', timestamp: 1, properties: { scan_token: tok, campaign_id: 'c1', recipient_ref: 'R1', personalised: true, code: 'ABC' } }),
      // The recipient forwarded the landing URL: a stranger opens it the next day.
      ev(siteId, { type: 'page', event: null, anonymousId: 'stranger', timestamp: 86_400_000, context: { omnitrail: { sessionStart: true, scanToken: tok } } }),
      // The stranger extends the expiry by hand: that is another token, which no scan minted.
      ev(siteId, { type: 'page', event: null, anonymousId: 'forger', timestamp: 86_400_000, context: { omnitrail: { sessionStart: true, scanToken: `${tok.slice(0, 16)}.zzzzzzzz` } } }),
      ev(siteId, { type: 'page', event: null, anonymousId: 'typo', timestamp: 2, context: { omnitrail: { sessionStart: true, scanToken: 'tok' } } }),
      // The recipient's own browser, within the hour: linked.
      ev(siteId, { type: 'page', event: null, anonymousId: 'recipient', timestamp: 3_599_000, context: { omnitrail: { sessionStart: true, scanToken: tok } } }),
    ]);
    expect(ids(await store.personOf(siteId, { kind: 'anon', value: 'stranger' }))).toEqual(['anon:stranger']);
    expect(ids(await store.personOf(siteId, { kind: 'anon', value: 'forger' }))).toEqual(['anon:forger', `scan:${tok.slice(0, 16)}.zzzzzzzz`]);
    expect(ids(await store.personOf(siteId, { kind: 'anon', value: 'typo' }))).toEqual(['anon:typo']);
    expect(ids(await store.personOf(siteId, { kind: 'anon', value: 'recipient' }))).toEqual(['anon:recipient', 'recipient:c1/R1', `scan:${tok}`]);
    await store.close();
  });

  it('a forwarded landing URL: only the first browser with the token joins the recipient, in any arrival order', async () => {
    const tok = scanToken(3, 3_600_000);
    const events = (siteId: string) => [
      ev(siteId, { event: 'QR Code Scanned', timestamp: 1, properties: { scan_token: tok, campaign_id: 'c1', recipient_ref: 'R1', personalised: true, code: 'ABC' } }),
      ev(siteId, { type: 'page', event: null, anonymousId: 'letter', timestamp: 10, context: { omnitrail: { sessionStart: true, scanToken: tok } } }),
      // The recipient reloads the landing page: the same pair again.
      ev(siteId, { type: 'page', event: null, anonymousId: 'letter', timestamp: 20, context: { omnitrail: { scanToken: tok } } }),
      // Forwarded by chat within the hour: a friend opens it and buys.
      ev(siteId, { type: 'page', event: null, anonymousId: 'friend', timestamp: 30, context: { omnitrail: { sessionStart: true, scanToken: tok } } }),
      ev(siteId, { event: 'Order Completed', anonymousId: 'friend', timestamp: 40, properties: { order_id: 'W-2' }, context: { omnitrail: { scanToken: tok } } }),
    ];
    for (const arrival of ['in order', 'friend first', 'one by one, reversed'] as const) {
      const { store, siteId } = await open();
      const evs = events(siteId);
      if (arrival === 'in order') await store.appendEvents(evs);
      else if (arrival === 'friend first') {
        await store.appendEvents(evs.slice(3));
        await store.stitched();
        await store.appendEvents(evs.slice(0, 3));
      } else {
        for (const e of [...evs].reverse()) {
          await store.appendEvents([e]);
          await store.stitched();
        }
      }
      expect(ids(await store.personOf(siteId, { kind: 'recipient', value: 'c1/R1' })), arrival).toEqual(['anon:letter', 'recipient:c1/R1', `scan:${tok}`]);
      const friend = await store.personOf(siteId, { kind: 'anon', value: 'friend' });
      expect(ids(friend), arrival).toEqual(['anon:friend', 'order:W-2']);
      // The friend's visit is stored and its refused link explains why it is not the recipient.
      expect(friend!.links.find((l) => l.status === 'refused'), arrival).toMatchObject({ reason: 'scan-forwarded', source: { rule: 'scan-token', ts: 30 } });
      await store.close();
    }
  });

  it('records user-ID conflicts and cap refusals instead of merging', async () => {
    const { store, siteId } = await open();
    await store.appendEvents([
      ev(siteId, { anonymousId: 'family-pc', userId: 'mom', timestamp: 10 }),
      ev(siteId, { anonymousId: 'family-pc', userId: 'dad', timestamp: 20 }),
      ...['e1', 'e2', 'e3', 'e4'].map((e, i) => ev(siteId, { type: 'identify', event: null, anonymousId: 'tablet', timestamp: 30 + i, traits: { email_sha256: e.padStart(64, 'a') } })),
    ]);
    const mom = await store.personOf(siteId, { kind: 'user', value: 'mom' });
    expect(ids(mom)).toEqual(['anon:family-pc', 'user:mom']);
    expect(ids(await store.personOf(siteId, { kind: 'user', value: 'dad' }))).toEqual(['user:dad']);
    expect(mom!.links.find((l) => l.b.value === 'dad' || l.a.value === 'dad')).toMatchObject({ status: 'refused', reason: 'user-conflict' });
    const tablet = await store.personOf(siteId, { kind: 'anon', value: 'tablet' });
    expect(tablet!.identifiers.filter((i) => i.kind === 'email')).toHaveLength(3);
    expect(tablet!.links.filter((l) => l.status === 'refused').map((l) => l.reason)).toEqual(['cap:email']);
    await store.close();
  });

  it('never stitches denied, pending or bot events and never stores blocked values', async () => {
    const { store, siteId } = await open();
    await store.appendEvents([
      ev(siteId, { anonymousId: 'a', userId: 'U', consent: 'denied' }),
      ev(siteId, { anonymousId: 'b', userId: 'U', consent: 'pending' }),
      ev(siteId, { anonymousId: 'c', userId: 'U', bot: true }),
      ev(siteId, { anonymousId: 'd', userId: 'undefined' }),
      ev(siteId, { anonymousId: 'e', userId: '0' }),
    ]);
    expect(await store.personOf(siteId, { kind: 'user', value: 'U' })).toBeNull();
    expect(await store.personOf(siteId, { kind: 'anon', value: 'a' })).toBeNull();
    expect(ids(await store.personOf(siteId, { kind: 'anon', value: 'd' }))).toEqual(['anon:d']);
    expect(await store.personOf(siteId, { kind: 'user', value: 'undefined' })).toBeNull();
    await store.close();
  });

  it('stays correct when a removed site frees identity row ids that new identifiers reuse', async () => {
    const { store, siteId: a } = await open();
    const { site: c } = await store.createSite({ name: 'Other', origins: ['*'] });
    await store.appendEvents([ev(c.id, { anonymousId: 'c1', timestamp: 5 })]);
    await store.appendEvents([ev(a, { anonymousId: 'ax', userId: 'UA', timestamp: 10 })]);
    // The newest event carries no identity (denied), so event row ids stay increasing.
    await store.appendEvents([ev(c.id, { anonymousId: 'c2', consent: 'denied', timestamp: 11 })]);
    await store.removeSite(a);
    const { site: b } = await store.createSite({ name: 'Next', origins: ['*'] });
    // The new identifiers get the freed row ids, with a later key for the same row-id pair: must still link.
    await store.appendEvents([ev(b.id, { anonymousId: 'p', userId: 'Q', timestamp: 20 })]);
    expect(ids(await store.personOf(b.id, { kind: 'user', value: 'Q' }))).toEqual(['anon:p', 'user:Q']);
    await store.close();
  });

  it('identity batches forget what a rolled-back batch or another connection wrote', async () => {
    const { store, siteId, path } = await open();
    const set = (ref: string, ...xs: [Identifier['kind'], string][]) => ({
      siteId, ids: xs.map(([kind, value]) => ({ kind, value })), source: { type: 'order' as const, ref, ts: 5, rule: 'order-identifiers' },
    });
    await expect(
      store.commit((db) => {
        recordIdentifierSet(db, set('O1', ['order', 'O1'], ['loyalty', 'L-1']), identityBatch(db, siteId));
        throw new Error('boom'); // the callback's savepoint rolls back: L-1 was never stored
      }),
    ).rejects.toThrow('boom');
    await store.commit((db) => {
      const batch = identityBatch(db, siteId);
      recordIdentifierSet(db, set('O2', ['order', 'O2'], ['email', 'e'.repeat(64)]), batch);
      recordIdentifierSet(db, set('O3', ['order', 'O3'], ['loyalty', 'L-1']), batch);
    });
    // Another connection (a second CLI import) adds rows behind this connection's back.
    const other = openSqliteStore(path, { flushMs: 1 });
    await other.commit((db) => recordIdentifierSet(db, set('O4', ['order', 'O4'], ['loyalty', 'L-2']), identityBatch(db, siteId)));
    await other.close();
    await store.commit((db) => recordIdentifierSet(db, set('O5', ['order', 'O5'], ['loyalty', 'L-2']), identityBatch(db, siteId)));
    expect(ids(await store.personOf(siteId, { kind: 'loyalty', value: 'L-1' }))).toEqual(['loyalty:L-1', 'order:O3']);
    expect(ids(await store.personOf(siteId, { kind: 'order', value: 'O2' }))).toEqual([`email:${'e'.repeat(64)}`, 'order:O2']);
    expect(ids(await store.personOf(siteId, { kind: 'loyalty', value: 'L-2' }))).toEqual(['loyalty:L-2', 'order:O4', 'order:O5']);
    await store.close();
  });

  it('an identity batch applies caps exactly like single writes (person counts kept across its sets)', async () => {
    const persons = async (batched: boolean) => {
      const { store, siteId } = await open();
      const sets = [1, 2, 3, 4, 5].map((i) => ({
        siteId,
        ids: [{ kind: 'loyalty' as const, value: 'L-1' }, { kind: 'email' as const, value: String(i).padStart(64, 'e') }, { kind: 'order' as const, value: `O${i}` }],
        source: { type: 'order' as const, ref: `O${i}`, ts: i, rule: 'order-identifiers' },
      }));
      await store.commit((db) => {
        const batch = batched ? identityBatch(db, siteId) : undefined;
        for (const set of sets) recordIdentifierSet(db, set, batch);
      });
      const p = await store.personOf(siteId, { kind: 'loyalty', value: 'L-1' });
      const refused = p!.links.filter((l) => l.status === 'refused').map((l) => l.reason);
      await store.close();
      return { ids: ids(p), refused };
    };
    const single = await persons(false);
    expect(single.ids).toEqual([...[1, 2, 3].map((i) => `email:${String(i).padStart(64, 'e')}`), 'loyalty:L-1', 'order:O1', 'order:O2', 'order:O3']);
    expect(single.refused).toEqual(['cap:email', 'cap:email']);
    expect(await persons(true)).toEqual(single);
  });

  it('the ingest mirror takes the next free row id when another connection inserted identifiers', async () => {
    const { store, siteId, path } = await open();
    await store.appendEvents([ev(siteId, { anonymousId: 'a1', userId: 'U1' })]); // mirror knows max id 2
    const other = openSqliteStore(path, { flushMs: 1 });
    await other.appendEvents([ev(siteId, { anonymousId: 'b1', userId: 'U2' })]); // rows 3 and 4
    await other.close();
    await store.appendEvents([ev(siteId, { anonymousId: 'c1', userId: 'U3' })]); // must not collide with 3
    expect(ids(await store.personOf(siteId, { kind: 'user', value: 'U2' }))).toEqual(['anon:b1', 'user:U2']);
    expect(ids(await store.personOf(siteId, { kind: 'user', value: 'U3' }))).toEqual(['anon:c1', 'user:U3']);
    await store.close();
  });

  it('keeps stitching a browser and user that another process (the erase CLI) erased', async () => {
    const { store, siteId, path } = await open();
    await store.appendEvents([ev(siteId, { anonymousId: 'a1', userId: 'U1', timestamp: 10 })]);
    expect(ids(await store.personOf(siteId, { kind: 'user', value: 'U1' }))).toEqual(['anon:a1', 'user:U1']);
    // `omnitrail erase --db` while the server runs: a second connection on the same file.
    const cli = openSqliteStore(path, { flushMs: 1 });
    await cli.erasePerson(siteId, { kind: 'user', value: 'U1' });
    await cli.close();
    expect(await store.personOf(siteId, { kind: 'user', value: 'U1' })).toBeNull();
    // The same browser and user come back: the server's cache must not believe their rows still exist.
    await store.appendEvents([ev(siteId, { anonymousId: 'a1', userId: 'U1', timestamp: 20 })]);
    expect(ids(await store.personOf(siteId, { kind: 'user', value: 'U1' }))).toEqual(['anon:a1', 'user:U1']);
    expect(ids(await store.personOf(siteId, { kind: 'anon', value: 'a1' }))).toEqual(['anon:a1', 'user:U1']);
    await store.close();
  });

  it('a late, earlier link re-stitches the component as if it had arrived in order', async () => {
    const { store, siteId } = await open();
    await store.appendEvents([ev(siteId, { anonymousId: 'd', userId: 'U2', timestamp: 50 })]);
    expect(ids(await store.personOf(siteId, { kind: 'user', value: 'U2' }))).toEqual(['anon:d', 'user:U2']);
    // An offline queue delivers an older login on the same device: U1 was first, U2 is the conflict.
    await store.appendEvents([ev(siteId, { anonymousId: 'd', userId: 'U1', timestamp: 10 })]);
    expect(ids(await store.personOf(siteId, { kind: 'user', value: 'U1' }))).toEqual(['anon:d', 'user:U1']);
    expect(ids(await store.personOf(siteId, { kind: 'user', value: 'U2' }))).toEqual(['user:U2']);
    await store.close();
  });

  it('erasure removes identifiers and their links, and splits persons joined only through them', async () => {
    const { store, siteId } = await open();
    const H = 'f'.repeat(64);
    await store.appendEvents([
      ev(siteId, { type: 'identify', event: null, anonymousId: 'a1', userId: 'U1', traits: { email_sha256: H } }),
      ev(siteId, { type: 'identify', event: null, anonymousId: 'a2', traits: { email_sha256: H } }),
    ]);
    expect(ids(await store.personOf(siteId, { kind: 'anon', value: 'a2' }))).toEqual(['anon:a1', 'anon:a2', `email:${H}`, 'user:U1']);
    expect(await store.eraseIdentifiers(siteId, [{ kind: 'email', value: H }])).toBe(1);
    expect(ids(await store.personOf(siteId, { kind: 'anon', value: 'a2' }))).toEqual(['anon:a2']);
    expect(ids(await store.personOf(siteId, { kind: 'user', value: 'U1' }))).toEqual(['anon:a1', 'user:U1']);
    expect(await store.personOf(siteId, { kind: 'email', value: H })).toBeNull();
    const left = (store.db.prepare('SELECT count(*) FROM identity_links').pluck().get() as number);
    expect(left).toBe(1);
    // New evidence after the erasure links again (nothing remembered from before the erasure).
    await store.appendEvents([ev(siteId, { type: 'identify', event: null, anonymousId: 'a2', traits: { email_sha256: H } })]);
    expect(ids(await store.personOf(siteId, { kind: 'email', value: H }))).toEqual(['anon:a2', `email:${H}`]);
    await store.close();
  });
});

/** Seeded PRNG (mulberry32). */

/** A messy little shop: shared devices, reused emails, scans, handoffs, store visits, web orders. */
function scenario(siteId: string, r: () => number): StoredEvent[] {
  const out: StoredEvent[] = [];
  const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const anons = Array.from({ length: 14 }, (_, i) => `a${i}`);
  const users = ['U1', 'U2', 'U3', 'U4', 'U5'];
  const emails = Array.from({ length: 6 }, (_, i) => String(i + 1).repeat(64).slice(0, 64));
  let ts = 1_000;
  // Coarse time steps so identical timestamps (ties) occur.
  const t = () => (ts += Math.floor(r() * 3));
  let m = 0;
  const e = (p: Partial<StoredEvent>) => out.push(ev(siteId, { messageId: `s${++m}`, timestamp: t(), ...p }));
  for (let i = 0; i < 120; i++) {
    const anon = pick(anons);
    switch (Math.floor(r() * 8)) {
      case 0: e({ type: 'page', event: null, anonymousId: anon, context: { omnitrail: { sessionStart: true }, campaign: { source: pick(['google', 'newsletter']), medium: pick(['cpc', 'email']) }, page: { url: 'https://shop.test/' } } }); break;
      case 1: e({ anonymousId: anon, userId: pick(users) }); break;
      case 2: e({ type: 'identify', event: null, anonymousId: anon, traits: { email_sha256: pick(emails), loyalty_id: r() < 0.3 ? pick(['L1', 'L2', 'L3']) : undefined } }); break;
      case 3: {
        const tok = scanToken(i);
        e({ event: 'QR Code Scanned', properties: { scan_token: tok, code: 'Q', campaign_id: 'c1', recipient_ref: pick(['R1', 'R2', null]), personalised: true } });
        e({ type: 'page', event: null, anonymousId: anon, context: { omnitrail: { scanToken: tok, sessionStart: true } } });
        // Forwarded landing URLs (another browser, same token) and reloads.
        if (r() < 0.4) e({ type: 'page', event: null, anonymousId: pick(anons), context: { omnitrail: { scanToken: tok, sessionStart: true } } });
        break;
      }
      case 4: e({ event: 'Handoff Code Issued', anonymousId: anon, properties: { code: `H${i}` } }); break;
      case 5: e({ event: 'Offline Touchpoint', properties: { touchpoint_type: 'store_visit', identifiers: { loyaltyId: pick(['L1', 'L2', 'L3']), handoffCode: r() < 0.5 ? `H${Math.floor(r() * i)}` : undefined } } }); break;
      case 6: e({ event: 'Order Completed', anonymousId: anon, userId: r() < 0.5 ? pick(users) : null, properties: { order_id: `W${i}` } }); break;
      default: e({ type: 'alias', event: null, userId: pick(users), properties: { previousId: anon } });
    }
  }
  return out;
}

async function snapshot(store: SqliteStore, siteId: string) {
  await store.stitched();
  const persons = (store.db.prepare('SELECT kind, value, person FROM identity_ids WHERE site_id = ?').all(siteId) as { kind: string; value: string; person: number }[])
    .reduce((m, x) => m.set(x.person, [...(m.get(x.person) ?? []), `${x.kind}:${x.value}`]), new Map<number, string[]>());
  const links = (store.db
    .prepare('SELECT ia.kind || \':\' || ia.value AS a, ib.kind || \':\' || ib.value AS b, l.status, l.reason, l.src_ref, l.rule, l.ts FROM identity_links l JOIN identity_ids ia ON ia.id = l.a JOIN identity_ids ib ON ib.id = l.b')
    .all() as { a: string; b: string; status: string; reason: string | null; src_ref: string; rule: string; ts: number }[])
    .map((l) => `${[l.a, l.b].sort().join('|')} ${l.status} ${l.reason} ${l.src_ref} ${l.rule} ${l.ts}`)
    .sort();
  const journeys: PersonJourney[] = [];
  for await (const j of store.journeys(siteId, { from: 0, to: 1e12, chunkSize: 7 })) journeys.push(j);
  // personIds hash the site ID too, so compare content, in a content order.
  const js = journeys.map((j) => JSON.stringify({ ...j, personId: '' })).sort();
  return { persons: [...persons.values()].map((p) => p.sort().join(' ')).sort(), links, journeys: js };
}

describe('identity store: order independence (property test)', () => {
  it('gives identical persons, links and journeys for 3 scenarios × 4 random ingestion orders and batchings', async () => {
    const r = rng(2026);
    for (let s = 0; s < 3; s++) {
      const base = await open();
      const events = scenario(base.siteId, rng(100 + s));
      await base.store.appendEvents(events);
      const want = await snapshot(base.store, base.siteId);
      await base.store.close();
      // The oracle: the pure stitch() over every link the store recorded.
      expect(want.persons.length).toBeGreaterThan(3);
      expect(want.links.some((l) => l.includes('refused'))).toBe(true);
      expect(want.journeys.length).toBeGreaterThan(3);
      for (let p = 0; p < 4; p++) {
        const { store, siteId } = await open();
        const shuffled = shuffle(events, r).map((e) => ({ ...e, siteId }));
        for (let i = 0; i < shuffled.length; ) {
          const n = 1 + Math.floor(r() * 30);
          await store.appendEvents(shuffled.slice(i, i + n));
          i += n;
        }
        const got = await snapshot(store, siteId);
        expect(got.persons).toEqual(want.persons);
        expect(got.links).toEqual(want.links);
        expect(got.journeys).toEqual(want.journeys);
        await store.close();
      }
    }
  });

  it('matches the pure stitch() over the same links', async () => {
    const { store, siteId } = await open();
    await store.appendEvents(shuffle(scenario(siteId, rng(7)), rng(8)));
    await store.stitched();
    const rows = store.db
      .prepare('SELECT ia.kind AS ak, ia.value AS av, ib.kind AS bk, ib.value AS bv, l.* FROM identity_links l JOIN identity_ids ia ON ia.id = l.a JOIN identity_ids ib ON ib.id = l.b')
      .all() as { ak: string; av: string; bk: string; bv: string; src_type: 'event'; src_ref: string; ts: number; rule: string; status: string; reason: string | null }[];
    const links: Link[] = rows.map((x) => ({ a: { kind: x.ak as Identifier['kind'], value: x.av }, b: { kind: x.bk as Identifier['kind'], value: x.bv }, source: { type: x.src_type, ref: x.src_ref, ts: x.ts, rule: x.rule } }));
    const all = (store.db.prepare('SELECT kind, value FROM identity_ids').all() as Identifier[]);
    const oracle = stitch(all, links);
    for (const [i, x] of rows.entries()) expect({ status: x.status, reason: x.reason }).toEqual(oracle.outcomes.get(pairKey(links[i].a, links[i].b)));
    const want = [...groupPersons(oracle.personOf).values()].map((p) => p.join(' ')).sort();
    expect((await snapshot(store, siteId)).persons).toEqual(want);
    await store.close();
  });
});
