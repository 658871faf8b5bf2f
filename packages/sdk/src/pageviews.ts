import type { Tracker } from './types';

/**
 * Records a page view now and on every SPA navigation: `history.pushState` / `replaceState`,
 * `popstate` and hash changes. A URL that did not change (a router storing state) is not a
 * new page. Returns a function that stops tracking and restores `history`.
 *
 * @example
 * const ot = createTracker({ writeKey, endpoint });
 * const stop = trackPageviews(ot);
 */
export function trackPageviews(tracker: Tracker): () => void {
  let last = location.href;
  const check = () => {
    if (location.href != last) {
      last = location.href;
      tracker.page();
    }
  };
  const h = history;
  const originals = [h.pushState, h.replaceState];
  // Patch the instance, not History.prototype, so other code on the page is untouched.
  originals.forEach((f, i) => {
    h[i ? 'replaceState' : 'pushState'] = function (this: History, ...a: Parameters<History['pushState']>) {
      f.apply(this, a);
      check();
    };
  });
  addEventListener('popstate', check);
  addEventListener('hashchange', check);
  tracker.page();
  return () => {
    [h.pushState, h.replaceState] = originals;
    removeEventListener('popstate', check);
    removeEventListener('hashchange', check);
  };
}
