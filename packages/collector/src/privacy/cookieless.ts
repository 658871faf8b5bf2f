import type { Site } from '../store/core';

/** What a cookieless event becomes: the event with its daily visitor hash, or why it is refused. */
export type CookielessResult = { ok: true; raw: Record<string, unknown> } | { ok: false; reason: string };

const DAY = 86_400_000;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True for an event the SDK sent under `denied` consent in cookieless mode (no IDs at all). */
export function isCookieless(raw: unknown): boolean {
  if (!isObject(raw) || !isObject(raw.context)) return false;
  const ot = raw.context.omnitrail;
  return isObject(ot) && ot.cookieless === true;
}

/**
 * Cookieless audience measurement for visitors who denied consent (opt-in per site with
 * `settings.cookieless: true`). Nothing is stored on the device; the collector counts page
 * views with a visitor hash = SHA-256(daily salt ‖ site ‖ client IP ‖ user agent).
 *
 * The salt is random, made per UTC day, held only in this process's memory and dropped when
 * the day is over (so it never lives 48 h and cannot be recomputed later): the same visitor
 * gets a different hash tomorrow, and no hash can be linked to a person or to another day.
 * Only `page` events are accepted; they carry consent `denied`, so they are never stitched.
 * Several collector instances each have their own salt: a visitor who hits two instances the
 * same day counts twice (documented in PRIVACY.md).
 *
 * @example
 * const cookieless = createCookieless();
 * const r = await cookieless.prepare(rawEvent, site, clientIp, userAgent, Date.now());
 */
export function createCookieless() {
  let day = -1;
  let salt = '';

  function saltFor(now: number): string {
    const d = Math.floor(now / DAY);
    if (d !== day) {
      // Yesterday's salt is forgotten here, never written anywhere.
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      salt = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      day = d;
    }
    return salt;
  }

  return {
    async prepare(raw: unknown, site: Site, ip: string | null, ua: string | null, now: number): Promise<CookielessResult> {
      const ev = raw as Record<string, unknown>;
      if (site.settings.cookieless !== true) {
        return { ok: false, reason: 'cookieless events are off for this site (settings.cookieless); the SDK should drop events under denied consent' };
      }
      if (ev.type !== 'page') return { ok: false, reason: 'cookieless mode accepts page events only (aggregate page counts)' };
      if (ev.anonymousId != null || ev.userId != null) return { ok: false, reason: 'a cookieless event must not carry anonymousId or userId' };
      const input = new TextEncoder().encode(`${saltFor(now)}|${site.id}|${ip ?? ''}|${ua ?? ''}`);
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', input));
      const hash = Array.from(digest.subarray(0, 12), (b) => b.toString(16).padStart(2, '0')).join('');
      const context = { ...(ev.context as Record<string, unknown>) };
      context.omnitrail = { ...(context.omnitrail as Record<string, unknown>), consent: 'denied', cookieless: true };
      // Traits and free properties could identify; a cookieless page view keeps only page facts.
      return { ok: true, raw: { type: 'page', messageId: ev.messageId, name: ev.name, timestamp: ev.timestamp, sentAt: ev.sentAt, anonymousId: `ck_${hash}`, context, properties: {} } };
    },
  };
}
