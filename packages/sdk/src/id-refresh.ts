import { after } from './plugin';
import type { Plugin } from './types';

/**
 * Safari ITP caps cookies set by scripts at 7 days: asks the collector (`POST /v1/id`, with
 * credentials) to re-set the ID cookie from the server, once per session with `sessions()`
 * (otherwise once per page load). Only when the collector is on the site's registrable domain,
 * where its cookie is first-party, unless `force` is true. See the README (Safari ITP).
 *
 * @example
 * createTracker({ writeKey, endpoint: 'https://t.shop.com', plugins: [sessions(), idRefresh()] });
 */
export const idRefresh =
  (force?: boolean): Plugin =>
  (c) => {
    let due = 0;
    let once = 0;
    const host = '.' + new URL(c._o.endpoint).hostname;
    c._pushed = after(c._pushed, (e) => {
      const om = e.context!.omnitrail!;
      if (om.sessionStart || (!om.sessionId && !once)) due = once = 1;
    });
    // After the queue write: the stored ID has been restored by then, and consent is granted.
    c._written = after(c._written, () => {
      const domain = c._domain;
      // Same site: the collector's host is the cookie domain or under it ('' for an IP or localhost never matches).
      if (due && c._granted() && (force ?? host.endsWith('.' + domain))) {
        due = 0;
        c._send('id', { anonymousId: c._aid(), domain }, { credentials: 'include' }).catch(() => {});
      }
    });
  };
