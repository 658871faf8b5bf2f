import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { boot } from './boot';
import { memoryQueue } from './memory-queue';
import { key, mockFetch, resetKeys, sent, visit, wipeDevice } from './test-helpers';
import type { Tracker } from './types';

type Win = { omnitrail?: ((...a: unknown[]) => unknown) & { q?: unknown[][] } & Partial<Tracker> };
const w = window as unknown as Win;

/** The documented copy-paste snippet's stub, as it runs before the script arrives. */
function snippetStub() {
  w.omnitrail = function (...a: unknown[]) {
    (w.omnitrail!.q = w.omnitrail!.q || []).push(a);
  } as Win['omnitrail'];
}

function scriptTag(attrs: Record<string, string>) {
  const s = document.createElement('script');
  s.type = 'text/x-not-executed'; // happy-dom must not try to download it
  s.src = 'https://t.shop.example/sdk/omnitrail.min.js';
  for (const [k, v] of Object.entries(attrs)) s.setAttribute(k, v);
  document.head.append(s);
  return s;
}

beforeEach(() => {
  resetKeys();
  visit('https://www.shop.example/');
  document.head.innerHTML = '';
  delete w.omnitrail;
});
afterEach(() => vi.unstubAllGlobals());

it('replays calls queued by the snippet in order, before the automatic page view', async () => {
  const calls = mockFetch();
  snippetStub();
  w.omnitrail!('identify', 'cust-7');
  w.omnitrail!('track', 'Early', { n: 1 });
  w.omnitrail!('track', 'Early', { n: 2 });
  scriptTag({ 'data-write-key': key(), 'data-debug': '' });
  boot(memoryQueue);
  await w.omnitrail!.flush!();
  expect(sent(calls).map((e) => [e.type, e.event ?? null, e.properties?.n ?? null, e.userId])).toEqual([
    ['identify', null, null, 'cust-7'],
    ['track', 'Early', 1, 'cust-7'],
    ['track', 'Early', 2, 'cust-7'],
    ['page', null, null, 'cust-7'],
  ]);
  // The endpoint defaults to the script's own origin: the collector serves the script.
  expect(calls.filter((c) => c.url.startsWith('https://t.shop.example/v1/batch?writeKey='))).toHaveLength(1);
});

it('exposes window.omnitrail as a function and as methods, and reads data-* attributes', async () => {
  const calls = mockFetch();
  const wk = key();
  scriptTag({ 'data-write-key': wk, 'data-endpoint': 'https://c.shop.example', 'data-consent': 'pending', 'data-auto-page': 'false' });
  boot(memoryQueue);
  w.omnitrail!('track', 'held');
  w.omnitrail!.track!('held2');
  expect(w.omnitrail!('no-such-method')).toBeUndefined();
  await w.omnitrail!.flush!();
  expect(calls).toHaveLength(0); // consent pending
  w.omnitrail!('consent', 'granted');
  await w.omnitrail!.flush!();
  expect(sent(calls).map((e) => e.event)).toEqual(['held', 'held2']); // no automatic page view
  expect(calls.map((c) => c.url)).toContain(`https://c.shop.example/v1/batch?writeKey=${wk}`);
});

it('turns vitals off with data-vitals="false" and cookieless on with data-cookieless', async () => {
  const calls = mockFetch();
  const vitals = vi.fn();
  scriptTag({ 'data-write-key': key(), 'data-vitals': 'false', 'data-consent': 'denied', 'data-cookieless': '' });
  boot(memoryQueue, vitals);
  expect(vitals).not.toHaveBeenCalled();
  await vi.waitFor(() => expect(sent(calls)).toHaveLength(1));
  expect(sent(calls)[0]).toMatchObject({ type: 'page', context: { omnitrail: { cookieless: true } } });
  document.head.innerHTML = '';
  scriptTag({ 'data-write-key': key() });
  boot(memoryQueue, vitals);
  expect(vitals).toHaveBeenCalledTimes(1);
});

it('a missing write key is a clear console error, not an exception in the page; the stub stays', () => {
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  snippetStub();
  const stub = w.omnitrail;
  scriptTag({});
  expect(() => boot(memoryQueue)).not.toThrow();
  expect(String(error.mock.calls[0][0])).toContain('[omnitrail] writeKey and an absolute endpoint URL are required');
  expect(w.omnitrail).toBe(stub);
  error.mockRestore();
});

it('a data-consent that is not a consent state is reported once and starts pending (never granted)', async () => {
  const calls = mockFetch();
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  wipeDevice();
  scriptTag({ 'data-write-key': key(), 'data-consent': 'yes' });
  boot(memoryQueue);
  expect(error).toHaveBeenCalledTimes(1);
  expect(error.mock.calls[0]).toEqual(['[omnitrail] consent must be granted, pending or denied', 'yes']);
  await w.omnitrail!.flush!();
  expect(calls).toHaveLength(0);
  expect(document.cookie).not.toContain('ot_id');
  w.omnitrail!('consent', 'granted');
  await w.omnitrail!.flush!();
  expect(sent(calls).map((e) => e.type)).toEqual(['page']);
  error.mockRestore();
});
