import { describe, expect, it } from 'vitest';
import { eachTransport } from '../test-utils/harness';
import { createCookieless } from './cookieless';
import type { Site } from '../store/core';

const site = (cookieless: boolean): Site => ({ id: 'st_1', name: 'S', origins: ['*'], writeKey: 'wk', createdAt: 0, settings: { cookieless } });
const page = { type: 'page', messageId: 'm1', name: 'Home', context: { omnitrail: { cookieless: true, consent: 'denied' }, page: { path: '/' } }, properties: { email: 'x@y.z' } };
const DAY = 86_400_000;

describe('cookieless visitor hash', () => {
  it('is stable within a UTC day, differs across days, sites, IPs and user agents, and keeps no properties', async () => {
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
