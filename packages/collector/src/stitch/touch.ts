import type { Touch, TouchKind } from '../attribution/journey';
import type { StoredEvent } from '../store/core';
import { eventIdentity } from './derive';
import { sessionSource } from './sessions';

/** Journey touches from stored events (shared by the journeys iterator and profiles). */

function urlOf(url: unknown): URL | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** UTM parameters (`utm_campaign` → `campaign`) and click IDs of a landing URL, as the SDK reads them (sdk/src/context.ts). */
const PARAM = /^(?:utm_(source|medium|campaign|term|content|source_platform)|gclid|gbraid|wbraid|fbclid|msclkid|ttclid|li_fat_id|twclid)$/;
function urlCampaign(search: string): { utm: Record<string, string>; clickIds: Record<string, string> } {
  const utm: Record<string, string> = {};
  const clickIds: Record<string, string> = {};
  if (search.length > 1) {
    for (const [k, v] of new URLSearchParams(search)) {
      const m = v && PARAM.exec(k);
      // The first value of a repeated parameter wins, as with URLSearchParams.get().
      if (m) (m[1] ? utm : clickIds)[m[1] || k] ??= v;
    }
  }
  return { utm, clickIds };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The journey touch an event represents (the deriver decided the kind when it stored the ref).
 *
 * @example
 * touchOf('session', storedEvent) // { ts, kind: 'session', messageId, utm: { source: 'newsletter', medium: 'email' }, … }
 */
export function touchOf(kind: TouchKind, ev: StoredEvent): Touch {
  const t: Touch = { ts: ev.timestamp, kind, messageId: ev.messageId };
  const p = ev.properties;
  if (kind === 'session') {
    const page = (ev.context.page ?? {}) as Record<string, unknown>;
    const url = urlOf(page.url);
    const ot = (ev.context.omnitrail ?? {}) as Record<string, unknown>;
    let c = (ev.context.campaign ?? {}) as Record<string, unknown>;
    let clickIds = ot.clickIds && typeof ot.clickIds === 'object' && Object.keys(ot.clickIds).length ? (ot.clickIds as Record<string, string>) : undefined;
    // Segment libraries (and the SDK without sessions()) may send only the landing URL: read its
    // UTM parameters and click IDs where context.campaign / omnitrail.clickIds are absent.
    const noCampaign = !Object.keys(c).length;
    if (noCampaign || !clickIds) {
      const search = typeof page.search === 'string' && page.search ? page.search : (url?.search ?? '');
      const fromUrl = search.includes('=') ? urlCampaign(search) : null;
      if (fromUrl && noCampaign && Object.keys(fromUrl.utm).length) c = fromUrl.utm;
      if (fromUrl && !clickIds && Object.keys(fromUrl.clickIds).length) clickIds = fromUrl.clickIds;
    }
    const utm: NonNullable<Touch['utm']> = {};
    if (str(c.source)) utm.source = str(c.source);
    if (str(c.medium)) utm.medium = str(c.medium);
    if (str(c.name) ?? str(c.campaign)) utm.campaign = str(c.name) ?? str(c.campaign);
    if (str(c.term)) utm.term = str(c.term);
    if (str(c.content)) utm.content = str(c.content);
    if (str(c.source_platform)) utm.source_platform = str(c.source_platform);
    if (Object.keys(utm).length) t.utm = utm;
    if (str(page.referrer)) t.referrer = str(page.referrer);
    if (url?.host) t.pageHost = url.host;
    if (clickIds) t.clickIds = clickIds;
    if (sessionSource(ev) === 'server') t.serverSession = true;
  } else if (kind === 'qr') {
    t.qr = { code: String(p.code ?? ''), campaignId: String(p.campaign_id ?? ''), personalised: p.personalised === true };
    if (str(p.campaign_name)) t.qr.campaignName = str(p.campaign_name);
    // The campaign UTM the redirect added (scans recorded since it is in the event).
    const u = p.utm && typeof p.utm === 'object' ? (p.utm as Record<string, unknown>) : {};
    const utm: NonNullable<Touch['utm']> = {};
    if (str(u.utm_source)) utm.source = str(u.utm_source);
    if (str(u.utm_medium)) utm.medium = str(u.utm_medium);
    if (str(u.utm_campaign)) utm.campaign = str(u.utm_campaign);
    if (str(u.utm_term)) utm.term = str(u.utm_term);
    if (str(u.utm_content)) utm.content = str(u.utm_content);
    if (Object.keys(utm).length) t.utm = utm;
  } else if (kind === 'offline') {
    t.offline = { type: String(p.touchpoint_type ?? 'custom') };
    if (str(p.location)) t.offline.location = str(p.location);
  }
  return t;
}

/**
 * The touch an event is, if any (same rule as the identity deriver), with display details.
 *
 * @example
 * eventTouch(pageEventWithSessionStart)?.touch.kind // 'session'
 */
export function eventTouch(ev: StoredEvent): { touch: Touch; detail: Record<string, unknown> } | null {
  const kind = eventIdentity(ev).touch?.kind;
  if (!kind) return null;
  const touch = touchOf(kind, ev);
  const p = ev.properties;
  const page = (ev.context.page ?? {}) as Record<string, unknown>;
  const detail: Record<string, unknown> =
    kind === 'session'
      ? { url: page.url ?? null, referrer: page.referrer ?? null, ...(touch.clickIds ? { clickIds: touch.clickIds } : {}) }
      : kind === 'qr'
        ? { code: p.code ?? null, campaignId: p.campaign_id ?? null, campaignName: p.campaign_name ?? null, personalised: p.personalised === true }
        : kind === 'offline'
          ? { type: p.touchpoint_type ?? null, name: p.name ?? null, location: p.location ?? null, note: p.note ?? null, staff: p.staff ?? null }
          : kind === 'handoff'
            ? { code: p.code ?? null, expiresAt: p.expires_at ?? null }
            : {};
  return { touch, detail };
}
