import { describe, expect, test } from 'vitest';
import type { HandoffResponse } from '@omnitrail/schema';
import { eachTransport, withCollector } from '../test-utils/harness';
import { checkChar, isValidWithCheck } from '../qr/check';
import { formatHandoffCode, generateHandoffCode } from '../qr/handoff-code';
import { ALPHABET } from '../qr/alphabet';

const DAY = 86_400_000;
// Node's fetch says "node", which isbot flags; the SDK runs in real browsers.
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

describe('POST /v1/handoff', () => {
  eachTransport('issues a checked code bound to the visitor and records a Handoff Code Issued event', async (fx) => {
    const t0 = Date.now();
    const res = await fx.post('/v1/handoff', { anonymousId: 'anon-1', consent: 'granted' }, { headers: { origin: 'https://shop.example', 'user-agent': CHROME } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const body: HandoffResponse = await res.json();
    expect(body.code).toMatch(new RegExp(`^[${ALPHABET}]{6}$`));
    expect(isValidWithCheck(body.code)).toBe(true);
    expect(body.display).toBe(formatHandoffCode(body.code));
    const exp = Date.parse(body.expiresAt);
    expect(exp).toBeGreaterThanOrEqual(t0 + 14 * DAY);
    expect(exp).toBeLessThanOrEqual(Date.now() + 14 * DAY);

    const rows = fx.store.db.prepare(`SELECT anonymous_id, consent, properties FROM events WHERE site_id = ? AND event = 'Handoff Code Issued'`).all(fx.site.id) as { anonymous_id: string; consent: string; properties: string }[];
    expect(rows).toHaveLength(1);
    expect(rows[0].anonymous_id).toBe('anon-1');
    expect(rows[0].consent).toBe('granted');
    expect(JSON.parse(rows[0].properties)).toMatchObject({ code: body.code, expires_at: body.expiresAt });

    // Same visitor → same code, no second event; another visitor → another code.
    const again: HandoffResponse = await (await fx.post('/v1/handoff', { anonymousId: 'anon-1' })).json();
    expect(again.code).toBe(body.code);
    const other: HandoffResponse = await (await fx.post('/v1/handoff', { anonymousId: 'anon-2' })).json();
    expect(other.code).not.toBe(body.code);
    expect(await fx.store.countEvents(fx.site.id)).toBe(2);

    // The code links the browser in the identity graph.
    const person = await fx.store.personOf(fx.site.id, { kind: 'handoff', value: body.code });
    expect(person?.identifiers).toEqual(expect.arrayContaining([{ kind: 'anon', value: 'anon-1' }]));
  });

  eachTransport('a server asking on a visitor\'s behalf (a bot-like User-Agent) gets a code that links like a browser\'s', async (fx) => {
    // Node's default User-Agent, which isbot flags: a shop backend calling for its visitor.
    const res = await fx.post('/v1/handoff', { anonymousId: 'anon-s', consent: 'granted' }, { headers: { 'user-agent': 'node' } });
    expect(res.status).toBe(200);
    const { code, display }: HandoffResponse = await res.json();
    const row = fx.store.db.prepare(`SELECT bot, ua_device FROM events WHERE site_id = ? AND event = 'Handoff Code Issued'`).get(fx.site.id);
    expect(row).toEqual({ bot: 0, ua_device: null });
    const order = await fx.post('/v1/orders', { order_id: 'S-1', revenue: 20, currency: 'EUR', timestamp: new Date().toISOString(), handoffCode: display }, { auth: 'secret' });
    expect(order.status, await order.clone().text()).toBe(200);
    const person = await fx.store.personOf(fx.site.id, { kind: 'order', value: 'S-1' });
    expect(person?.identifiers).toEqual(expect.arrayContaining([{ kind: 'anon', value: 'anon-s' }, { kind: 'handoff', value: code }]));
  });

  eachTransport('refuses bad requests with clear errors', async (fx) => {
    expect((await fx.post('/v1/handoff', { anonymousId: 'a' }, { auth: 'none' })).status).toBe(401);
    const noId = await fx.post('/v1/handoff', {});
    expect(noId.status).toBe(400);
    expect((await noId.json()).message).toMatch(/anonymousId/);
    expect((await fx.post('/v1/handoff', { anonymousId: 'undefined' })).status).toBe(400);
    expect((await fx.post('/v1/handoff', { anonymousId: 'x'.repeat(101) })).status).toBe(400);
    const denied = await fx.post('/v1/handoff', { anonymousId: 'a', consent: 'denied' });
    expect(denied.status).toBe(403);
    expect((await denied.json()).message).toMatch(/consent/);
    expect((await fx.post('/v1/handoff', { anonymousId: 'a' }, { headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect((await fx.post('/v1/handoff', 'x'.repeat(5000))).status).toBe(413);
    expect(await fx.store.countEvents(fx.site.id)).toBe(0);
  });

  test('rate-limited per visitor with Retry-After', () =>
    withCollector(
      async (fx) => {
        const codes = new Set<string>();
        for (let i = 0; i < 2; i++) {
          const r = await fx.post('/v1/handoff', { anonymousId: 'v' });
          expect(r.status).toBe(200);
          codes.add((await r.json()).code);
        }
        expect(codes.size).toBe(1);
        const limited = await fx.post('/v1/handoff', { anonymousId: 'v' });
        expect(limited.status).toBe(429);
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect((await fx.post('/v1/handoff', { anonymousId: 'w' })).status).toBe(200);
      },
      { handoff: { rateLimit: { perVisitor: { rate: 0.01, burst: 2 } } } },
    ));

  test('validity days and length are configurable', () =>
    withCollector(
      async (fx) => {
        const r: HandoffResponse = await (await fx.post('/v1/handoff', { anonymousId: 'a' })).json();
        expect(r.code).toHaveLength(8);
        expect(r.display).toMatch(/^.{4}-.{4}$/);
        expect(Date.parse(r.expiresAt)).toBe(1_800_000_000_000 + 3 * DAY);
      },
      { handoff: { validityDays: 3, length: 8 }, now: () => 1_800_000_000_000 },
    ));

  test('a site setting overrides the validity', () =>
    withCollector(
      async (fx) => {
        await fx.store.updateSiteSettings(fx.site.id, { handoffValidityDays: 30 });
        const r: HandoffResponse = await (await fx.post('/v1/handoff', { anonymousId: 'a' })).json();
        expect(Date.parse(r.expiresAt)).toBe(1_800_000_000_000 + 30 * DAY);
      },
      { handoff: { validityDays: 3 }, now: () => 1_800_000_000_000, siteCacheMs: 0 },
    ));
});

describe('handoff code lookup (staff typing a quoted code)', () => {
  eachTransport('valid, typo, swap, unknown and expired are told apart', async (fx) => {
    const issued: HandoffResponse = await (await fx.post('/v1/handoff', { anonymousId: 'anon-9' })).json();
    const ok = await fx.get(`/v1/handoff/${issued.display.toLowerCase()}`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ code: issued.code, display: issued.display });

    const c = issued.code;
    const typo = c.slice(0, 2) + (c[2] === 'A' ? 'B' : 'A') + c.slice(3);
    const r1 = await fx.get(`/v1/handoff/${typo}`);
    expect(r1.status).toBe(422);
    expect(await r1.json()).toMatchObject({ error: 'handoff_check', message: expect.stringMatching(/typo|swapped/) });
    const i = [0, 1, 2, 3, 4].find((k) => c[k] !== c[k + 1])!;
    const swap = c.slice(0, i) + c[i + 1] + c[i] + c.slice(i + 2);
    expect((await (await fx.get(`/v1/handoff/${swap}`)).json()).error).toBe('handoff_check');

    let unknown = generateHandoffCode();
    while (unknown === c) unknown = generateHandoffCode();
    const r2 = await fx.get(`/v1/handoff/${unknown}`);
    expect(await r2.json()).toMatchObject({ error: 'handoff_unknown', message: expect.stringMatching(/never issued/) });

    const later = new Date(Date.parse(issued.expiresAt) + 1000).toISOString();
    const r3 = await fx.get(`/v1/handoff/${c}?at=${later}`);
    expect(await r3.json()).toMatchObject({ error: 'handoff_expired', message: expect.stringMatching(/expired/) });
    // A record dated well before the code was issued: its own code, not "expired".
    const before = new Date(Date.parse(issued.expiresAt) - 15 * DAY).toISOString();
    const r4 = await fx.get(`/v1/handoff/${c}?at=${before}`);
    expect(r4.status).toBe(422);
    expect(await r4.json()).toMatchObject({ error: 'handoff_not_yet_issued', message: expect.stringMatching(/was issued on .*, after this record's time/) });
    // An order dated inside the validity (e.g. imported late) still accepts it.
    expect((await fx.get(`/v1/handoff/${c}?at=${Date.parse(issued.expiresAt) - 1000}`)).status).toBe(200);
    // Not ISO-8601 (Date.parse would read it as January 2), or a day the month lacks: refused.
    for (const at of ['01/02/2026', '2026-02-30T10:00:00Z']) expect((await fx.get(`/v1/handoff/${c}?at=${encodeURIComponent(at)}`)).status, at).toBe(400);

    expect((await (await fx.get('/v1/handoff/K0M-2QX')).json()).error).toBe('handoff_format');
    expect((await fx.get(`/v1/handoff/${c}`, { auth: 'write' })).status).toBe(401);
  });

  test('lookup from the store, as orders and touchpoints call it', () =>
    withCollector(async (fx) => {
      const { record } = await fx.store.issueHandoffCode(fx.site.id, 'anon-x', { now: 1_000_000, validityMs: DAY, length: 7 });
      expect(record.code).toHaveLength(7);
      expect(checkChar(record.code.slice(0, 6))).toBe(record.code[6]);
      expect(await fx.store.lookupHandoffCode(fx.site.id, formatHandoffCode(record.code), 2_000_000)).toEqual({ ok: true, record });
      const other = await fx.store.createSite({ name: 'Other', origins: ['*'] });
      expect(await fx.store.lookupHandoffCode(other.site.id, record.code, 2_000_000)).toMatchObject({ ok: false, reason: 'unknown' });
    }));
});
