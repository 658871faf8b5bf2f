import { campaignOf } from './context';
import { after } from './plugin';
import { ls } from './storage';
import type { Plugin } from './types';
import { uuidv7 } from './uuid';

const SESSION_KEY = 'ot_ses';

type Session = [id: string, lastActivity: number, campaignKey: string];

/**
 * Sessions and campaigns: `context.omnitrail.sessionId` / `sessionStart` (a session ends after
 * `timeout` ms without events, or when a new campaign arrives; the site's tabs share it through
 * localStorage), `context.campaign` from the UTM parameters and `context.omnitrail.clickIds`
 * (gclid, fbclid, …) of the landing URL. The collector's attribution needs all three.
 *
 * @example
 * createTracker({ writeKey, endpoint, plugins: [sessions()] });
 */
export const sessions =
  (timeout = 18e5): Plugin =>
  (c) => {
    let s: Session | undefined;
    /** When this tab last synced the session with localStorage (shared by the tabs of the site). */
    let synced = 0;
    let search: string | undefined;
    let found: ReturnType<typeof campaignOf>;
    const load = (v?: string | null) => {
      try {
        s = JSON.parse(v!) || s;
      } catch {
        // A damaged value starts a new session.
      }
    };
    // Another tab changed the session (or its reset() removed it): follow at once, so both tabs
    // keep one session and neither writes back the one a reset ended.
    addEventListener('storage', (e) => e.key == SESSION_KEY && ((s = undefined), load(e.newValue)));
    c._enrich = after(c._enrich, (e, om) => {
      // Parsed once per query string: URLSearchParams costs µs per event.
      if (search != location.search) found = campaignOf((search = location.search));
      // Either found: both go, even if one is empty.
      if (found[2]) {
        e.context!.campaign ??= found[0];
        if (!om.cookieless) om.clickIds = found[1];
      }
    });
    // The session is given when an event is consented (queued), not when it is made: events held
    // under `pending` join the stored session on grant instead of starting one of their own.
    // First in the chain (`after(mine, previous)`), so idRefresh() sees sessionStart whatever the plugin order.
    c._pushed = after((e) => {
      const om = e.context!.omnitrail!;
      const key = found[2];
      const now = Date.now();
      // localStorage costs tens of µs per call in Chromium: sync at most every 5 s, and on every change.
      if (now - synced > 5000) load(ls(SESSION_KEY));
      if (!s || now - s[1] > timeout || (key && key != s[2])) {
        s = [uuidv7(), now, key];
        synced = 0;
        om.sessionStart = true;
      } else s[1] = now;
      if (now - synced > 5000) ls(SESSION_KEY, JSON.stringify(s)), (synced = now);
      om.sessionId = s[0];
    }, c._pushed);
    c._forget = after(c._forget, () => {
      s = undefined;
      ls(SESSION_KEY, null);
    });
  };
