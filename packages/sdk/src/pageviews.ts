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
  const { pushState, replaceState } = h;
  // Patch the instance, not History.prototype, so other code on the page is untouched.
  h.pushState = (...a) => (pushState.apply(h, a), check());
  h.replaceState = (...a) => (replaceState.apply(h, a), check());
  addEventListener('popstate', check);
  addEventListener('hashchange', check);
  tracker.page();
  return () => {
    Object.assign(h, { pushState, replaceState });
    removeEventListener('popstate', check);
    removeEventListener('hashchange', check);
  };
}
