// Issue 4's property test: the same events (web visits, QR scans, web orders, server orders,
// offline touchpoints, handoffs) ingested in many random orders and batchings give identical
// persons, links and attribution report numbers.
import { describe, expect, it } from 'vitest';
import { attribute } from '../../attribution/engine';
import { applyOrders } from '../../orders/apply';
import type { StoredEvent } from '../core';
import { tempDbPath } from '../../test-utils/harness';
import { openSqliteStore, type SqliteStore } from './index';
import { prng as rng, shuffle } from '../../demo/random';
import { seededScanToken } from '../../qr/token';

/** Seeded PRNG (mulberry32). */

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 1, 1);
const NOW = T0 + 40 * DAY;

/** One ingestion unit: a web/scan/touchpoint event, or a server order. */
type Item = { ev: Omit<StoredEvent, 'siteId'> } | { order: Record<string, unknown> };

function scenario(r: () => number): Item[] {
  const items: Item[] = [];
  const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const anons = Array.from({ length: 12 }, (_, i) => `a${i}`);
  let m = 0;
  const ev = (p: Partial<StoredEvent>) =>
    items.push({
      ev: {
        messageId: `e${++m}`, type: 'track', event: 'Clicked', anonymousId: null, userId: null, timestamp: T0 + Math.floor(r() * 30) * DAY + Math.floor(r() * 3) * 1000,
        originalTimestamp: null, receivedAt: NOW, sentAt: null, consent: 'granted', bot: false, ua: null, country: null, context: {}, properties: {}, traits: {}, ...p,
      },
    });
  for (let i = 0; i < 90; i++) {
    const anon = pick(anons);
    switch (Math.floor(r() * 8)) {
      case 0:
      case 1:
        ev({ type: 'page', event: null, anonymousId: anon, context: { omnitrail: { sessionStart: true }, campaign: pick([{ source: 'google', medium: 'cpc' }, { source: 'newsletter', medium: 'email' }, {}]), page: { url: 'https://shop.example/', referrer: pick(['', 'https://www.google.com/']) } } });
        break;
      case 2:
        ev({ type: 'identify', event: null, anonymousId: anon, userId: pick(['C1', 'C2', 'C3', null]), traits: { loyalty_id: pick(['L1', 'L2', 'L3', 'L4']) } });
        break;
      case 3: {
        const tok = seededScanToken(rng(i), Date.UTC(2100, 0, 1)); // a real token (format + expiry)
        ev({ event: 'QR Code Scanned', properties: { scan_token: tok, code: 'Q1', campaign_id: 'cmp', campaign_name: 'Letter', recipient_ref: pick(['R1', 'R2']), personalised: true } });
        ev({ type: 'page', event: null, anonymousId: anon, context: { omnitrail: { scanToken: tok, sessionStart: true }, campaign: { source: 'letter', medium: 'direct_mail' } } });
        break;
      }
      case 4:
        ev({ event: 'Handoff Code Issued', anonymousId: anon, properties: { code: `H${i}` } });
        ev({ event: 'Offline Touchpoint', properties: { touchpoint_type: pick(['store_visit', 'phone_call']), location: 'berlin', identifiers: { handoffCode: `H${i}`, loyaltyId: r() < 0.3 ? pick(['L1', 'L2']) : undefined } } });
        break;
      case 5:
        ev({ event: 'Order Completed', anonymousId: anon, properties: { order_id: `W${i}`, revenue: 10 + (i % 7), currency: 'EUR' } });
        break;
      default:
        items.push({ order: { order_id: `S${i}`, channel: pick(['store', 'phone']), timestamp: T0 + Math.floor(r() * 30) * DAY, revenue: 20 + (i % 5), currency: 'EUR', loyaltyId: pick(['L1', 'L2', 'L3', 'L4']), userId: r() < 0.2 ? pick(['C1', 'C2']) : undefined } });
        // Some server orders repeat a web order: one order, identifiers merged.
        if (r() < 0.3) items.push({ order: { order_id: `W${i - 1}`, channel: 'web', timestamp: T0 + Math.floor(r() * 30) * DAY, revenue: 12, currency: 'EUR', loyaltyId: pick(['L1', 'L2']) } });
    }
  }
  return items;
}

async function ingest(items: Item[], r: () => number): Promise<{ store: SqliteStore; siteId: string }> {
  const store = openSqliteStore(tempDbPath(), { flushMs: 1 });
  const { site } = await store.createSite({ name: 'Shop', origins: ['https://shop.example'] });
  for (let i = 0; i < items.length; ) {
    const n = 1 + Math.floor(r() * 12);
    const chunk = items.slice(i, i + n);
    i += n;
    const events = chunk.flatMap((x) => ('ev' in x ? [{ ...x.ev, siteId: site.id }] : []));
    const orders = chunk.flatMap((x) => ('order' in x ? [x.order] : []));
    // Events and orders of a chunk race each other, as concurrent requests would.
    const [, res] = await Promise.all([store.appendEvents(events), applyOrders(store, site.id, orders, { now: NOW })]);
    expect(res.rejected).toEqual([]);
  }
  return { store, siteId: site.id };
}

async function outcome(store: SqliteStore, siteId: string) {
  await store.stitched();
  const rows = store.db.prepare('SELECT kind, value, person FROM identity_ids WHERE site_id = ?').all(siteId) as { kind: string; value: string; person: number }[];
  const persons = new Map<number, string[]>();
  for (const x of rows) persons.set(x.person, [...(persons.get(x.person) ?? []), `${x.kind}:${x.value}`]);
  const links = (store.db
    .prepare(`SELECT ia.kind || ':' || ia.value AS a, ib.kind || ':' || ib.value AS b, l.status, l.reason, l.src_type, l.src_ref, l.rule FROM identity_links l JOIN identity_ids ia ON ia.id = l.a JOIN identity_ids ib ON ib.id = l.b WHERE l.site_id = ?`)
    .all(siteId) as Record<string, string>[])
    .map((l) => `${[l.a, l.b].sort().join('|')} ${l.status} ${l.reason} ${l.src_type}:${l.src_ref} ${l.rule}`)
    .sort();
  const res = await attribute(store.journeys(siteId, { from: T0, to: NOW, lookbackMs: 30 * DAY }), { from: T0, to: NOW, lookbackMs: 30 * DAY });
  const report = {
    persons: res.persons,
    orders: res.orders.map((o) => ({ id: o.path.conversion.id, value: o.valueMicros, channels: o.path.touches.map((t) => t.channel), credits: o.credits })),
    removal: Object.fromEntries(Object.entries(res.removalEffects).map(([k, v]) => [k, v.toFixed(9)])),
    markov: Object.fromEntries(Object.entries(res.markovTotals).map(([k, v]) => [k, [v.conversions.toFixed(6), v.value.toFixed(6)]])),
  };
  return { persons: [...persons.values()].map((p) => p.sort().join(' ')).sort(), links, report };
}

describe('identity + orders + attribution: order independence', () => {
  it('gives identical persons, links and report numbers for 2 scenarios × 3 random orders', async () => {
    const r = rng(99);
    for (let s = 0; s < 2; s++) {
      const items = scenario(rng(500 + s));
      const first = await ingest(items, r);
      const want = await outcome(first.store, first.siteId);
      await first.store.close();
      // The scenario exercises what it claims: merges, refusals, offline and web orders.
      expect(want.links.some((l) => l.includes(' refused '))).toBe(true);
      expect(want.links.some((l) => l.includes('order-identifiers'))).toBe(true);
      expect(want.report.orders.length).toBeGreaterThan(10);
      const channels = new Set(want.report.orders.flatMap((o) => o.channels));
      expect([...channels]).toEqual(expect.arrayContaining(['Direct Mail', 'Store']));
      expect(want.report.orders.some((o) => new Set(o.channels).size > 1)).toBe(true);
      for (let p = 0; p < 3; p++) {
        const { store, siteId } = await ingest(shuffle(items, r), r);
        const got = await outcome(store, siteId);
        await store.close();
        expect(got.persons).toEqual(want.persons);
        expect(got.links).toEqual(want.links);
        expect(got.report).toEqual(want.report);
      }
    }
  });
});
