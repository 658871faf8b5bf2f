import type { Tracker } from './types';

/**
 * Records a page view now and on every SPA navigation: `history.pushState` / `replaceState`,
 * `popstate` and hash changes. A URL that did not change (a router storing state) is not a
 * new page. The view is recorded a task later, so it has the title the router sets after
 * `pushState`; a URL replaced within that task (a redirect) counts only once, as the final one.
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
      setTimeout(() => location.href == url && tracker.page());
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
