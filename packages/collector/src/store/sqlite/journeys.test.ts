import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversion, OrderStatus, PersonJourney, Touch, TouchKind } from '../../attribution/journey';
import { seedDemo } from '../../cli/demo-seed';
import { identifierKey } from '../../stitch/identifiers';
import { collapseServerSessions } from '../../stitch/sessions';
import { touchOf } from '../../stitch/touch';
import type { Identifier } from '../../stitch/types';
import { tempDbPath } from '../../test-utils/harness';
import { EVENT_COLUMNS, rowToEvent, type EventRow } from './core';
import { personIdOf } from './identity-read';
import { openSqliteStore, type SqliteStore } from './index';
import { backfillTouchFields } from './touch-fields';
import { storedEvents } from '../../test-utils/stored-event';
import { funnel, funnelReport } from '../../reports/funnel';
import { parseReportParams } from '../../reports/params';

const NOW = Date.UTC(2026, 2, 31);
const DAY = 86_400_000;

/**
 * The oracle: journeys as they were read before the chunked reader — per person, every
 * touch event parsed in full (`rowToEvent`) and turned into a touch by `touchOf`; orders
 * looked up one by one. The chunked reader must give exactly this, byte for byte.
 */
function oracle(store: SqliteStore, siteId: string, from: number, to: number, lookbackMs: number): string[] {
  const { db } = store;
  const persons = db.prepare('SELECT DISTINCT person FROM identity_ids WHERE site_id = ? ORDER BY person').pluck().all(siteId) as number[];
  const members = db.prepare('SELECT id, kind, value FROM identity_ids WHERE site_id = ? AND person = ?');
  const refs = db.prepare(`SELECT r.kind AS ref_kind, ${EVENT_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ')} FROM identity_refs r JOIN events e ON e.id = r.event_id WHERE r.ident = ? AND r.ts >= ? AND r.ts < ?`);
  const order = db.prepare('SELECT order_id, channel, location, ts, revenue, currency, status FROM orders WHERE site_id = ? AND order_id = ?');
  const out: string[] = [];
  for (const p of persons) {
    const ms = members.all(siteId, p) as { id: number; kind: Identifier['kind']; value: string }[];
    const touches: Touch[] = [];
    const seen = new Set<number>();
    for (const m of ms) {
      for (const r of refs.all(m.id, from - lookbackMs, to) as (EventRow & { ref_kind: TouchKind })[]) {
        if (seen.has(r.id)) continue;
        seen.add(r.id);
        touches.push(touchOf(r.ref_kind, rowToEvent(r)));
      }
    }
    const conversions: Conversion[] = [];
    for (const m of ms.filter((x) => x.kind === 'order')) {
      const o = order.get(siteId, m.value) as { order_id: string; channel: string; location: string | null; ts: number; revenue: number; currency: string | null; status: OrderStatus } | undefined;
      if (!o || o.ts < from || o.ts >= to) continue;
      const c: Conversion = { id: o.order_id, ts: o.ts, value: o.revenue, channel: o.channel, status: o.status };
      if (o.currency) c.currency = o.currency;
      if (o.location) c.location = o.location;
      conversions.push(c);
    }
    if (!touches.length && !conversions.length) continue;
    touches.sort((a, b) => a.ts - b.ts || (a.messageId < b.messageId ? -1 : 1));
    // Page views without the SDK's session marker: only those that start a session.
    const kept = collapseServerSessions(touches);
    conversions.sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
    const j: PersonJourney = { personId: personIdOf(siteId, ms.map((m) => identifierKey(m))), touches: kept, conversions };
    out.push(JSON.stringify(j));
  }
  return out;
}

async function read(store: SqliteStore, siteId: string, q: { from: number; to: number; lookbackMs: number; chunkSize?: number }): Promise<string[]> {
  const out: string[] = [];
  for await (const j of store.journeys(siteId, q)) out.push(JSON.stringify(j));
  return out;
}

/**
 * The oracle of per-person event reads: every event row of each person's anonymous and user IDs
 * in `[from, to)`, whole, by a plain scan — keyed by public person ID, in (ts, id) order.
 */
function rowsByPerson(store: SqliteStore, siteId: string, from: number, to: number): Map<string, EventRow[]> {
  const { db } = store;
  const rows = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE site_id = ? AND ts >= ? AND ts < ? ORDER BY ts, id`).all(siteId, from, to) as EventRow[];
  const out = new Map<string, EventRow[]>();
  for (const person of db.prepare('SELECT DISTINCT person FROM identity_ids WHERE site_id = ?').pluck().all(siteId) as number[]) {
    const ms = db.prepare('SELECT kind, value FROM identity_ids WHERE site_id = ? AND person = ?').all(siteId, person) as Identifier[];
    const anon = ms.filter((m) => m.kind === 'anon').map((m) => m.value);
    const user = ms.filter((m) => m.kind === 'user').map((m) => m.value);
    out.set(personIdOf(siteId, ms.map((m) => identifierKey(m))), rows.filter((r) => anon.includes(r.anonymous_id!) || user.includes(r.user_id!)));
  }
  return out;
}

const ev = storedEvents({ prefix: 'edge', t0: NOW - 5 * DAY, type: 'page', event: null });
/** A session-start page context with the given parts. */
const session = (c: Record<string, unknown>) => ({ ...c, omnitrail: { sessionStart: true, ...(c.omnitrail as object | undefined) } });

describe('store.journeys: chunked, set-based read', () => {
  let store: SqliteStore;
  let siteId: string;
  beforeAll(async () => {
    store = openSqliteStore(tempDbPath(), { flushMs: 1 });
    const created = await store.createSite({ name: 'Demo', origins: ['https://shop.example', 'http://localhost:8787'] });
    siteId = created.site.id;
    await seedDemo(store, created, { persons: 150, now: NOW, seed: 11, days: 45 });
    // Shapes the generator never sends, which touchOf must see exactly as in the full event:
    // missing, null, non-string and non-object fields, `campaign.campaign` instead of `name`,
    // click IDs, URLs it cannot parse, numeric and boolean-like properties.
    await store.appendEvents([
      ev(siteId, { anonymousId: 'edge-a', context: session({ campaign: { source: 'Google', medium: 'cpc', campaign: 'x', term: '', content: null, source_platform: 'sa360' }, page: { url: 'https://Shop.Example:8443/p?q=1', referrer: 'https://www.google.com/' }, omnitrail: { clickIds: { gclid: 'G1' } } }) }),
      ev(siteId, { anonymousId: 'edge-a', context: session({ campaign: 'not-an-object', page: { url: 'not a url', referrer: '' }, omnitrail: { clickIds: {} } }) }),
      ev(siteId, { anonymousId: 'edge-a', context: session({ page: 'a string', omnitrail: { clickIds: 'text' } }) }),
      ev(siteId, { anonymousId: 'edge-a', context: session({ campaign: { name: 'n', campaign: 'c', source: 7 }, page: { url: 'HTTP://[::1]:80/x', referrer: null } }) }),
      ev(siteId, { anonymousId: 'edge-a', type: 'track', event: 'Offline Touchpoint', properties: { touchpoint_type: null, identifiers: { loyaltyId: 'EDGE-L1' } } }),
      ev(siteId, { anonymousId: 'edge-a', type: 'track', event: 'Offline Touchpoint', properties: { touchpoint_type: 'phone_call', location: 42, identifiers: { loyaltyId: 'EDGE-L1' } } }),
      ev(siteId, { type: 'track', event: 'QR Code Scanned', properties: { scan_token: 'edge-tok', code: 123, campaign_id: null, personalised: 'true', campaign_name: '' } }),
      ev(siteId, { anonymousId: 'edge-b', context: session({ omnitrail: { scanToken: 'edge-tok' }, page: { url: 'https://shop.example/' } }) }),
      ev(siteId, { type: 'track', event: 'QR Code Scanned', properties: { scan_token: 'edge-tok2', code: 'Q2', campaign_id: 'c', personalised: true, campaign_name: 'Spring "quoted" ünïcode' } }),
      ev(siteId, { anonymousId: 'edge-b', type: 'track', event: 'Handoff Code Issued', properties: { code: 'EDGE01' } }),
      // One person with two anonymous IDs whose order differs between UTF-16 (JavaScript: U+10000 first)
      // and UTF-8 (SQLite: U+E000 first): its public ID must derive from the JavaScript minimum.
      ev(siteId, { anonymousId: '\u{E000}', userId: 'edge-u', context: session({}) }),
      ev(siteId, { anonymousId: '\u{10000}', userId: 'edge-u', context: session({}) }),
      // A bot's session is no touch.
      ev(siteId, { anonymousId: 'edge-bot', bot: true, context: session({ campaign: { source: 'bot' } }) }),
      // Funnel events of edge-u: one carrying both of its IDs (read once), one from a bot, one page view.
      ev(siteId, { anonymousId: '\u{E000}', userId: 'edge-u', type: 'track', event: 'Product Viewed' }),
      ev(siteId, { userId: 'edge-u', type: 'track', event: 'Product Added', bot: true }),
      ev(siteId, { userId: 'edge-u', type: 'page', event: null }),
      // Goal events of edge-u: worth 5, worth 1 (a value that is no number), and a bot's.
      ev(siteId, { userId: 'edge-u', type: 'track', event: 'Newsletter Signup', properties: { value: 5 } }),
      ev(siteId, { anonymousId: '\u{E000}', type: 'track', event: 'Newsletter Signup', properties: { value: 'x' } }),
      ev(siteId, { userId: 'edge-u', type: 'track', event: 'Newsletter Signup', bot: true }),
    ]);
    await store.flush();
  }, 60_000);
  afterAll(() => store.close());

  it('gives exactly the journeys of a full per-event read, for every chunk size and date range', async () => {
    const ranges = [
      { from: NOW - 30 * DAY, to: NOW, lookbackMs: 30 * DAY },
      { from: NOW - 10 * DAY, to: NOW - 3 * DAY, lookbackMs: 2 * DAY },
      { from: 0, to: NOW + DAY, lookbackMs: 0 },
    ];
    for (const q of ranges) {
      await store.stitched();
      const want = oracle(store, siteId, q.from, q.to, q.lookbackMs);
      expect(want.length).toBeGreaterThan(20);
      for (const chunkSize of [1, 7, 500]) expect(await read(store, siteId, { ...q, chunkSize })).toEqual(want);
    }
  });

  it('reads the edge-case touches as touchOf reads the full events', async () => {
    const all = (await read(store, siteId, { from: 0, to: NOW + DAY, lookbackMs: 0 })).map((s) => JSON.parse(s) as PersonJourney);
    const edge = all.flatMap((j) => j.touches).filter((t) => t.messageId.startsWith('edge'));
    // 4 sessions of edge-a, 2 touchpoints, 2 scans, edge-b's session (its handoff code is identity
    // evidence, not a touch), edge-u's 2 sessions (its page view without the SDK's session marker
    // continues the second); no bot session.
    expect(edge).toHaveLength(11);
    expect(edge.some((t) => (t.kind as string) === 'handoff')).toBe(false);
    // A database of an earlier version holds handoff refs: they are skipped too.
    const handoff = store.db.prepare("SELECT e.id, e.ts FROM events e WHERE e.event = 'Handoff Code Issued' AND e.site_id = ?").get(siteId) as { id: number; ts: number };
    const ident = store.db.prepare("SELECT r.ident FROM identity_refs r WHERE r.kind = 'session' LIMIT 1").pluck().get() as number;
    store.db.prepare("INSERT INTO identity_refs (ident, ts, event_id, kind) VALUES (?, ?, ?, 'handoff')").run(ident, handoff.ts, handoff.id);
    const again = (await read(store, siteId, { from: 0, to: NOW + DAY, lookbackMs: 0 })).map((s) => JSON.parse(s) as PersonJourney);
    expect(again.flatMap((j) => j.touches).filter((t) => t.messageId.startsWith('edge'))).toHaveLength(11);
    store.db.prepare("DELETE FROM identity_refs WHERE kind = 'handoff'").run();
    const u = all.find((j) => j.touches.some((t) => t.messageId === 'edge12'))!;
    expect(u.personId).toBe(personIdOf(siteId, ['anon:\u{10000}']));
    expect(u.touches).toHaveLength(2);
    expect(edge.find((t) => t.messageId === 'edge1')).toEqual({
      ts: expect.any(Number), kind: 'session', messageId: 'edge1',
      utm: { source: 'Google', medium: 'cpc', campaign: 'x', source_platform: 'sa360' },
      referrer: 'https://www.google.com/', pageHost: 'shop.example:8443', clickIds: { gclid: 'G1' },
    });
    expect(edge.find((t) => t.messageId === 'edge7')).toMatchObject({ kind: 'qr', qr: { code: '123', campaignId: '', personalised: false } });
    expect(edge.find((t) => t.messageId === 'edge5')).toMatchObject({ kind: 'offline', offline: { type: 'custom' } });
  });

  it('writes touch fields at ingest exactly as the migration fills them for older data', async () => {
    const snapshot = () => store.db.prepare('SELECT t.* FROM touch_fields t WHERE t.event_id IN (SELECT event_id FROM identity_refs) ORDER BY t.event_id').all();
    const atIngest = snapshot();
    // Every ref has its fields, none of another kind.
    expect(atIngest).toHaveLength((store.db.prepare('SELECT count(DISTINCT event_id) AS n FROM identity_refs').get() as { n: number }).n);
    expect(store.db.prepare('SELECT count(*) AS n FROM identity_refs r JOIN touch_fields t ON t.event_id = r.event_id WHERE t.kind <> r.kind').get()).toEqual({ n: 0 });
    // No row for a bot's session.
    expect(store.db.prepare("SELECT count(*) AS n FROM touch_fields t JOIN events e ON e.id = t.event_id WHERE e.bot = 1").get()).toEqual({ n: 0 });
    store.db.exec('DELETE FROM touch_fields');
    backfillTouchFields(store.db);
    expect(snapshot()).toEqual(atIngest);
  });

  it('falls back to the event when touch fields are missing or were written for another kind', async () => {
    const q = { from: NOW - 30 * DAY, to: NOW, lookbackMs: 30 * DAY };
    await store.stitched();
    const want = oracle(store, siteId, q.from, q.to, q.lookbackMs);
    store.db.exec("DELETE FROM touch_fields WHERE event_id % 3 = 0; UPDATE touch_fields SET kind = 'qr', touch = '{}' WHERE event_id % 3 = 1 AND kind = 'session'");
    expect(await read(store, siteId, q)).toEqual(want);
    store.db.exec("DELETE FROM touch_fields WHERE touch = '{}'");
    backfillTouchFields(store.db);
  });

  it('deletes touch fields with their event (erasure, retention)', async () => {
    const row = store.db.prepare("SELECT event_id FROM touch_fields WHERE kind = 'session' LIMIT 1").get() as { event_id: number };
    expect(row).toBeDefined();
    store.db.prepare('DELETE FROM identity_refs WHERE event_id = ?').run(row.event_id);
    store.db.prepare('DELETE FROM events WHERE id = ?').run(row.event_id);
    expect(store.db.prepare('SELECT count(*) AS n FROM touch_fields WHERE event_id = ?').get(row.event_id)).toEqual({ n: 0 });
  });

  it('reads funnel events (events: true) as a full read of the person\'s events gives them', async () => {
    const q = { from: NOW - 20 * DAY, to: NOW + DAY, lookbackMs: 10 * DAY, events: true };
    await store.stitched();
    const want = new Map<string, { name: string; ts: number }[]>();
    for (const [personId, rows] of rowsByPerson(store, siteId, q.from - q.lookbackMs, q.to)) {
      want.set(personId, rows.filter((r) => r.type === 'track' && r.event && r.bot === 0).map((r) => ({ name: r.event!, ts: r.ts })));
    }
    const got = [];
    for await (const j of store.journeys(siteId, { ...q, chunkSize: 7 })) got.push(j);
    expect(got.length).toBeGreaterThan(20);
    expect(got.filter((j) => j.events!.length > 0).length).toBeGreaterThan(20);
    for (const j of got) expect(j.events, j.personId).toEqual(want.get(j.personId));
    // edge-u: its product view once (it carries both IDs) and two signups, no bot event, no page view.
    const u = got.find((j) => j.personId === personIdOf(siteId, ['anon:\u{10000}']))!;
    expect(u.events!.map((e) => e.name)).toEqual(['Product Viewed', 'Newsletter Signup', 'Newsletter Signup']);
  });

  it('adds goal conversions: the goal events of the person\'s IDs in range, once each, no bots', async () => {
    const q = { from: NOW - 20 * DAY, to: NOW, lookbackMs: 10 * DAY };
    const goals = ['Product Added', 'Newsletter Signup'];
    await store.stitched();
    const goalsOf = new Map<string, Conversion[]>();
    for (const [personId, rows] of rowsByPerson(store, siteId, q.from, q.to)) {
      const hits = rows.filter((r) => r.type === 'track' && goals.includes(r.event!) && r.bot === 0);
      goalsOf.set(personId, hits.map((r) => {
        const v = (JSON.parse(r.properties) as { value?: unknown }).value;
        return { id: r.message_id, ts: r.ts, value: typeof v === 'number' && Number.isFinite(v) ? v : 1, channel: 'goal', status: 'completed' };
      }));
    }
    const without = new Map<string, PersonJourney>();
    for await (const j of store.journeys(siteId, q)) without.set(j.personId, j);
    let withGoals = 0;
    for await (const j of store.journeys(siteId, { ...q, goals, chunkSize: 7 })) {
      const base = without.get(j.personId);
      const want = [...(base?.conversions ?? []), ...(goalsOf.get(j.personId) ?? [])].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
      expect(j.conversions, j.personId).toEqual(want);
      expect(j.touches).toEqual(base?.touches ?? []);
      if (goalsOf.get(j.personId)?.length) withGoals++;
    }
    // Every person with a goal event is there, and the seeded shop has plenty of them.
    expect(withGoals).toBe([...goalsOf.values()].filter((c) => c.length).length);
    expect(withGoals).toBeGreaterThan(20);
    const u = personIdOf(siteId, ['anon:\u{10000}']);
    expect(goalsOf.get(u)!.map((c) => c.value)).toEqual([5, 1]);
  });

  it('gives the funnel report (only its steps\' events read) the funnel of every event', async () => {
    const site = { id: siteId, rules: [] };
    for (const steps of [undefined, 'Product Viewed,Product Added', 'Product Added,Product Viewed,Order Completed']) {
      const p = parseReportParams({ from: new Date(NOW - 20 * DAY).toISOString(), to: new Date(NOW).toISOString(), ...(steps ? { steps } : {}) }, NOW);
      const everything = store.journeys(siteId, { from: p.from, to: p.to + p.windowMs, lookbackMs: p.lookbackMs, events: true });
      const want = await funnel(everything, site, p);
      expect(want.steps[0].persons, steps).toBeGreaterThan(5);
      expect(await funnelReport(store, site, p), steps).toEqual(want);
    }
  });

  it('leaves persons without touches or conversions in range out', async () => {
    const q = { from: NOW + 10 * DAY, to: NOW + 20 * DAY, lookbackMs: 0 };
    expect(await read(store, siteId, q)).toEqual([]);
  });
});
