import { after } from './plugin';
import type { Plugin } from './types';

/**
 * QR landing pages: reads the scan token (`ot_scan`) from the landing URL, strips it from the
 * visible URL with `history.replaceState` (so it is neither bookmarked nor shared, nor sent
 * twice), and sends it once as `context.omnitrail.scanToken` (never on a cookieless event).
 *
 * @example
 * createTracker({ writeKey, endpoint, plugins: [sessions(), scanToken()] });
 */
export const scanToken = (): Plugin => (c) => {
  const { pathname, search, hash } = location;
  let token = new URLSearchParams(search).get('ot_scan');
  if (token)
    try {
      // Only the ot_scan pair is cut out of the raw query: URLSearchParams would re-encode the
      // others (`flag` → `flag=`, `%20` → `+`), which the site's own code may read verbatim.
      history.replaceState(history.state, '', pathname + search.replace(/[?&]ot_scan=[^&]*/g, '').replace(/^&/, '?') + hash);
    } catch {
      // No history API (sandboxed frame): the token still goes out, the URL just keeps it.
    }
  c._enrich = after(c._enrich, (_e, om) => {
    if (token && !om.cookieless) {
      om.scanToken = token;
      token = null;
    }
  });
};
