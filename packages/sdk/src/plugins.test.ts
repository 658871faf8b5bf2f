// Each opt-in plugin: absent without it (so the npm core stays small and honest about what it
// sends), and with it the exact fields the collector's stitching reads (stitch/derive.ts, touch.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { boot } from './boot';
import { handoffCode } from './handoff';
import { idRefresh } from './id-refresh';
import { keepalive } from './keepalive';
import { memoryQueue } from './memory-queue';
import { scanToken } from './scan-token';
import { sessions } from './sessions';
import { key, mockFetch, okFor, resetKeys, sent, visit, wipeDevice } from './test-helpers';
import { createTracker } from './tracker';
import type { Plugin, Tracker } from './types';

const ENDPOINT = 'https://t.shop.example';
const LANDING = 'https://www.shop.example/landing?utm_source=news&utm_medium=email&utm_campaign=spring&gclid=G1&ot_scan=SCAN1';
const make = (plugins?: Plugin[]) => createTracker({ writeKey: key(), endpoint: ENDPOINT, flushDelay: 60_000, plugins });

beforeEach(() => {
  resetKeys();
  visit(LANDING);
  wipeDevice();
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** The first event a tracker sends after `page()`. */
async function firstEvent(t: Tracker, calls: ReturnType<typeof mockFetch>) {
  t.page();
  await t.flush();
  return sent(calls)[0];
}

describe('the core alone', () => {
  it('sends no session, campaign, click IDs or scan token, leaves the URL alone and asks for no ID refresh', async () => {
    const calls = mockFetch();
    const e = await firstEvent(make(), calls);
    expect(e.context!.omnitrail).toEqual({ v: 1, consent: 'granted' });
    expect(e.context!.campaign).toBeUndefined();
    expect(location.href).toBe(LANDING);
    expect(calls.filter((c) => !c.url.includes('/v1/batch'))).toHaveLength(0);
    expect(localStorage.getItem('ot_ses')).toBeNull();
  });

  it('sends nothing on page hide without keepalive (events wait in the queue)', async () => {
    const calls = mockFetch();
    const t = make();
    t.track('x');
    await Promise.resolve();
    dispatchEvent(new Event('pagehide'));
    await new Promise((r) => setTimeout(r, 20));
    expect(calls.some((c) => c.init.keepalive)).toBe(false);
    await t.flush();
    expect(sent(calls).map((e) => e.event)).toEqual(['x']);
  });
});

describe('sessions()', () => {
  it('adds sessionId, sessionStart, campaign and click IDs as before', async () => {
    const calls = mockFetch();
    const e = await firstEvent(make([sessions()]), calls);
    expect(e.context!.campaign).toEqual({ source: 'news', medium: 'email', name: 'spring' });
    expect(e.context!.omnitrail).toEqual({ v: 1, consent: 'granted', sessionId: expect.any(String), sessionStart: true, clickIds: { gclid: 'G1' } });
    expect(JSON.parse(localStorage.getItem('ot_ses')!)[0]).toBe(e.context!.omnitrail!.sessionId);
  });

  it('honours its timeout, and a context campaign given by the caller wins', async () => {
    const calls = mockFetch();
    let now = Date.parse('2026-01-01T10:00:00Z');
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    const t = make([sessions(60_000)]);
    t.track('a');
    now += 59_000;
    t.track('b');
    now += 61_000;
    t.track('c', {}, { context: { campaign: { name: 'mine' } } });
    await t.flush();
    const evs = sent(calls);
    expect(evs.map((e) => !!e.context!.omnitrail!.sessionStart)).toEqual([true, false, true]);
    expect(evs[2].context!.campaign).toEqual({ name: 'mine' });
  });

  it('cookieless events keep the campaign but get no session', async () => {
    const calls = mockFetch();
    const t = createTracker({ writeKey: key(), endpoint: ENDPOINT, consent: 'denied', cookieless: true, plugins: [sessions()] });
    t.page();
    await vi.waitFor(() => expect(sent(calls)).toHaveLength(1));
    const [e] = sent(calls);
    expect(e.context!.omnitrail).toEqual({ v: 1, consent: 'denied', cookieless: true });
    expect(e.context!.campaign).toEqual({ source: 'news', medium: 'email', name: 'spring' });
    expect(localStorage.length).toBe(0);
  });

  it('reset() starts a new session', async () => {
    const calls = mockFetch();
    const t = make([sessions()]);
    t.track('a');
    t.reset();
    t.track('b');
    await t.flush();
    const [a, b] = sent(calls);
    expect(b.context!.omnitrail!.sessionStart).toBe(true);
    expect(b.context!.omnitrail!.sessionId).not.toBe(a.context!.omnitrail!.sessionId);
  });
});

describe('sessions() and consent asked on every page', () => {
  it('events held under pending join the stored session on grant (no phantom session without its campaign)', async () => {
    const calls = mockFetch();
    const writeKey = key();
    const landing = createTracker({ writeKey, endpoint: ENDPOINT, plugins: [sessions()] });
    landing.page();
    await landing.flush();
    const [first] = sent(calls);
    visit('https://www.shop.example/products/2');
    const next = createTracker({ writeKey, endpoint: ENDPOINT, consent: 'pending', plugins: [sessions(), idRefresh(true)] });
    next.page();
    next.track('held');
    next.consent('granted');
    next.track('after');
    await next.flush();
    const later = sent(calls).slice(1);
    expect(later.map((e) => [e.type, e.context!.omnitrail!.sessionId, e.context!.omnitrail!.sessionStart])).toEqual([
      ['page', first.context!.omnitrail!.sessionId, undefined],
      ['track', first.context!.omnitrail!.sessionId, undefined],
      ['track', first.context!.omnitrail!.sessionId, undefined],
    ]);
    // No session start in this page: idRefresh (listed after sessions) asks for nothing.
    expect(calls.filter((c) => c.url.includes('/v1/id'))).toHaveLength(0);
  });

  it('idRefresh() listed before sessions() still sees the session start', async () => {
    const calls = mockFetch();
    const t = make([idRefresh(true), sessions()]);
    t.page();
    t.track('same session');
    await t.flush();
    await vi.waitFor(() => expect(calls.filter((c) => c.url.includes('/v1/id'))).toHaveLength(1));
  });
});

describe('scanToken()', () => {
  it('captures the token once, strips it from the URL, never on a cookieless event', async () => {
    const calls = mockFetch();
    const t = createTracker({ writeKey: key(), endpoint: ENDPOINT, consent: 'denied', cookieless: true, flushDelay: 60_000, plugins: [scanToken()] });
    expect(location.href).not.toContain('ot_scan');
    t.page();
    t.consent('granted');
    t.page();
    t.page();
    await t.flush();
    const evs = sent(calls);
    expect(evs.map((e) => e.context!.omnitrail!.scanToken)).toEqual([undefined, 'SCAN1', undefined]);
  });
});

describe('scanToken() and the other query parameters', () => {
  it('cuts out only the ot_scan pair: the rest of the URL keeps its exact encoding', () => {
    for (const [from, to] of [
      ['/l?a=1&flag&q=caf%C3%A9+x%20y&ot_scan=T#top', '/l?a=1&flag&q=caf%C3%A9+x%20y#top'],
      ['/l?ot_scan=T&b=%2F', '/l?b=%2F'],
      ['/l?ot_scan=T', '/l'],
    ]) {
      visit('https://www.shop.example' + from);
      make([scanToken()]);
      expect(location.href).toBe('https://www.shop.example' + to);
    }
  });
});

describe('keepalive()', () => {
  it('beacons each unacknowledged event once with keepalive, and none after consent is withdrawn', async () => {
    const calls = mockFetch(() => new Response('{}', { status: 503 }));
    const t = make([keepalive()]);
    t.track('a');
    await Promise.resolve();
    dispatchEvent(new Event('pagehide'));
    dispatchEvent(new Event('pagehide'));
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0].init.keepalive).toBe(true);
    t.track('b');
    t.consent('denied');
    t.consent('granted');
    dispatchEvent(new Event('pagehide'));
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toHaveLength(1);
  });
});

describe('keepalive() under its 60 KB cap', () => {
  it('beacons the newest events first: the ones the queue may not have written when the page dies', async () => {
    const calls = mockFetch(() => new Response('{}', { status: 503 }));
    const t = make([keepalive()]);
    for (let i = 0; i < 100; i++) t.track('burst', { i, pad: 'x'.repeat(1000) });
    await Promise.resolve();
    dispatchEvent(new Event('pagehide'));
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    const sent = calls[0].body.batch.map((e) => e.properties!.i);
    expect(sent.length).toBeGreaterThan(20);
    expect(sent.length).toBeLessThan(100);
    expect(sent).toContain(99);
    expect(sent).not.toContain(0);
  });
});

describe('keepalive() and an event that does not fit', () => {
  it('skips it and still beacons the older events that fit', async () => {
    const calls = mockFetch(() => new Response('{}', { status: 503 }));
    const t = make([keepalive()]);
    t.track('small');
    t.track('big1', { pad: 'x'.repeat(31_000) });
    t.track('big2', { pad: 'y'.repeat(31_000) });
    await Promise.resolve();
    dispatchEvent(new Event('pagehide'));
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0].body.batch.map((e) => e.event)).toEqual(['big2', 'small']);
  });
});

describe('idRefresh()', () => {
  const refreshes = (calls: ReturnType<typeof mockFetch>) => calls.filter((c) => c.url.includes('/v1/id'));

  it('without sessions(): once per page load; force reaches a collector on another domain', async () => {
    const calls = mockFetch((c) => (c.url.includes('/v1/id') ? new Response(null, { status: 204 }) : okFor(c)));
    const t = createTracker({ writeKey: key(), endpoint: 'https://collector.vendor.example', plugins: [idRefresh(true)] });
    t.track('a');
    await t.flush();
    t.track('b');
    await t.flush();
    expect(refreshes(calls)).toHaveLength(1);
    expect(refreshes(calls)[0].body).toEqual({ anonymousId: t.anonymousId(), domain: 'shop.example' });
  });

  it('waits for consent', async () => {
    const calls = mockFetch();
    const t = createTracker({ writeKey: key(), endpoint: ENDPOINT, consent: 'pending', plugins: [sessions(), idRefresh()] });
    t.track('a');
    await t.flush();
    expect(refreshes(calls)).toHaveLength(0);
    t.consent('granted');
    await t.flush();
    expect(refreshes(calls)).toHaveLength(1);
  });
});

describe('the script tag', () => {
  it('turns every plugin on: the wire format the collector expects, and omnitrail.handoffCode()', async () => {
    const calls = mockFetch((c) =>
      c.url.includes('/v1/handoff') ? Response.json({ code: 'K7M2QX', display: 'K7M-2QX', expiresAt: '2026-01-01T00:00:00Z' }) : okFor(c),
    );
    const s = document.createElement('script');
    s.type = 'text/x-not-executed';
    s.src = 'https://t.shop.example/sdk/omnitrail.min.js';
    s.dataset.writeKey = key();
    document.head.replaceChildren(s);
    boot(memoryQueue);
    const w = window as unknown as { omnitrail: Tracker & { handoffCode(): Promise<unknown> } };
    await w.omnitrail.flush();
    const [e] = sent(calls);
    expect(e.context!.campaign).toEqual({ source: 'news', medium: 'email', name: 'spring' });
    expect(e.context!.omnitrail).toEqual({
      v: 1,
      consent: 'granted',
      sessionId: expect.any(String),
      sessionStart: true,
      clickIds: { gclid: 'G1' },
      scanToken: 'SCAN1',
    });
    expect(calls.some((c) => c.url.includes('/v1/id'))).toBe(true); // same-site collector
    await expect(w.omnitrail.handoffCode()).resolves.toMatchObject({ display: 'K7M-2QX' });
    await expect(handoffCode(w.omnitrail)).resolves.toMatchObject({ code: 'K7M2QX' });
  });
});
