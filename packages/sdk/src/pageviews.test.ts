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
  const page = vi.spyOn(t, 'page');
  stop = trackPageviews(t);
  // Page views are recorded 100 ms later (hashchange and popstate are async too): wait for each.
  const views = (n: number) => vi.waitFor(() => expect(page).toHaveBeenCalledTimes(n));
  history.pushState({}, '', '/products');
  history.replaceState({ scroll: 1 }, '', '/products'); // state only, same URL: not a page view
  await views(2);
  history.replaceState({}, '', '/products?sort=price');
  await views(3);
  location.hash = '#reviews';
  await views(4);
  history.pushState({}, '', '/cart');
  await views(5);
  history.back();
  await views(6);
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

it('records an SPA page view with the title the router sets after pushState (same task or a later one), and a redirect once', async () => {
  const calls = mockFetch();
  const t = createTracker({ writeKey: key(), endpoint: 'https://t.shop.example', flushDelay: 60_000 });
  const page = vi.spyOn(t, 'page');
  const views = (n: number) => vi.waitFor(() => expect(page).toHaveBeenCalledTimes(n));
  document.title = 'Home';
  stop = trackPageviews(t);
  history.pushState({}, '', '/cart');
  document.title = 'Cart'; // in the same task
  await views(2);
  history.pushState({}, '', '/products/1');
  setTimeout(() => (document.title = 'Product 1')); // in a later task
  await views(3);
  history.pushState({}, '', '/login');
  history.replaceState({}, '', '/account'); // a redirect
  document.title = 'Account';
  await views(4);
  await t.flush();
  const pages = sent(calls).filter((e) => e.type === 'page');
  expect(pages.map((e) => [e.context!.page!.path, e.context!.page!.title])).toEqual([
    ['/', 'Home'],
    ['/cart', 'Cart'],
    ['/products/1', 'Product 1'],
    ['/account', 'Account'],
  ]);
});
