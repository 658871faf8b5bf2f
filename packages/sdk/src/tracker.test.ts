import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WireEvent } from '@omnitrail/schema';
import { createTracker } from './tracker';
import { idbQueue } from './queue';
import { handoffCode } from './handoff';
import { idRefresh } from './id-refresh';
import { keepalive } from './keepalive';
import { scanToken } from './scan-token';
import { sessions } from './sessions';
import { key, mockFetch, okFor, resetKeys, sent, visit, wipeDevice } from './test-helpers';
import type { TrackerOptions } from './types';

const ENDPOINT = 'https://t.shop.example';
const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Every plugin but idRefresh: the script tag's wire format (idRefresh has its own tests). */
const plugins = () => [sessions(), keepalive(), scanToken()];
const make = (o: Partial<TrackerOptions> = {}) => createTracker({ writeKey: key(), endpoint: ENDPOINT, flushDelay: 60_000, plugins: plugins(), ...o });

beforeEach(() => {
  resetKeys();
  visit('https://www.shop.example/products/1?utm_source=news&utm_medium=email&utm_campaign=spring&gclid=G1&fbclid=F1');
  wipeDevice();
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('createTracker: requests', () => {
  it('sends a Segment batch to /v1/batch with the write key in the query, as text/plain JSON', async () => {
    const calls = mockFetch();
    const t = make({ writeKey: key('wk_exact') });
    t.track('Product Viewed', { product_id: 'p1' });
    await t.flush();
    expect(calls).toHaveLength(1);
    const [c] = calls;
    expect(c.url).toBe('https://t.shop.example/v1/batch?writeKey=wk_exact');
    expect(c.init.method).toBe('POST');
    expect(c.init.headers).toBeUndefined(); // no custom header: a CORS "simple request", no preflight
    expect(typeof c.init.body).toBe('string');
    expect(Date.parse(c.body.sentAt!)).not.toBeNaN();
    const [e] = c.body.batch;
    expect(e).toMatchObject({
      type: 'track',
      event: 'Product Viewed',
      properties: { product_id: 'p1' },
      anonymousId: t.anonymousId(),
      context: {
        page: { url: 'https://www.shop.example/products/1?utm_source=news&utm_medium=email&utm_campaign=spring&gclid=G1&fbclid=F1', path: '/products/1', referrer: '' },
        campaign: { source: 'news', medium: 'email', name: 'spring' },
        library: { name: 'omnitrail', version: '0.1.0' },
        omnitrail: { v: 1, consent: 'granted', sessionStart: true, clickIds: { gclid: 'G1', fbclid: 'F1' } },
      },
    });
    expect(e.messageId).toMatch(UUID7);
    expect(e.anonymousId).toMatch(UUID7);
    expect(e.context!.omnitrail!.sessionId).toMatch(UUID7);
    expect(e.context!.locale).toBe(navigator.language);
    expect(typeof e.context!.timezone).toBe('string');
    expect(e.context!.screen).toHaveProperty('width');
    // The collector classifies the request's User-Agent header; the body does not repeat it.
    expect(e.context).not.toHaveProperty('userAgent');
  });

  it('deletes acknowledged events and never resends them', async () => {
    const calls = mockFetch();
    const t = make();
    t.track('a');
    t.track('b');
    await t.flush();
    await t.flush();
    expect(calls).toHaveLength(1);
    expect(calls[0].body.batch.map((e) => e.event)).toEqual(['a', 'b']);
  });

  it('drops events the collector rejected as malformed (no endless retry of a poison event)', async () => {
    const calls = mockFetch((c) =>
      Response.json({ accepted: 1, duplicates: 0, rejected: [{ index: 1, messageId: c.body.batch[1].messageId, reason: 'bad' }] }),
    );
    const t = make();
    t.track('good');
    t.track('poison');
    await t.flush();
    t.track('next');
    await t.flush();
    expect(calls.map((c) => c.body.batch.map((e) => e.event))).toEqual([['good', 'poison'], ['next']]);
  });

  it('splits a batch the collector refused as a whole (400/413) until the poison event is alone, then drops only it', async () => {
    const calls = mockFetch((c) => (c.body.batch.some((e) => e.event === 'poison') ? new Response('{}', { status: 413 }) : okFor(c)));
    const t = make();
    for (const ev of ['a', 'b', 'poison', 'c']) t.track(ev);
    await t.flush();
    const delivered = calls.filter((c) => c.body.batch.every((e) => e.event !== 'poison')).flatMap((c) => c.body.batch.map((e) => e.event));
    expect(delivered.sort()).toEqual(['a', 'b', 'c']);
    const before = calls.length;
    await t.flush();
    expect(calls.length).toBe(before); // queue empty: poison dropped, the rest acknowledged
  });

  it('keeps events on 5xx and retries with exponential backoff and jitter', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.spyOn(Math, 'random').mockReturnValue(0.999999); // jitter factor ~1: the full delay
    let fail = 3;
    const calls = mockFetch((c) => (fail-- > 0 ? new Response('{}', { status: 503 }) : okFor(c)));
    const t = make();
    t.track('x');
    await t.flush();
    expect(calls).toHaveLength(1);
    // 1 s, 2 s, 4 s (× jitter 0.5–1): nothing earlier, exactly one retry at each step.
    for (const [wait, total] of [[990, 1], [15, 2], [1980, 2], [25, 3], [3960, 3], [45, 4]] as const) {
      await vi.advanceTimersByTimeAsync(wait);
      expect(calls).toHaveLength(total);
    }
    await vi.advanceTimersByTimeAsync(600_000);
    expect(calls).toHaveLength(4);
    expect(new Set(calls.map((c) => c.body.batch[0].messageId)).size).toBe(1);
  });

  it('honours Retry-After on 429 and retries network errors', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const answers: Array<() => Response> = [
      () => new Response('{}', { status: 429, headers: { 'Retry-After': '7' } }),
      () => {
        throw new TypeError('Failed to fetch');
      },
    ];
    const calls = mockFetch((c, n) => (answers[n - 1] ? answers[n - 1]() : okFor(c)));
    const t = make();
    t.track('x');
    await t.flush();
    await vi.advanceTimersByTimeAsync(6_900);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(calls).toHaveLength(2); // network error → backoff
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(calls).toHaveLength(3);
  });

  it('never retries sooner than the backoff whatever Retry-After says (0, a past date, garbage, too large)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.spyOn(Math, 'random').mockReturnValue(0);
    for (const value of ['0', '-5', 'soon', 'Wed, 21 Oct 2015 07:28:00 GMT', '', 'Infinity', '1e12']) {
      const calls = mockFetch(() => new Response('{}', { status: 503, headers: { 'Retry-After': value } }));
      const t = make();
      t.track('x');
      await t.flush();
      // Backoff with the shortest jitter: 0.5 s, 1 s, 2 s, 4 s → retries at 0.5, 1.5 and 3.5 s.
      await vi.advanceTimersByTimeAsync(5_000);
      if (value == 'Infinity' || value == '1e12') expect(calls.length, value).toBe(1);
      else expect(calls.length, value).toBe(4);
      t.consent('pending'); // stops this tracker's retries
      vi.unstubAllGlobals();
    }
  });

  it('abandons a request that never answers after 30 s (so it cannot hold the cross-tab lock) and retries it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    // AbortSignal.timeout runs on an internal timer fake timers cannot reach: abort by hand, checking the delay asked for.
    const timeouts: Array<[number, AbortController]> = [];
    vi.spyOn(AbortSignal, 'timeout').mockImplementation((ms) => {
      const ac = new AbortController();
      timeouts.push([ms, ac]);
      return ac.signal;
    });
    const calls = mockFetch((c, n) =>
      n > 1 ? okFor(c) : new Promise((_, reject) => c.init.signal!.addEventListener('abort', () => reject(new DOMException('timed out', 'TimeoutError')))),
    );
    const t = make();
    t.track('x');
    const first = t.flush();
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(timeouts.map(([ms]) => ms)).toEqual([30_000]);
    timeouts[0][1].abort();
    await first; // the drain let go (and with it the lock)
    await vi.advanceTimersByTimeAsync(1_000); // the network-error backoff
    expect(calls).toHaveLength(2);
    expect(calls[1].body.batch.map((e) => e.messageId)).toEqual(calls[0].body.batch.map((e) => e.messageId));
    await t.flush();
    expect(calls).toHaveLength(2); // acknowledged: nothing left
  });

  it('retries at once when the browser comes back online, whatever the backoff said', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.spyOn(Math, 'random').mockReturnValue(0.999999); // retries at 1 s, 3 s, 7 s, then 15 s
    let fail = 4;
    const calls = mockFetch((c) => (fail-- > 0 ? new Response('{}', { status: 503 }) : okFor(c)));
    const t = make();
    t.track('x');
    await t.flush();
    await vi.advanceTimersByTimeAsync(8_000); // three backoff retries: the next one is ~8 s away
    expect(calls).toHaveLength(4);
    dispatchEvent(new Event('online'));
    await vi.waitFor(() => expect(calls).toHaveLength(5));
    await t.flush();
    expect(calls).toHaveLength(5); // acknowledged: nothing left
  });

  it('keeps events when the write key or endpoint is refused (401/403/404) and does not hammer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const calls = mockFetch(() => new Response('{"error":"unauthorized"}', { status: 401 }));
    const t = make();
    t.track('x');
    await t.flush();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(calls).toHaveLength(1);
    vi.unstubAllGlobals();
    const ok = mockFetch();
    await t.flush();
    expect(sent(ok).map((e) => e.event)).toEqual(['x']);
  });

  it('flushes by itself after flushDelay, batching a burst into one request', async () => {
    const calls = mockFetch();
    const t = make({ flushDelay: 5 });
    for (let i = 0; i < 20; i++) t.track('e' + i);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0].body.batch).toHaveLength(20);
  });

  it('sends unacknowledged events with keepalive when the page is hidden', async () => {
    const calls = mockFetch();
    const t = make();
    t.track('before-hide');
    await Promise.resolve();
    dispatchEvent(new Event('pagehide'));
    await vi.waitFor(() => expect(calls.some((c) => c.init.keepalive)).toBe(true));
    const beacon = calls.find((c) => c.init.keepalive)!;
    expect(beacon.body.batch.map((e) => e.event)).toEqual(['before-hide']);
    expect(beacon.init.body!.toString().length).toBeLessThan(64 * 1024);
    // Acknowledged → removed from the queue: the next flush has nothing to send.
    await vi.waitFor(async () => {
      const n = calls.length;
      await t.flush();
      expect(calls.length).toBe(n);
    });
  });
});

describe('createTracker: identity and sessions', () => {
  it('persists the anonymous ID in a cookie, localStorage and IndexedDB and restores it from any survivor', async () => {
    mockFetch();
    const writeKey = key();
    const a = createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue });
    const id = a.anonymousId()!;
    expect(id).toMatch(UUID7);
    expect(document.cookie).toContain('ot_id=' + id);
    expect(localStorage.getItem('ot_id')).toBe(id);
    await a.flush(); // waits for the IndexedDB copy

    expect(createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue }).anonymousId()).toBe(id);
    document.cookie = 'ot_id=;path=/;max-age=-1;domain=shop.example';
    expect(createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue }).anonymousId()).toBe(id);
    expect(document.cookie).toContain('ot_id=' + id); // healed
    wipeDevice();
    const c = createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue });
    c.track('after-wipe');
    await c.flush();
    expect(c.anonymousId()).toBe(id);
    expect(localStorage.getItem('ot_id')).toBe(id);
  });

  it('events made before the IndexedDB copy answered carry the restored ID', async () => {
    const calls = mockFetch();
    const writeKey = key();
    const a = createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue });
    await a.flush();
    const id = a.anonymousId();
    wipeDevice();
    const b = createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue });
    b.track('first'); // synchronously, before IndexedDB answered
    await b.flush();
    expect(sent(calls).map((e) => [e.event, e.anonymousId])).toEqual([['first', id]]);
  });

  it('ignores a damaged ID cookie', () => {
    document.cookie = 'ot_id=<script>;path=/';
    expect(make().anonymousId()).toMatch(UUID7);
  });

  it('keeps one session for 30 minutes of activity, starts a new one after inactivity or on a new campaign', async () => {
    const calls = mockFetch();
    let now = Date.parse('2026-01-01T10:00:00Z');
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    const t = make();
    t.page();
    now += 29 * 60_000;
    t.track('still');
    now += 29 * 60_000;
    t.track('still2');
    now += 31 * 60_000;
    t.track('new-by-timeout');
    now += 60_000;
    visit('https://www.shop.example/?utm_source=flyer&utm_campaign=autumn');
    t.page();
    t.track('same-campaign');
    visit('https://www.shop.example/other');
    t.page(); // no campaign on the URL: not a new session
    await t.flush();
    const evs = sent(calls);
    const sid = (e: WireEvent) => e.context!.omnitrail!.sessionId;
    const starts = evs.map((e) => !!e.context!.omnitrail!.sessionStart);
    expect(starts).toEqual([true, false, false, true, true, false, false]);
    expect(sid(evs[0])).toBe(sid(evs[2]));
    expect(sid(evs[3])).not.toBe(sid(evs[2]));
    expect(sid(evs[4])).not.toBe(sid(evs[3]));
    expect(sid(evs[6])).toBe(sid(evs[4]));
    expect(evs[4].context!.campaign).toEqual({ source: 'flyer', name: 'autumn' });
  });

  it('shares the session across tabs (two trackers) through localStorage', () => {
    mockFetch();
    const writeKey = key();
    const a = createTracker({ writeKey, endpoint: ENDPOINT, plugins: [sessions()] });
    const b = createTracker({ writeKey, endpoint: ENDPOINT, plugins: [sessions()] });
    a.track('x');
    b.track('y');
    const s = JSON.parse(localStorage.getItem('ot_ses')!);
    expect(s[0]).toMatch(UUID7);
  });

  it("another tab's reset() reaches this tab: its new ID, no user, and one new session for both", async () => {
    const calls = mockFetch();
    const writeKey = key();
    const tab = () => createTracker({ writeKey, endpoint: ENDPOINT, flushDelay: 60_000, plugins: [sessions()] });
    const a = tab();
    a.identify('alice');
    const b = tab();
    b.track('before');
    /** What the browser does in the other tabs after a localStorage write. */
    const storageEvents = (...keys: string[]) => {
      for (const k of keys) dispatchEvent(new StorageEvent('storage', { key: k, newValue: localStorage.getItem(k), storageArea: localStorage }));
    };
    a.reset();
    storageEvents('ot_ses', 'ot_uid', 'ot_id');
    b.track('after');
    storageEvents('ot_ses'); // b's new session reaches a
    a.track('a, after');
    await b.flush();
    await a.flush();
    const by = (name: string) => sent(calls).find((e) => (e.event ?? e.type) == name)!;
    const [identify, before, after, aAfter] = ['identify', 'before', 'after', 'a, after'].map(by);
    const sid = (e: WireEvent) => e.context!.omnitrail!.sessionId;
    expect(before.userId).toBe('alice');
    expect(after.anonymousId).toBe(a.anonymousId());
    expect(after.anonymousId).not.toBe(identify.anonymousId);
    expect(after.userId).toBeUndefined();
    expect(sid(after)).not.toBe(sid(before));
    expect(after.context!.omnitrail!.sessionStart).toBe(true);
    expect(aAfter.anonymousId).toBe(after.anonymousId);
    expect(sid(aAfter)).toBe(sid(after));
  });

  it('identify() keeps the userId on later events and across page loads; reset() forgets it and rotates the ID', async () => {
    const calls = mockFetch();
    const writeKey = key();
    const t = createTracker({ writeKey, endpoint: ENDPOINT });
    const anon = t.anonymousId();
    t.identify('cust-42', { email: 'a@b.example' });
    t.track('after');
    const reloaded = createTracker({ writeKey, endpoint: ENDPOINT });
    reloaded.track('reloaded');
    reloaded.reset();
    reloaded.track('after-reset');
    await t.flush();
    await reloaded.flush();
    const evs = sent(calls);
    expect(evs.map((e) => [e.type, e.event ?? null, e.userId ?? null])).toEqual([
      ['identify', null, 'cust-42'],
      ['track', 'after', 'cust-42'],
      ['track', 'reloaded', 'cust-42'],
      ['track', 'after-reset', null],
    ]);
    expect(evs[0].traits).toEqual({ email: 'a@b.example' });
    expect(evs[2].anonymousId).toBe(anon);
    expect(evs[3].anonymousId).not.toBe(anon);
    expect(reloaded.anonymousId()).toBe(evs[3].anonymousId);
    expect(localStorage.getItem('ot_id')).toBe(evs[3].anonymousId);
  });

  it('alias() links the previous ID; order() emits Segment Order Completed', async () => {
    const calls = mockFetch();
    const t = make();
    t.alias('cust-9');
    t.order({ order_id: 'A-1', revenue: 59.9, currency: 'EUR', products: [{ product_id: 'p1', quantity: 2, price: 29.95 }] });
    await t.flush();
    const [alias, order] = sent(calls);
    expect(alias).toMatchObject({ type: 'alias', userId: 'cust-9', previousId: t.anonymousId() });
    expect(order).toMatchObject({
      type: 'track',
      event: 'Order Completed',
      properties: { order_id: 'A-1', revenue: 59.9, currency: 'EUR', products: [{ product_id: 'p1', quantity: 2, price: 29.95 }] },
    });
  });

  it('captures the QR scan token once and strips it from the visible URL', async () => {
    visit('https://www.shop.example/landing?utm_source=flyer&ot_scan=SCAN123#top');
    const calls = mockFetch();
    const t = make();
    expect(location.href).toBe('https://www.shop.example/landing?utm_source=flyer#top');
    t.page();
    t.track('second');
    await t.flush();
    const [first, second] = sent(calls);
    expect(first.context!.omnitrail!.scanToken).toBe('SCAN123');
    expect(first.context!.page!.url).not.toContain('ot_scan');
    expect(second.context!.omnitrail!.scanToken).toBeUndefined();
  });

  it('uses the message ID and context an option supplies (idempotent retries)', async () => {
    const calls = mockFetch();
    const t = make();
    t.track('x', {}, { messageId: 'fixed-id-1', context: { app: 'pos' } });
    await t.flush();
    expect(sent(calls)[0]).toMatchObject({ messageId: 'fixed-id-1', context: { app: 'pos', library: { name: 'omnitrail' } } });
  });
});

describe('createTracker: consent', () => {
  const deviceEmpty = () => {
    expect(document.cookie).not.toContain('ot_');
    expect(localStorage.length).toBe(0);
  };

  it('pending: nothing written to the device and nothing sent; granted: held events go out with the restored ID', async () => {
    const calls = mockFetch();
    const writeKey = key();
    const first = createTracker({ writeKey, endpoint: ENDPOINT });
    const known = first.anonymousId();
    await first.flush();
    wipeDevice();
    document.cookie = 'ot_id=' + known + ';path=/';
    const before = document.cookie;
    const t = createTracker({ writeKey, endpoint: ENDPOINT, consent: 'pending' });
    t.page();
    t.track('held');
    await t.flush();
    expect(calls).toHaveLength(0);
    expect(document.cookie).toBe(before);
    expect(localStorage.length).toBe(0);
    t.consent('granted');
    await t.flush();
    expect(sent(calls).map((e) => [e.type, e.anonymousId, e.context!.omnitrail!.consent])).toEqual([
      ['page', known, 'granted'],
      ['track', known, 'granted'],
    ]);
  });

  it('identify() under pending is kept on grant, for this page and the next', async () => {
    const calls = mockFetch();
    const writeKey = key();
    const t = createTracker({ writeKey, endpoint: ENDPOINT, consent: 'pending', plugins: plugins() });
    t.identify('user-9');
    t.consent('granted');
    t.track('after');
    await t.flush();
    expect(sent(calls).map((e) => e.userId)).toEqual(['user-9', 'user-9']);
    const next = createTracker({ writeKey, endpoint: ENDPOINT, plugins: plugins() });
    next.track('next page');
    await next.flush();
    expect(sent(calls).at(-1)!.userId).toBe('user-9');
    expect(sent(calls).at(-1)!.anonymousId).toBe(t.anonymousId());
  });

  it('reset() and identify() under pending are not undone on grant: the new visitor never gets the stored ID or user', async () => {
    const calls = mockFetch();
    const writeKey = key();
    const earlier = createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue, plugins: plugins() });
    earlier.identify('u1');
    await earlier.flush();
    const old = earlier.anonymousId();
    const t = createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue, consent: 'pending', plugins: plugins() });
    t.reset();
    t.identify('u2');
    t.consent('granted');
    t.track('after');
    await t.flush();
    const evs = sent(calls).slice(1);
    expect(evs.map((e) => [e.type, e.userId])).toEqual([
      ['identify', 'u2'],
      ['track', 'u2'],
    ]);
    for (const e of evs) expect(e.anonymousId).not.toBe(old);
    expect(t.anonymousId()).not.toBe(old);
    expect(localStorage.getItem('ot_uid')).toBe('u2');
    const next = createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue, plugins: plugins() });
    await next._core!._ready;
    expect(next.anonymousId()).toBe(t.anonymousId());
    // reset() alone under pending: no user at all after the grant.
    const alone = createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue, consent: 'pending', plugins: plugins() });
    alone.reset();
    alone.consent('granted');
    alone.track('anon');
    await alone.flush();
    expect(sent(calls).at(-1)!.userId).toBeUndefined();
    expect(localStorage.getItem('ot_uid')).toBeNull();
  });

  it('consent() ignores values that are not a consent state', async () => {
    const calls = mockFetch();
    const t = make({ consent: 'pending' });
    t.track('held');
    for (const bad of [false, 'rejected', 'Granted', 'yes', undefined]) t.consent(bad as never);
    await t.flush();
    expect(calls).toHaveLength(0);
    const g = make();
    t.consent('granted');
    for (const bad of [false, 'rejected', 'Denied']) g.consent(bad as never);
    g.track('still granted');
    await g.flush();
    expect(sent(calls).map((e) => e.event)).toContain('still granted');
  });

  it('pending then denied: held events are dropped, nothing stored', async () => {
    const calls = mockFetch();
    const t = make({ consent: 'pending' });
    t.track('held');
    t.consent('denied');
    t.track('after');
    await t.flush();
    expect(calls).toHaveLength(0);
    deviceEmpty();
    expect(t.anonymousId()).toBeUndefined();
  });

  it('denied with cookieless: page views are sent without any identifier; identify and track are not', async () => {
    const calls = mockFetch();
    const t = make({ consent: 'denied', cookieless: true });
    t.track('Order Completed', { order_id: 'o1' });
    t.identify('cust-1', { email: 'x@y.example' });
    t.page();
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    await t.flush();
    expect(calls).toHaveLength(1);
    expect(sent(calls).map((e) => e.type)).toEqual(['page']);
    for (const e of sent(calls)) {
      expect(e.anonymousId).toBeUndefined();
      expect(e.userId).toBeUndefined();
      expect(e.context!.omnitrail).toEqual({ v: 1, consent: 'denied', cookieless: true });
    }
    expect(calls.every((c) => c.init.keepalive)).toBe(true);
    deviceEmpty();
  });

  it('Global Privacy Control makes the default denied, unless the site overrides it in code', async () => {
    Object.defineProperty(navigator, 'globalPrivacyControl', { value: true, configurable: true });
    try {
      const calls = mockFetch();
      const gpc = make();
      gpc.track('x');
      await gpc.flush();
      expect(calls).toHaveLength(0);
      expect(gpc.anonymousId()).toBeUndefined();
      deviceEmpty();
      const overridden = make({ ignoreGpc: true });
      overridden.track('y');
      await overridden.flush();
      expect(sent(calls).map((e) => e.event)).toEqual(['y']);
      const banner = make({ consent: 'pending' });
      banner.consent('granted'); // an explicit choice in the banner wins over the GPC default
      banner.track('z');
      await banner.flush();
      expect(sent(calls).map((e) => e.event)).toEqual(['y', 'z']);
    } finally {
      delete (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl;
    }
  });

  it('withdrawing consent before any write erases the ID cookie on the configured cookieDomain', () => {
    // A visit that had consent stored the ID on the configured domain, not the registrable one.
    document.cookie = 'ot_id=0192f3a4-5b6c-7d8e-9f01-23456789abcd;path=/;domain=www.shop.example';
    const t = make({ consent: 'pending', cookieDomain: 'www.shop.example' });
    t.consent('denied');
    deviceEmpty();
  });

  it('withdrawing consent erases the ID, user, session and queue from the device', async () => {
    const calls = mockFetch(() => new Response('{}', { status: 503 }));
    const writeKey = key();
    const t = createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue, flushDelay: 60_000, plugins: plugins() });
    t.identify('cust-1');
    t.track('queued');
    await t.flush();
    t.consent('denied');
    deviceEmpty();
    vi.unstubAllGlobals();
    const after = mockFetch();
    const again = createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue });
    await again.flush();
    expect(after.filter((c) => c.url.includes('/v1/batch'))).toHaveLength(0);
    expect(calls.length).toBeGreaterThan(0);
  });
});

describe('createTracker: consent denied erases, and creates nothing', () => {
  const deviceEmpty = () => {
    expect(document.cookie).not.toContain('ot_');
    expect(localStorage.length).toBe(0);
  };
  const dbExists = async (writeKey: string) => (await indexedDB.databases()).some((d) => d.name == 'omnitrail-' + writeKey);
  /** A granted visit that stored an ID, a user, a session and an unsent event (the collector is down). */
  const earlierVisit = async (writeKey: string) => {
    mockFetch(() => new Response('{}', { status: 503 }));
    const t = createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue, flushDelay: 60_000, plugins: plugins() });
    t.identify('cust-1');
    await t.flush();
    expect(document.cookie).toContain('ot_id=');
    expect(localStorage.getItem('ot_uid')).toBe('cust-1');
    vi.unstubAllGlobals();
  };
  /** What the next granted visit finds: its restored ID and the queue's leftovers. */
  const nextVisit = async (writeKey: string) => {
    const calls = mockFetch();
    const t = createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue });
    await t.flush();
    await t._core!._ready;
    return { leftovers: sent(calls), t };
  };

  for (const [how, start] of [
    ['data-consent="denied" / consent: denied', (writeKey: string) => createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue, consent: 'denied', plugins: plugins() })],
    ['Global Privacy Control', (writeKey: string) => createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue, plugins: plugins() })],
    ['consent("denied") called on a page that started denied', (writeKey: string) => {
      const t = createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue, consent: 'denied', plugins: plugins() });
      document.cookie = 'ot_id=0192f3a4-5b6c-7d8e-9f01-23456789abcd;path=/;domain=shop.example'; // written by another tab meanwhile
      localStorage.setItem('ot_uid', 'cust-2');
      t.consent('denied');
      return t;
    }],
  ] as const) {
    it(`denied at start-up (${how}) erases what an earlier visit stored`, async () => {
      const writeKey = key();
      await earlierVisit(writeKey);
      const gpc = how.startsWith('Global');
      if (gpc) Object.defineProperty(navigator, 'globalPrivacyControl', { value: true, configurable: true });
      try {
        start(writeKey);
      } finally {
        if (gpc) delete (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl;
      }
      deviceEmpty();
      const { leftovers, t } = await nextVisit(writeKey);
      expect(leftovers).toEqual([]);
      expect(t.anonymousId()).not.toBe('0192f3a4-5b6c-7d8e-9f01-23456789abcd');
    });
  }

  it('denying with nothing stored creates nothing: no IndexedDB database, no probe cookie', async () => {
    const cookies: string[] = [];
    let proto = document;
    while (!Object.getOwnPropertyDescriptor(proto, 'cookie')) proto = Object.getPrototypeOf(proto);
    const desc = Object.getOwnPropertyDescriptor(proto, 'cookie')!;
    Object.defineProperty(proto, 'cookie', { ...desc, set(v: string) { cookies.push(v); desc.set!.call(this, v); } });
    try {
      const pending = key();
      const t = createTracker({ writeKey: pending, endpoint: ENDPOINT, queue: idbQueue, consent: 'pending', plugins: plugins() });
      t.track('held');
      t.consent('denied');
      t.consent('denied');
      const denied = key();
      createTracker({ writeKey: denied, endpoint: ENDPOINT, queue: idbQueue, consent: 'denied', plugins: plugins() }).consent('denied');
      await t.flush();
      await new Promise((r) => setTimeout(r, 0));
      expect(cookies).toEqual([]);
      expect(await dbExists(pending)).toBe(false);
      expect(await dbExists(denied)).toBe(false);
      deviceEmpty();
    } finally {
      Object.defineProperty(proto, 'cookie', desc);
    }
  });
});

describe('createTracker: robustness', () => {
  it('throws a clear error on misuse at init', () => {
    expect(() => createTracker(undefined as unknown as TrackerOptions)).toThrow('[omnitrail] writeKey and an absolute endpoint URL are required');
    expect(() => createTracker({ writeKey: '', endpoint: ENDPOINT })).toThrow(/writeKey/);
    expect(() => createTracker({ writeKey: 'k', endpoint: '/relative' })).toThrow(/endpoint/);
    for (const consent of [false, '', 'rejected', 'Granted', 'yes'])
      expect(() => createTracker({ writeKey: 'k', endpoint: ENDPOINT, consent: consent as never })).toThrow(
        '[omnitrail] consent must be granted, pending or denied',
      );
  });

  it('never throws into the host page after init', async () => {
    vi.stubGlobal('fetch', () => {
      throw new Error('boom');
    });
    const t = make();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => t.track('circular', circular)).not.toThrow();
    expect(() => t.track(undefined as unknown as string)).not.toThrow();
    expect(() => t.identify({} as unknown as string)).not.toThrow();
    expect(() => t.consent('bogus' as never)).not.toThrow();
    await expect(t.flush()).resolves.toBeUndefined();
  });

  it('an unserialisable property drops only its event: the IndexedDB queue stays persistent, nothing throws later', async () => {
    const writeKey = key();
    const calls = mockFetch(() => new Response('{}', { status: 503 }));
    const t = createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue, flushDelay: 60_000, plugins: plugins() });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const errors: unknown[] = [];
    const onError = (e: ErrorEvent) => errors.push(e.error ?? e.message);
    addEventListener('error', onError);
    try {
      t.track('a');
      // A function and a Proxy cannot be cloned into IndexedDB; JSON drops the one and reads through the other.
      t.track('fn', { f() {}, p: new Proxy({ x: 1 }, {}) });
      t.track('circular', circular);
      t.track('big', { n: BigInt(1) });
      t.track('b');
      await t.flush();
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      dispatchEvent(new Event('visibilitychange'));
      dispatchEvent(new Event('pagehide'));
      t.track('c');
      await t.flush();
    } finally {
      delete (document as { visibilityState?: string }).visibilityState;
      removeEventListener('error', onError);
    }
    expect(errors).toEqual([]);
    const beaconed = calls.filter((c) => c.init.keepalive).flatMap((c) => c.body.batch.map((e) => e.event));
    expect(beaconed).toContain('b');
    // The next page finds every serialisable event in IndexedDB (the queue never fell back to memory).
    vi.unstubAllGlobals();
    const next = mockFetch();
    await createTracker({ writeKey, endpoint: ENDPOINT, queue: idbQueue }).flush();
    const evs = sent(next);
    expect(evs.map((e) => e.event)).toEqual(['a', 'fn', 'b', 'c']);
    expect(evs[1].properties).toEqual({ p: { x: 1 } });
  });

  it('refuses an event over the collector\'s 32 KB limit instead of letting it evict the queue', async () => {
    const calls = mockFetch();
    const t = make({ maxBytes: 100_000 });
    t.track('a');
    t.track('huge', { pad: 'x'.repeat(120_000) });
    t.track('over', { pad: 'x'.repeat(33_000) });
    t.track('b', { pad: 'x'.repeat(30_000) });
    await t.flush();
    expect(sent(calls).map((e) => e.event)).toEqual(['a', 'b']);
  });

  it('works where document.cookie and localStorage throw (a sandboxed iframe without allow-same-origin)', async () => {
    const calls = mockFetch();
    let proto = document;
    while (!Object.getOwnPropertyDescriptor(proto, 'cookie')) proto = Object.getPrototypeOf(proto);
    const desc = Object.getOwnPropertyDescriptor(proto, 'cookie')!;
    const denied = () => {
      throw new DOMException('The document is sandboxed and lacks the allow-same-origin flag.', 'SecurityError');
    };
    Object.defineProperty(proto, 'cookie', { configurable: true, get: denied, set: denied });
    vi.stubGlobal('localStorage', undefined);
    Object.defineProperty(window, 'localStorage', { configurable: true, get: denied });
    try {
      const t = make({ queue: idbQueue });
      t.page();
      t.identify('u1');
      t.reset();
      t.consent('denied');
      t.consent('granted');
      t.track('x');
      await t.flush();
      expect(sent(calls).map((e) => e.type)).toEqual(['track']);
    } finally {
      Object.defineProperty(proto, 'cookie', desc);
      delete (window as { localStorage?: Storage }).localStorage;
    }
  });

  it('caps the memory queue by count and bytes, dropping the oldest', async () => {
    const calls = mockFetch();
    const t = make({ maxEvents: 3 });
    for (const e of ['1', '2', '3', '4', '5']) t.track(e);
    await t.flush();
    expect(sent(calls).map((e) => e.event)).toEqual(['3', '4', '5']);
    const small = make({ maxBytes: 2500 });
    for (const e of ['a', 'b', 'c', 'd', 'e']) small.track(e, { pad: 'x'.repeat(400) });
    await small.flush();
    const got = sent(calls).slice(3).map((e) => e.event);
    expect(got.length).toBeLessThan(5);
    expect(got.at(-1)).toBe('e');
  });

  it('handoffCode() asks the collector with the write key and anonymous ID', async () => {
    const calls = mockFetch((c) =>
      c.url.includes('/v1/handoff') ? Response.json({ code: 'K7M2QX', display: 'K7M-2QX', expiresAt: '2026-01-01T00:00:00Z' }) : okFor(c),
    );
    const t = make({ writeKey: key('wk_h') });
    await expect(handoffCode(t)).resolves.toEqual({ code: 'K7M2QX', display: 'K7M-2QX', expiresAt: '2026-01-01T00:00:00Z' });
    const call = calls.find((c) => c.url.includes('/v1/handoff'))!;
    expect(call.url).toBe('https://t.shop.example/v1/handoff?writeKey=wk_h');
    expect(call.init.method).toBe('POST');
    expect(call.body).toEqual({ anonymousId: t.anonymousId(), consent: 'granted' });
  });

  it('handoffCode() rejects with a clear error when the collector cannot issue one, or without consent', async () => {
    mockFetch(() => Response.json({ error: 'not_found', message: 'No route for POST /v1/handoff' }, { status: 404 }));
    await expect(handoffCode(make())).rejects.toThrow('[omnitrail] handoff code unavailable: No route for POST /v1/handoff');
    await expect(handoffCode(make({ consent: 'pending' }))).rejects.toThrow(/consent/);
  });

  it('asks a same-site collector to re-set the ID cookie once per session (Safari ITP)', async () => {
    const calls = mockFetch((c) => (c.url.includes('/v1/id') ? new Response(null, { status: 204 }) : okFor(c)));
    const t = make({ writeKey: key('wk_itp'), plugins: [sessions(), idRefresh()] });
    t.page();
    t.track('x');
    await t.flush();
    await t.flush();
    const refresh = calls.filter((c) => c.url.includes('/v1/id'));
    expect(refresh).toHaveLength(1);
    expect(refresh[0].url).toBe('https://t.shop.example/v1/id?writeKey=wk_itp');
    expect(refresh[0].init.credentials).toBe('include');
    expect(refresh[0].body).toEqual({ anonymousId: t.anonymousId(), domain: 'shop.example' });
    const other = mockFetch();
    const cross = createTracker({ writeKey: key(), endpoint: 'https://collector.vendor.example', plugins: [sessions(), idRefresh()] });
    cross.track('y');
    await cross.flush();
    expect(other.filter((c) => c.url.includes('/v1/id'))).toHaveLength(0);
  });
});
