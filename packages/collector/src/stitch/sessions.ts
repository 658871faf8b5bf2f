import type { Touch } from '../attribution/journey';
import type { StoredEvent } from '../store/core';

/**
 * Sessions for events that do not carry the SDK's session marker — page views from Segment
 * libraries, or from the npm SDK without its `sessions()` plugin (README: any Segment client can
 * send to Omnitrail). GA4's rules, applied by the collector:
 *
 * - every such page/screen view is a *candidate* session start (a `session` touch marked
 *   `serverSession`, its UTM and click IDs read from `page.url` / `page.search` when
 *   `context.campaign` / `context.omnitrail.clickIds` are absent — see touch.ts);
 * - when journeys are read, a candidate starts a session when it is the person's first, comes
 *   more than 30 minutes after the previous candidate, or carries a campaign (UTM / click IDs)
 *   other than the current session's; the others continue the session and are dropped.
 *
 * Why decided at read time over the stored candidates, not at ingest with a "last seen" state:
 * events arrive late and out of order (offline queues, retries); a late page view between two
 * others would change whether its successor starts a session. Over the stored set the answer is
 * the same whatever the arrival order (product.md, order independence), and the pass is linear
 * in the person's touches. Decisions:
 * - inactivity is measured between page/screen views (track events carry no landing page);
 * - a referrer alone does not split a session (as in the SDK and GA4: a return from a payment
 *   provider would otherwise steal the credit); it still names the source of a session start;
 * - candidates of a person's browsers share one timeline (one person active within 30 minutes on
 *   two browsers is one visit); the SDK's own session starts are kept as they are, and a
 *   candidate within 30 minutes after one (same campaign) continues that session.
 */

/** GA4's and the SDK's session timeout. */
export const SESSION_TIMEOUT_MS = 30 * 60_000;

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * How an event's session start is decided: `client` (the SDK's `sessions()` plugin marks
 * `context.omnitrail.sessionStart` / `sessionId`; only `sessionStart: true` is a touch),
 * `server` (a page or screen view without that marker: a candidate, see above) or null.
 *
 * @example
 * sessionSource({ type: 'page', context: { page: { url: 'https://shop.example/?gclid=G1' } } }) // 'server'
 */
export function sessionSource(ev: Pick<StoredEvent, 'type' | 'context'>): 'client' | 'server' | null {
  const ot = obj(ev.context.omnitrail);
  if (ot.sessionStart === true || typeof ot.sessionId === 'string') return 'client';
  return ev.type === 'page' || ev.type === 'screen' ? 'server' : null;
}

/** The campaign of a touch (UTM and click IDs) as a comparable key; '' for none. */
export function campaignKey(t: Touch): string {
  if (!t.utm && !t.clickIds) return '';
  const u = t.utm ?? {};
  const ids = t.clickIds ? Object.keys(t.clickIds).sort().map((k) => `${k}=${t.clickIds![k]}`).join('&') : '';
  return [u.source, u.medium, u.campaign, u.term, u.content, ids].map((x) => x ?? '').join('\u0001');
}

/**
 * A session filter over a person's touches in time order: true for a touch to keep, false for a
 * server candidate that continues the current session (see the module doc).
 *
 * @example
 * const keep = serverSessions();
 * touches.filter(keep)
 */
export function serverSessions(): (t: Touch) => boolean {
  let last = Number.NEGATIVE_INFINITY;
  let key = '';
  return (t) => {
    if (t.kind !== 'session') return true;
    const k = campaignKey(t);
    if (!t.serverSession) {
      // The SDK's own session start: kept, and the session server candidates continue.
      last = t.ts;
      key = k;
      return true;
    }
    const starts = t.ts - last > SESSION_TIMEOUT_MS || (k !== '' && k !== key);
    last = t.ts;
    if (starts) key = k;
    return starts;
  };
}

/**
 * The touches of a person (sorted by time) with server candidates collapsed into sessions.
 *
 * @example
 * collapseServerSessions([{ ts: 0, serverSession: true, … }, { ts: 60_000, serverSession: true, … }]).length // 1
 */
export function collapseServerSessions(touches: Touch[]): Touch[] {
  for (const t of touches) if (t.serverSession) return touches.filter(serverSessions());
  return touches;
}
