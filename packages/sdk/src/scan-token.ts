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
  const u = new URL(location.href);
  const p = u.searchParams;
  let token = p.get('ot_scan');
  if (token)
    try {
      p.delete('ot_scan');
      history.replaceState(history.state, '', u.href);
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
