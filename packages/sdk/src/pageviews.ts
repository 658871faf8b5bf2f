import type { Tracker } from './types';

/**
 * Ms between a navigation and its page view: routers set `document.title` after `pushState`, some
 * in the same task, others in a later one (a `setTimeout`, React's scheduler); 100 ms covers both.
 */
const SETTLE = 100;

/**
 * Records a page view now and on every SPA navigation: `history.pushState` / `replaceState`,
 * `popstate` and hash changes. A URL that did not change (a router storing state) is not a
 * new page. The view is recorded 100 ms later, so it has the title the router sets after
 * `pushState`; a URL replaced again meanwhile (a redirect) counts only once, as the final one.
 * Returns a function that stops tracking and restores `history`.
 *
 * @example
 * const ot = createTracker({ writeKey, endpoint });
 * const stop = trackPageviews(ot);
 */
export function trackPageviews(tracker: Tracker): () => void {
  let last = location.href;
  const check = () => {
    const url = location.href;
    if (url != last) {
      last = url;
      setTimeout(() => location.href == url && tracker.page(), SETTLE);
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
