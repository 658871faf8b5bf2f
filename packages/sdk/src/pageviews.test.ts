import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createTracker } from './tracker';
import { trackPageviews } from './pageviews';
import { key, mockFetch, resetKeys, sent, visit } from './test-helpers';

let stop: (() => void) | undefined;
beforeEach(() => {
  resetKeys();
  visit('https://www.shop.example/?utm_source=ads');
});
afterEach(() => {
  stop?.();
  vi.unstubAllGlobals();
});

it('records the landing page and every SPA navigation, once per URL, with the previous page as referrer', async () => {
  const calls = mockFetch();
  const t = createTracker({ writeKey: key(), endpoint: 'https://t.shop.example', flushDelay: 60_000 });
  stop = trackPageviews(t);
  history.pushState({}, '', '/products');
  history.replaceState({ scroll: 1 }, '', '/products'); // state only, same URL: not a page view
  history.replaceState({}, '', '/products?sort=price');
  location.hash = '#reviews';
  await new Promise((r) => setTimeout(r, 10)); // hashchange is async
  history.pushState({}, '', '/cart');
  history.back();
  await new Promise((r) => setTimeout(r, 10)); // popstate is async
  await t.flush();
  const pages = sent(calls).filter((e) => e.type === 'page');
  expect(pages.map((e) => `${e.context!.page!.path}${e.context!.page!.search}`)).toEqual([
    '/?utm_source=ads',
    '/products',
    '/products?sort=price',
    '/products?sort=price',
    '/cart',
    '/products?sort=price',
  ]);
  expect(pages[1].context!.page!.referrer).toBe('https://www.shop.example/?utm_source=ads');
  expect(pages[4].context!.page!.referrer).toBe('https://www.shop.example/products?sort=price#reviews');
});

it('restores history and stops on the returned function', async () => {
  const calls = mockFetch();
  const t = createTracker({ writeKey: key(), endpoint: 'https://t.shop.example', flushDelay: 60_000 });
  const push = history.pushState;
  const off = trackPageviews(t);
  expect(history.pushState).not.toBe(push);
  off();
  expect(history.pushState).toBe(push);
  history.pushState({}, '', '/after');
  await t.flush();
  expect(sent(calls).filter((e) => e.type === 'page')).toHaveLength(1);
});
