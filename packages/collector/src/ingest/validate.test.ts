import { describe, expect, test } from 'vitest';
import { checkEvent, checkJsonValue, type Envelope } from './validate';
import { createUaCache } from './enrich';
import { correctTimestamp, parseIsoTime } from './time';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const env = (over: Partial<Envelope> = {}): Envelope => ({
  siteId: 'st_1',
  receivedAt: NOW,
  sentAt: null,
  sentAtRaw: null,
  context: null,
  endpointType: null,
  requestUa: null,
  uaOf: createUaCache(),
  country: null,
  ...over,
});
const base = { type: 'track', event: 'Viewed', anonymousId: 'a1', messageId: 'm1' };

function deep(n: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = { x: v };
  return v;
}

describe('checkEvent rejects', () => {
  const cases: [string, unknown, RegExp, Partial<Envelope>?][] = [
    ['a non-object', [1, 2], /JSON object/],
    ['null', null, /JSON object/],
    ['an unknown type', { ...base, type: 'click' }, /type must be one of/],
    ['a numeric type', { ...base, type: 1 }, /type must be one of/],
    ['a type other than the endpoint', { ...base, type: 'page' }, /sent to \/v1\/track/, { endpointType: 'track' }],
    ['a messageId of 101 characters', { ...base, messageId: 'x'.repeat(101) }, /messageId must be a string of 1 to 100/],
    ['an empty messageId', { ...base, messageId: '' }, /messageId/],
    ['a numeric messageId', { ...base, messageId: 7 }, /messageId/],
    ['no anonymousId nor userId', { ...base, anonymousId: undefined }, /anonymousId or userId is required/],
    ['an empty anonymousId and no userId', { ...base, anonymousId: '' }, /anonymousId or userId is required/],
    ['an object userId', { ...base, userId: { a: 1 } }, /userId must be a string/],
    ['a too long anonymousId', { ...base, anonymousId: 'a'.repeat(257) }, /anonymousId must be a string of at most 256/],
    ['track without event', { ...base, event: undefined }, /track needs "event"/],
    ['track with a numeric event', { ...base, event: 5 }, /track needs "event"/],
    ['a too long event name', { ...base, event: 'e'.repeat(257) }, /event must be at most 256/],
    ['page with a numeric name', { type: 'page', name: 3, anonymousId: 'a', messageId: 'p' }, /name must be a string/],
    ['alias without previousId', { type: 'alias', userId: 'u1', messageId: 'al' }, /alias needs "previousId"/],
    ['group without groupId', { type: 'group', userId: 'u1', messageId: 'g' }, /group needs "groupId"/],
    ['array properties', { ...base, properties: [1] }, /properties must be an object/],
    ['string traits', { type: 'identify', userId: 'u', messageId: 'i', traits: 'x' }, /traits must be an object/],
    ['string context', { ...base, context: 'x' }, /context must be an object/],
    ['a non-ISO timestamp', { ...base, timestamp: 'Tuesday' }, /timestamp must be an ISO-8601/],
    ['a US date', { ...base, timestamp: '03/01/2026' }, /timestamp must be an ISO-8601/],
    ['a numeric timestamp', { ...base, timestamp: 1767225600000 }, /timestamp must be an ISO-8601/],
    ['an impossible date', { ...base, timestamp: '2026-13-45T00:00:00Z' }, /timestamp must be an ISO-8601/],
    ['a non-ISO sentAt', { ...base, sentAt: 'now' }, /sentAt must be an ISO-8601/],
    ['a __proto__ key', JSON.parse('{"type":"track","event":"E","anonymousId":"a","messageId":"m","properties":{"__proto__":{"admin":true}}}'), /properties\.__proto__: forbidden key/],
    ['a constructor key', { ...base, properties: { a: { constructor: { prototype: 1 } } } }, /properties\.a\.constructor: forbidden key/],
    ['a lone high surrogate in a value', { ...base, properties: { q: 'ab\uD800c' } }, /properties\.q: string contains a lone UTF-16 surrogate/],
    ['a lone low surrogate in an id', { ...base, anonymousId: '\uDC00x' }, /anonymousId: string contains a lone/],
    ['a lone surrogate in a key', { ...base, properties: { ['k\uD83D']: 1 } }, /key contains a lone UTF-16 surrogate/],
    ['JSON nested 17 deep', { ...base, properties: deep(16) }, /nested deeper than 16/],
    ['a key of 257 characters', { ...base, properties: { ['k'.repeat(257)]: 1 } }, /key longer than 256/],
    ['an event over 32 KB of ASCII', { ...base, properties: { s: 'x'.repeat(33 * 1024) } }, /larger than 32 KB/],
    ['an event over 32 KB only in UTF-8 bytes', { ...base, properties: { s: 'é'.repeat(17 * 1024) } }, /larger than 32 KB/],
    // As /v1/orders refuses it, rather than storing an order of 0.
    ['an Order Completed with negative revenue', { ...base, event: 'Order Completed', properties: { order_id: 'W-1', revenue: -5 } }, /properties\.revenue must not be negative/],
    ['an Order Refunded with a negative total as text', { ...base, event: 'Order Refunded', properties: { order_id: 'W-1', total: '-5,00' } }, /properties\.total must not be negative/],
  ];
  test.each(cases)('%s', (_name, raw, reason, over) => {
    const r = checkEvent(raw, env(over));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  test('a rejected event keeps its messageId for the response', () => {
    const r = checkEvent({ ...base, event: undefined }, env());
    expect(r).toMatchObject({ ok: false, messageId: 'm1' });
  });
});

describe('checkEvent accepts', () => {
  test('order events with zero or unreadable amounts, and negative amounts on other events', () => {
    for (const properties of [{ order_id: 'W-1', revenue: 0 }, { order_id: 'W-1', revenue: 'n/a' }, { order_id: 'W-1' }]) {
      expect(checkEvent({ ...base, event: 'Order Completed', properties }, env()).ok).toBe(true);
    }
    expect(checkEvent({ ...base, event: 'Coupon Applied', properties: { revenue: -5 } }, env()).ok).toBe(true);
  });

  test('a plain track and maps it to a stored event', () => {
    const r = checkEvent({ ...base, properties: { price: 3 }, context: { ip: '203.0.113.9', page: { url: 'https://s/x' } } }, env());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event).toMatchObject({ siteId: 'st_1', messageId: 'm1', type: 'track', event: 'Viewed', anonymousId: 'a1', userId: null, timestamp: NOW, receivedAt: NOW, properties: { price: 3 }, bot: false, ua: null });
    expect(r.event.context).toEqual({ page: { url: 'https://s/x' } });
    expect('ip' in r.event.context).toBe(false);
  });

  test('nested 16 deep, 32 KB of multibyte text just under the limit, and astral characters', () => {
    expect(checkEvent({ ...base, properties: deep(14) }, env()).ok).toBe(true);
    expect(checkEvent({ ...base, properties: { s: 'é'.repeat(15 * 1024), e: '😀' } }, env()).ok).toBe(true);
  });

  test('the endpoint type when the body has none, numeric ids as strings', () => {
    const r = checkEvent({ event: 'E', userId: 42, messageId: 'm' }, env({ endpointType: 'track' }));
    expect(r.ok && r.event).toMatchObject({ type: 'track', userId: '42', anonymousId: null });
  });

  test('a missing messageId gets a server-made one', () => {
    const r = checkEvent({ ...base, messageId: undefined }, env());
    expect(r.ok && r.event.messageId).toMatch(/^srv-/);
  });

  test('alias keeps previousId, group keeps groupId and traits, identify keeps traits', () => {
    const a = checkEvent({ type: 'alias', userId: 'u1', previousId: 'anon-9', messageId: 'x' }, env());
    expect(a.ok && a.event.properties).toEqual({ previousId: 'anon-9' });
    const g = checkEvent({ type: 'group', userId: 'u1', groupId: 'g1', traits: { plan: 'pro' }, messageId: 'y' }, env());
    expect(g.ok && g.event).toMatchObject({ properties: { groupId: 'g1' }, traits: { plan: 'pro' } });
    const i = checkEvent({ type: 'identify', userId: 'u1', traits: { name: 'Jo' }, messageId: 'z' }, env());
    expect(i.ok && i.event.traits).toEqual({ name: 'Jo' });
  });

  test('page name becomes the event name', () => {
    const r = checkEvent({ type: 'page', name: 'Home', anonymousId: 'a', messageId: 'p' }, env());
    expect(r.ok && r.event.event).toBe('Home');
  });

  test('consent comes from context.omnitrail.consent, unknown values are null', () => {
    const g = checkEvent({ ...base, context: { omnitrail: { consent: 'granted' } } }, env());
    expect(g.ok && g.event.consent).toBe('granted');
    const x = checkEvent({ ...base, context: { omnitrail: { consent: 'yes' } } }, env());
    expect(x.ok && x.event.consent).toBe(null);
  });

  test('batch context is merged under the event context', () => {
    const r = checkEvent({ ...base, context: { locale: 'de' } }, env({ context: { library: { name: 'x', version: '1' }, locale: 'en', ip: '1.1.1.1' } }));
    expect(r.ok && r.event.context).toEqual({ library: { name: 'x', version: '1' }, locale: 'de' });
  });

  test('batch context.omnitrail is merged key by key: an event omnitrail of its own keeps the batch consent', () => {
    const batch = env({ context: { omnitrail: { consent: 'denied', v: 1 } } });
    const r = checkEvent({ ...base, context: { omnitrail: { sessionStart: true } } }, batch);
    expect(r.ok && r.event.consent).toBe('denied');
    expect(r.ok && r.event.context.omnitrail).toEqual({ consent: 'denied', v: 1, sessionStart: true });
    // both state a consent: the stricter wins, whichever side says it
    const up = checkEvent({ ...base, context: { omnitrail: { consent: 'granted' } } }, batch);
    expect(up.ok && up.event.consent).toBe('denied');
    const down = checkEvent({ ...base, context: { omnitrail: { consent: 'pending' } } }, env({ context: { omnitrail: { consent: 'granted' } } }));
    expect(down.ok && down.event.consent).toBe('pending');
    // other keys: the event wins
    const sid = checkEvent({ ...base, context: { omnitrail: { sessionId: 'e' } } }, env({ context: { omnitrail: { sessionId: 'b' } } }));
    expect(sid.ok && sid.event.context.omnitrail).toEqual({ sessionId: 'e' });
  });

  test('pii pre-check: false for an ordinary event, true for a contact key, an @ anywhere, a contact query parameter or an unchecked batch context', () => {
    const ordinary = {
      ...base,
      properties: { product_id: 'p-1', price: 19.99, currency: 'EUR' },
      context: { page: { url: 'https://shop.example/p/1?utm_source=x', path: '/p/1', title: 'Product' }, userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Mobile Safari', omnitrail: { consent: 'granted' } },
    };
    const pii = (raw: unknown, e = env()) => {
      const r = checkEvent(raw, e);
      if (!r.ok) throw new Error(r.reason);
      return r.pii;
    };
    expect(pii(ordinary)).toBe(false);
    expect(pii({ ...ordinary, properties: { customer: { Mobile: 'x' } } })).toBe(true);
    expect(pii({ ...ordinary, userId: 'a@b.co' })).toBe(true);
    expect(pii({ ...ordinary, context: { page: { search: '?tel=1' } } })).toBe(true);
    expect(pii(ordinary, env({ context: { library: { name: 'x' } }, contextPii: false }))).toBe(false);
    expect(pii(ordinary, env({ context: { library: { name: 'x' } } }))).toBe(true);
  });

  test('user agent: context.userAgent first, then the browser request UA; bots flagged', () => {
    const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
    const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
    const r1 = checkEvent({ ...base, context: { userAgent: iphone } }, env({ requestUa: chrome }));
    expect(r1.ok && r1.event.ua).toEqual({ browser: 'Mobile Safari', os: 'iOS', device: 'mobile' });
    const r2 = checkEvent(base, env({ requestUa: chrome }));
    expect(r2.ok && r2.event.ua).toEqual({ browser: 'Chrome', os: 'Windows', device: 'desktop' });
    const r3 = checkEvent({ ...base, context: { userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' } }, env());
    expect(r3.ok && r3.event).toMatchObject({ bot: true, ua: { device: 'bot' } });
    // Scanners isbot misses (EXTRA_BOT_PATTERNS) are flagged at ingest too: one classifier.
    const r4 = checkEvent({ ...base, context: { userAgent: 'Mozilla/5.0 (compatible; proofpoint)' } }, env());
    expect(r4.ok && r4.event).toMatchObject({ bot: true, ua: { device: 'bot' } });
  });
});

describe('timestamps', () => {
  test.each([
    ['2026-03-01T12:00:00Z', NOW],
    ['2026-03-01T12:00:00.000Z', NOW],
    ['2026-03-01T12:00:00.123456Z', NOW + 123],
    ['2026-03-01T13:00:00+01:00', NOW],
    ['2026-03-01T13:00:00+0100', NOW],
    ['2026-03-01T13:00:00+01', NOW],
    ['2026-03-01T12:00:00', NOW],
    ['2026-03-01 12:00:00Z', NOW],
    ['2026-03-01', Date.parse('2026-03-01T00:00:00Z')],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['2000-02-29T10:00:00Z', Date.UTC(2000, 1, 29, 10)],
    ['2026-01-31', Date.UTC(2026, 0, 31)],
    ['2026-12-31T23:59:59Z', Date.UTC(2026, 11, 31, 23, 59, 59)],
  ])('parseIsoTime(%s)', (s, want) => expect(parseIsoTime(s)).toBe(want));

  // Days the month lacks (Date.parse rolls them into the next month), and engine-specific formats.
  test.each(['', 'now', '1709294400', '2026-03-01T12:00:00 GMT', 'Sun, 01 Mar 2026 12:00:00 GMT', '2026-03-01T25:00:00Z', 'x'.repeat(50),
    '2026-02-29', '2026-02-30T10:00:00Z', '2100-02-29', '2026-04-31', '2026-06-31 08:00', '2026-09-31', '2026-11-31', '2026-01-32', '2026-13-01', '2026-00-10', '01.03.2026', '01/03/2026'])(
    'parseIsoTime(%j) is NaN',
    (s) => expect(parseIsoTime(s)).toBeNaN(),
  );

  test('clock skew: a client 1 h fast is corrected by receivedAt − sentAt', () => {
    const ts = NOW + 3_600_000 - 5_000;
    expect(correctTimestamp(ts, NOW + 3_600_000, NOW)).toBe(NOW - 5_000);
    const r = checkEvent({ ...base, timestamp: new Date(ts).toISOString(), sentAt: new Date(NOW + 3_600_000).toISOString() }, env());
    expect(r.ok && r.event).toMatchObject({ timestamp: NOW - 5_000, originalTimestamp: new Date(ts).toISOString() });
  });

  test('batch sentAt applies when the event has none; the event sentAt wins', () => {
    const ts = new Date(NOW - 60_000).toISOString();
    const r1 = checkEvent({ ...base, timestamp: ts }, env({ sentAt: NOW - 10_000, sentAtRaw: 'b' }));
    expect(r1.ok && r1.event).toMatchObject({ timestamp: NOW - 50_000, sentAt: 'b' });
    const own = new Date(NOW - 30_000).toISOString();
    const r2 = checkEvent({ ...base, timestamp: ts, sentAt: own }, env({ sentAt: NOW - 10_000, sentAtRaw: 'b' }));
    expect(r2.ok && r2.event).toMatchObject({ timestamp: NOW - 30_000, sentAt: own });
  });

  test('absurd future timestamps are clamped to receivedAt; old ones are kept', () => {
    const r = checkEvent({ ...base, timestamp: '2099-01-01T00:00:00Z' }, env());
    expect(r.ok && r.event.timestamp).toBe(NOW);
    const old = checkEvent({ ...base, timestamp: '2026-02-01T00:00:00Z' }, env());
    expect(old.ok && old.event.timestamp).toBe(Date.parse('2026-02-01T00:00:00Z'));
  });

  test('originalTimestamp without timestamp (RudderStack, Segment exports) is the event time, skew-corrected', () => {
    // Queued offline for 2 days on a client whose clock is 1 h fast.
    const orig = new Date(NOW + 3_600_000 - 2 * 86_400_000).toISOString();
    const sent = new Date(NOW + 3_600_000).toISOString();
    const r = checkEvent({ ...base, originalTimestamp: orig, sentAt: sent }, env());
    expect(r.ok && r.event).toMatchObject({ timestamp: NOW - 2 * 86_400_000, originalTimestamp: orig });
    // timestamp wins when both are sent; a malformed originalTimestamp is refused like a malformed timestamp.
    const both = checkEvent({ ...base, timestamp: new Date(NOW - 5_000).toISOString(), originalTimestamp: orig }, env());
    expect(both.ok && both.event.timestamp).toBe(NOW - 5_000);
    expect(checkEvent({ ...base, originalTimestamp: 'yesterday' }, env())).toEqual({ ok: false, messageId: 'm1', reason: 'originalTimestamp must be an ISO-8601 date-time string' });
  });

  test("an event older than the site's retention is rejected (the hourly purge would delete it right after the 200)", () => {
    const DAY = 86_400_000;
    const e = env({ oldest: NOW - 760 * DAY });
    const old = checkEvent({ ...base, timestamp: new Date(NOW - 800 * DAY).toISOString() }, e);
    expect(old).toMatchObject({ ok: false, messageId: 'm1', reason: expect.stringMatching(/^timestamp is older than the site's retention \(760 days\)/) });
    expect(checkEvent({ ...base, timestamp: new Date(NOW - 700 * DAY).toISOString() }, e).ok).toBe(true);
    // Go's and .NET's zero dates.
    expect(checkEvent({ ...base, timestamp: '0001-01-01T00:00:00Z' }, e).ok).toBe(false);
    // A sane timestamp made ancient by an absurd sentAt (a clock fixed between the event and its send).
    const skewed = checkEvent({ ...base, timestamp: new Date(NOW - 5_000).toISOString(), sentAt: '9999-12-31T23:59:59Z' }, e);
    expect(skewed).toMatchObject({ ok: false, reason: expect.stringContaining('after clock-skew correction by sentAt') });
    // Without a retention bound (other callers) any age is kept.
    expect(checkEvent({ ...base, timestamp: '0001-01-01T00:00:00Z' }, env()).ok).toBe(true);
  });

  test('no timestamp: the event happened when received', () => {
    const r = checkEvent(base, env());
    expect(r.ok && r.event).toMatchObject({ timestamp: NOW, originalTimestamp: null });
  });
});

test('checkJsonValue reports the path of the offending value', () => {
  expect(checkJsonValue({ a: [{ b: '\uD800' }] })).toBe('.a[0].b: string contains a lone UTF-16 surrogate');
  expect(checkJsonValue({ ok: [1, 'x', null, true] })).toBe(null);
});

test('context: userAgent and ip are dropped after classification; the batch userAgent counts too', () => {
  const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
  const r = checkEvent({ ...base, context: { locale: 'de' } }, env({ context: { userAgent: iphone, ip: '1.2.3.4', locale: 'en', page: { url: 'u' } } }));
  expect(r.ok && r.event.context).toEqual({ page: { url: 'u' }, locale: 'de' });
  expect(r.ok && r.event.ua).toEqual({ browser: 'Mobile Safari', os: 'iOS', device: 'mobile' });
  const own = { page: { url: 'v' } };
  const r2 = checkEvent({ ...base, context: own }, env());
  expect(r2.ok && r2.event.context).toBe(own); // nothing to drop: no copy
});

test('context: userAgentData (the user agent as client hints) is dropped, from the event and from the batch', () => {
  // What analytics.js (@segment/analytics-next) sends with highEntropyValuesClientHints: as
  // identifying as the user-agent string that PRIVACY.md says is never stored.
  const hints = { brands: [{ brand: 'Chromium', version: '156' }], mobile: true, platform: 'Android', model: 'Pixel 7', platformVersion: '14.0.0' };
  const r = checkEvent({ ...base, context: { locale: 'de', userAgentData: hints } }, env());
  expect(r.ok && r.event.context).toEqual({ locale: 'de' });
  const r2 = checkEvent({ ...base, context: { locale: 'de' } }, env({ context: { userAgentData: hints, page: { url: 'u' } } }));
  expect(r2.ok && r2.event.context).toEqual({ page: { url: 'u' }, locale: 'de' });
});
