import { describe, expect, it } from 'vitest';
import { eachTransport } from '../test-utils/harness';
import { cookielessContext, createCookieless } from './cookieless';
import type { Site } from '../store/core';

const site = (cookieless: boolean): Site => ({ id: 'st_1', name: 'S', origins: ['*'], writeKey: 'wk', createdAt: 0, settings: { cookieless } });
const page = { type: 'page', messageId: 'm1', name: 'Home', context: { omnitrail: { cookieless: true, consent: 'denied' }, page: { path: '/' } }, properties: { email: 'x@y.z' } };
const DAY = 86_400_000;

describe('cookieless visitor hash', () => {
  it('is stable within a day, differs across days, sites, IPs and user agents, and keeps no properties', async () => {
    const ck = createCookieless();
    const t = Date.UTC(2026, 10, 26, 9);
    const a = await ck.prepare(page, site(true), '203.0.113.9', 'UA-1', t);
    const b = await ck.prepare(page, site(true), '203.0.113.9', 'UA-1', t + 3_600_000);
    const otherIp = await ck.prepare(page, site(true), '203.0.113.10', 'UA-1', t);
    const otherUa = await ck.prepare(page, site(true), '203.0.113.9', 'UA-2', t);
    const tomorrow = await ck.prepare(page, site(true), '203.0.113.9', 'UA-1', t + DAY);
    if (!a.ok || !b.ok || !otherIp.ok || !otherUa.ok || !tomorrow.ok) throw new Error('expected ok');
    expect(a.raw.anonymousId).toMatch(/^ck_[0-9a-f]{24}$/);
    expect(b.raw.anonymousId).toBe(a.raw.anonymousId);
    expect(new Set([a, otherIp, otherUa, tomorrow].map((r) => (r.ok ? r.raw.anonymousId : '')).values()).size).toBe(4);
    expect(a.raw.properties).toEqual({});
    expect(JSON.stringify(a.raw)).not.toContain('203.0.113.9');
    // Even going back to the same day later cannot recompute yesterday's hash: the salt is gone.
    const back = await ck.prepare(page, site(true), '203.0.113.9', 'UA-1', t);
    expect(back.ok && back.raw.anonymousId).not.toBe(a.raw.anonymousId);
  });

  it("lives one day of the site's time zone: the same hash across UTC midnight in Los Angeles, a new one at local midnight", async () => {
    const ck = createCookieless();
    const la: Site = { ...site(true), settings: { cookieless: true, timezone: 'America/Los_Angeles' } };
    const hash = async (s: Site, t: number) => {
      const r = await ck.prepare(page, s, '203.0.113.9', 'UA-1', t);
      if (!r.ok) throw new Error(r.reason);
      return r.raw.anonymousId;
    };
    // 15:30 and 17:30 on 26 November in Los Angeles (PST, UTC−8): either side of UTC midnight.
    const before = Date.UTC(2026, 10, 27, 0, 30) - 3_600_000;
    const after = Date.UTC(2026, 10, 27, 1, 30);
    expect(await hash(la, after)).toBe(await hash(la, before));
    // A UTC site's day ends at UTC midnight.
    expect(await hash(site(true), after)).not.toBe(await hash(site(true), before));
    // Los Angeles midnight (08:00 UTC on the 27th): a new day, a new hash, and the old salt is gone.
    const nextLocalDay = Date.UTC(2026, 10, 27, 8, 1);
    const laBefore = await hash(la, before);
    expect(await hash(la, nextLocalDay)).not.toBe(laBefore);
    expect(await hash(la, before)).not.toBe(laBefore);
  });

  it('refuses when the site has not opted in, for non-page events and for events with IDs', async () => {
    const ck = createCookieless();
    expect(await ck.prepare(page, site(false), null, null, 0)).toMatchObject({ ok: false, reason: expect.stringMatching(/off for this site/) });
    expect(await ck.prepare({ ...page, type: 'track' }, site(true), null, null, 0)).toMatchObject({ ok: false, reason: expect.stringMatching(/page events only/) });
    expect(await ck.prepare({ ...page, anonymousId: 'a' }, site(true), null, null, 0)).toMatchObject({ ok: false, reason: expect.stringMatching(/must not carry/) });
  });
});

describe('cookieless ingest', () => {
  eachTransport('denied-consent page views are counted with a daily hash, never stitched, never stored with PII', async (fx) => {
    // Not opted in: rejected individually, batch-mates unaffected.
    let res = await (await fx.post('/v1/batch', { batch: [page, { type: 'page', messageId: 'm2', anonymousId: 'a-1' }] })).json();
    expect(res).toMatchObject({ accepted: 1, rejected: [{ index: 0, messageId: 'm1', reason: expect.stringMatching(/off for this site/) }] });

    await fx.store.updateSiteSettings(fx.site.id, { ...fx.site.settings, cookieless: true });
    res = await (await fx.post('/v1/batch', { batch: [{ ...page, messageId: 'm3' }, { ...page, messageId: 'm4' }] }, { headers: { 'user-agent': 'Mozilla/5.0 Chrome/131' } })).json();
    expect(res).toMatchObject({ accepted: 2, rejected: [] });
    const rows = fx.store.db.prepare("SELECT anonymous_id, consent, properties FROM events WHERE anonymous_id LIKE 'ck_%'").all() as { anonymous_id: string; consent: string; properties: string }[];
    expect(rows).toHaveLength(2);
    // Same visitor (IP + UA), same day: one hash, so page counts can count unique visitors.
    expect(rows[0].anonymous_id).toBe(rows[1].anonymous_id);
    for (const r of rows) {
      expect(r.consent).toBe('denied');
      expect(r.properties).toBe('{}');
      expect(await fx.store.personOf(fx.site.id, { kind: 'anon', value: r.anonymous_id })).toBeNull();
    }
  }, { siteCacheMs: 0 });
});

const leaky = {
  type: 'page', messageId: 'ck-leak', name: 'Checkout',
  context: {
    omnitrail: { cookieless: true, consent: 'denied', sessionId: 's-1', scanToken: 't', gclid: 'g-1' },
    ip: '192.0.2.55',
    page: { path: '/thanks', title: 'Thanks', url: 'https://shop.example/thanks?email=ck2.url%40example.org&order=CK-9&utm_source=nl#ck-frag', search: '?email=ck2.url%40example.org&utm_source=nl', referrer: 'https://mail.example/inbox?to=ck3.ref@example.org' },
    traits: { email: 'ck4.ctx@example.org', name: 'CK5 Person', userId: 'ck6-user' },
    device: { id: 'ck7-device-id', advertisingId: 'ck8-adid' },
    campaign: { source: 'nl', medium: 'email', name: 'spring', extra: 'x' },
    screen: { width: 1234, height: 567 },
    timezone: 'Europe/Berlin',
    locale: 'de-DE',
  },
};

describe('cookielessContext', () => {
  it('keeps page facts, campaign and locale only: no traits, device IDs, session or click IDs, no query beyond utm_*', () => {
    expect(cookielessContext(leaky.context)).toEqual({
      page: { path: '/thanks', title: 'Thanks', url: 'https://shop.example/thanks?utm_source=nl', search: '?utm_source=nl', referrer: 'https://mail.example/' },
      campaign: { source: 'nl', medium: 'email', name: 'spring' },
      locale: 'de-DE',
      omnitrail: { consent: 'denied', cookieless: true },
    });
    expect(cookielessContext(undefined)).toEqual({ omnitrail: { consent: 'denied', cookieless: true } });
    expect(cookielessContext({ page: { url: 'javascript:alert(1)', referrer: 'not a url' } })).toEqual({ page: {}, omnitrail: { consent: 'denied', cookieless: true } });
  });
});

describe('cookieless ingest keeps nothing identifying', () => {
  eachTransport('neither the event nor the batch context brings traits, device IDs or e-mail-bearing URLs into storage', async (fx) => {
    await fx.store.updateSiteSettings(fx.site.id, { ...fx.site.settings, cookieless: true });
    const res = await fx.post(
      '/v1/batch',
      { context: { traits: { email: 'ck9.batch@example.org', name: 'CK10 Batch' }, device: { id: 'ck11-batch-device' } }, batch: [leaky] },
      { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36' } },
    );
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: [] });
    const row = fx.store.db.prepare("SELECT * FROM events WHERE message_id = 'ck-leak'").get() as Record<string, unknown>;
    expect(JSON.parse(row.context as string)).toEqual({
      page: { path: '/thanks', title: 'Thanks', url: 'https://shop.example/thanks?utm_source=nl', search: '?utm_source=nl', referrer: 'https://mail.example/' },
      campaign: { source: 'nl', medium: 'email', name: 'spring' },
      locale: 'de-DE',
      omnitrail: { consent: 'denied', cookieless: true },
    });
    const dump = JSON.stringify(row);
    for (const s of ['ck2', 'ck3', 'ck4', 'CK5', 'ck6', 'ck7', 'ck8', 'ck9', 'CK10', 'ck11', 'CK-9', 's-1', 'g-1', '192.0.2.55']) expect(dump).not.toContain(s);
  }, { siteCacheMs: 0 });
});
