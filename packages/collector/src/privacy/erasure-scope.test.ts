import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { withCollector, type CollectorFixture } from '../test-utils/harness';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
// A browser user agent: a request without one is flagged as a bot and never stitched.
const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' };
const T0 = Date.now() - 3_600_000;
const at = (min: number) => new Date(T0 + min * 60_000).toISOString();

async function ok(res: Response, status = 200) {
  const body = await res.text();
  expect(res.status, body).toBe(status);
  return body ? JSON.parse(body) : null;
}

const erase = (fx: CollectorFixture, q: string) => fx.fetch(`/v1/persons?${q}`, { method: 'DELETE', headers: { authorization: fx.secretAuth } });

/** Every table, every column: where `needle` still appears. */
function mentions(fx: CollectorFixture, needle: string): string[] {
  const tables = fx.store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  const hits: string[] = [];
  for (const table of tables) {
    for (const row of fx.store.db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]) {
      for (const [col, v] of Object.entries(row)) if (v != null && String(v).includes(needle)) hits.push(`${table}.${col}`);
    }
  }
  return hits;
}

/** QA's shared device: U1 then U2 identify (own e-mail) and order on one anonymous ID. */
async function sharedDevice(fx: CollectorFixture) {
  const c = { omnitrail: { consent: 'granted' } };
  const S = 'anon-shared';
  const res = await ok(
    await fx.post(
      '/v1/batch',
      {
        batch: [
          { type: 'page', name: 'u1-before-login', messageId: 'm1', anonymousId: S, timestamp: at(0), context: { omnitrail: { consent: 'granted', sessionStart: true } } },
          { type: 'identify', messageId: 'm2', anonymousId: S, userId: 'U1', traits: { email: 'u1@example.org' }, timestamp: at(1), context: c },
          { type: 'track', event: 'Order Completed', messageId: 'm3', anonymousId: S, userId: 'U1', properties: { order_id: 'W-U1', revenue: 11 }, timestamp: at(2), context: c },
          { type: 'identify', messageId: 'm4', anonymousId: S, userId: 'U2', traits: { email: 'u2@example.org' }, timestamp: at(4), context: c },
          { type: 'track', event: 'Order Completed', messageId: 'm5', anonymousId: S, userId: 'U2', properties: { order_id: 'W-U2', revenue: 22 }, timestamp: at(5), context: c },
          { type: 'page', name: 'u2-page', messageId: 'm6', anonymousId: S, userId: 'U2', timestamp: at(6), context: c },
        ],
      },
      { headers: UA },
    ),
  );
  expect(res.accepted).toBe(6);
}

describe('a shared device: export and profiles show only the person’s own data', () => {
  test('export of U1 holds none of U2’s events, e-mail hash or order; erasure agrees', () =>
    withCollector(async (fx) => {
      await sharedDevice(fx);
      const u1 = await ok(await fx.get('/v1/persons/export?userId=U1'));
      expect(u1.events.map((e: { messageId: string }) => e.messageId)).toEqual(['m1', 'm2', 'm3']);
      expect(u1.orders.map((o: { order_id: string }) => o.order_id)).toEqual(['W-U1']);
      const text = JSON.stringify(u1);
      for (const foreign of ['U2', sha('u2@example.org'), 'W-U2', 'u2-page']) expect(text, foreign).not.toContain(foreign);

      const u2 = await ok(await fx.get('/v1/persons/export?userId=U2'));
      expect(u2.events.map((e: { messageId: string }) => e.messageId)).toEqual(['m4', 'm5', 'm6']);

      const profile = await ok(await fx.get('/v1/profiles?userId=U1'));
      expect(JSON.stringify(profile.recentPages)).not.toContain('u2-page');
      expect(JSON.stringify(profile)).not.toContain(sha('u2@example.org'));

      // Erasing U1 removes exactly what the export showed, and keeps U2's events and order.
      const erased = await ok(await erase(fx, 'userId=U1'));
      expect(erased.erased).toMatchObject({ events: 3, ordersAnonymised: 1 });
      const left = fx.store.db.prepare('SELECT message_id FROM events ORDER BY id').pluck().all();
      expect(left).toEqual(['m4', 'm5', 'm6']);
      expect(fx.store.db.prepare("SELECT count(*) FROM events WHERE anonymous_id = 'anon-shared'").pluck().get()).toBe(0);
      expect((await ok(await fx.get('/v1/orders/W-U2'))).revenue).toBe(22);
    }));
});

test('a later update of the other customer’s order does not bring the erased identifiers back', () =>
  withCollector(async (fx) => {
    await sharedDevice(fx);
    // U2's server record of the same order also names U1's e-mail (a typo at the till, say).
    const put = await ok(await fx.post('/v1/orders', { order_id: 'W-U2', channel: 'web', revenue: 22, userId: 'U2', email: 'u1@example.org', timestamp: at(5) }, { auth: 'secret' }));
    expect(put.rejected).toEqual([]);
    await ok(await erase(fx, 'userId=U1'));
    const refund = await ok(await fx.post('/v1/orders', { order_id: 'W-U2', status: 'refunded', revenue: 0, timestamp: at(30) }, { auth: 'secret' }));
    expect(refund.rejected).toEqual([]);
    const order = await ok(await fx.get('/v1/orders/W-U2'));
    expect(order.status).toBe('refunded');
    expect(order.identifiers).toContainEqual({ kind: 'user', value: 'U2' });
    for (const n of ['anon-shared', sha('u1@example.org')]) expect(mentions(fx, n), n).toEqual([]);
  }));

describe('events that were never stitched are the person’s too', () => {
  /** Identify with consent denied: nothing reaches the identity graph. */
  async function unstitched(fx: CollectorFixture, consent: string, headers: Record<string, string> = UA, mid = 'd') {
    const c = { omnitrail: { consent } };
    const res = await ok(
      await fx.post(
        '/v1/batch',
        {
          batch: [
            { type: 'page', messageId: `${mid}1`, anonymousId: 'anon-D', timestamp: at(0), context: c },
            { type: 'identify', messageId: `${mid}2`, anonymousId: 'anon-D', userId: 'user-D', traits: { email: 'd@example.org', phone: '+49301234567' }, timestamp: at(1), context: c },
            // The same user on a second browser, still without consent.
            { type: 'track', event: 'Product Viewed', messageId: `${mid}3`, anonymousId: 'anon-D2', userId: 'user-D', timestamp: at(2), context: c },
          ],
        },
        { headers },
      ),
    );
    expect(res.accepted).toBe(3);
    expect(await fx.store.personOf(fx.site.id, { kind: 'anon', value: 'anon-D' })).toBeNull();
  }
  const needles = ['anon-D', 'user-D', sha('d@example.org')];

  for (const [name, q] of [
    ['anonymous ID', 'anonymousId=anon-D'],
    ['e-mail', 'email=d@example.org'],
    ['phone', 'phone=%2B49301234567'],
    ['user ID', 'userId=user-D'],
  ] as const) {
    test(`consent denied: export and erase by ${name} find every event`, () =>
      withCollector(async (fx) => {
        await unstitched(fx, 'denied');
        const exported = await ok(await fx.get(`/v1/persons/export?${q}`));
        expect(exported.events.map((e: { messageId: string }) => e.messageId)).toEqual(['d1', 'd2', 'd3']);
        const erased = await ok(await erase(fx, q));
        expect(erased.erased.events).toBe(3);
        for (const n of needles) expect(mentions(fx, n), n).toEqual([]);
        expect((await fx.get(`/v1/persons/export?${q}`)).status).toBe(404);
      }));
  }

  test('pending consent and bot-flagged events too', () =>
    withCollector(async (fx) => {
      await unstitched(fx, 'pending');
      expect((await ok(await erase(fx, 'email=d@example.org'))).erased.events).toBe(3);
      // A crawler (the user agent of a browser request, one with an Origin): flagged as a bot, never stitched.
      const bot = { origin: 'https://shop.example', 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' };
      await unstitched(fx, 'granted', bot, 'b');
      expect((await ok(await erase(fx, 'anonymousId=anon-D'))).erased.events).toBe(3);
      for (const n of needles) expect(mentions(fx, n), n).toEqual([]);
    }));

  test('an unstitched user ID next to a stitched person joins it only if the person has none', () =>
    withCollector(async (fx) => {
      const g = { omnitrail: { consent: 'granted' } };
      const d = { omnitrail: { consent: 'denied' } };
      await ok(
        await fx.post(
          '/v1/batch',
          {
            batch: [
              { type: 'identify', messageId: 'k1', anonymousId: 'anon-K', userId: 'user-K', timestamp: at(0), context: g },
              // Someone else logs in on this browser without consent: not the person's.
              { type: 'identify', messageId: 'k2', anonymousId: 'anon-K', userId: 'user-X', traits: { email: 'xavier@example.org' }, timestamp: at(1), context: d },
            ],
          },
          { headers: UA },
        ),
      );
      const k = await ok(await fx.get('/v1/persons/export?userId=user-K'));
      expect(k.events.map((e: { messageId: string }) => e.messageId)).toEqual(['k1']);
      expect(JSON.stringify(k)).not.toContain(sha('xavier@example.org'));
      // user-X is asked for directly: its event is found by e-mail, and it is theirs.
      const x = await ok(await fx.get('/v1/persons/export?email=xavier@example.org'));
      expect(x.events.map((e: { messageId: string }) => e.messageId)).toEqual(['k2']);
    }));
});

test('lookups by hashed e-mail / phone use their partial indexes, not a scan of the log', () =>
  withCollector(async (fx) => {
    for (const field of ['email_sha256', 'phone_sha256']) {
      const plan = fx.store.db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT id FROM events WHERE site_id = ? AND json_extract(traits, '$.${field}') = ?
           AND type = 'identify' AND json_extract(traits, '$.${field}') IS NOT NULL`,
        )
        .all(fx.site.id, 'x') as { detail: string }[];
      expect(plan.map((p) => p.detail).join('\n')).toContain(`USING INDEX events_identify_${field.slice(0, 5)}`);
    }
  }));
