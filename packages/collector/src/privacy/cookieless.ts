import type { Site } from '../store/core';
import { dayIn, dayStart, nextDay, siteTimeZone } from '../reports/zone';

/** What a cookieless event becomes: the event with its daily visitor hash, or why it is refused. */
export type CookielessResult = { ok: true; raw: Record<string, unknown> } | { ok: false; reason: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, max = 2048): string | undefined {
  return typeof v === 'string' && v.length <= max ? v : undefined;
}

/** Keep only `utm_*` parameters of a query string (`?a=1&utm_source=x` → `?utm_source=x`). */
function campaignQuery(search: string): string {
  const kept = new URLSearchParams();
  for (const [k, v] of new URLSearchParams(search)) if (/^utm_[a-z]+$/i.test(k)) kept.append(k, v);
  const q = kept.toString();
  return q ? `?${q}` : '';
}

/** `origin + path + utm_* query`, no fragment, no other parameter; undefined if not an http(s) URL. */
function pageUrl(v: unknown): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  try {
    const u = new URL(s);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.origin + u.pathname + campaignQuery(u.search);
  } catch {
    return undefined;
  }
}

/** The referrer's origin only: the channel rules need the host; its path and query are another site's business (and may name the visitor). */
function referrerOrigin(v: unknown): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? `${u.origin}/` : undefined;
  } catch {
    return undefined;
  }
}

const CAMPAIGN_KEYS = ['name', 'source', 'medium', 'term', 'content'] as const;

/**
 * The context a cookieless page view may keep — an allow-list, so whatever else a client sends
 * (`traits`, `device.id`, `advertisingId`, `ip`, session IDs, click IDs, scan tokens) is dropped:
 * - `page`: `path`, `title`, `url` as origin + path + `utm_*` parameters only (a query string can
 *   carry an e-mail, an order or reset token), `search` likewise, `referrer` reduced to its origin;
 * - `campaign`: name, source, medium, term, content (strings);
 * - `locale`, `library` (name, version);
 * - `userAgent`, only so ingest can classify it (browser, OS, device class); the string itself is
 *   never stored (ingest/validate.ts);
 * - `omnitrail`: `{ consent: 'denied', cookieless: true }` and nothing else.
 * Screen size and time zone are left out on purpose: they add fingerprinting entropy and no
 * page-count report needs them.
 *
 * @example
 * cookielessContext({ page: { url: 'https://s.example/a?email=x%40y.z&utm_source=nl' }, traits: { name: 'X' } })
 * // { page: { url: 'https://s.example/a?utm_source=nl' }, omnitrail: { consent: 'denied', cookieless: true } }
 */
export function cookielessContext(ctx: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const c = isObject(ctx) ? ctx : {};
  if (isObject(c.page)) {
    const p = c.page;
    const page: Record<string, unknown> = {};
    const path = str(p.path);
    if (path !== undefined) page.path = path;
    const title = str(p.title, 512);
    if (title !== undefined) page.title = title;
    const url = pageUrl(p.url);
    if (url !== undefined) page.url = url;
    const search = str(p.search);
    if (search !== undefined) page.search = campaignQuery(search);
    const referrer = referrerOrigin(p.referrer);
    if (referrer !== undefined) page.referrer = referrer;
    out.page = page;
  }
  if (isObject(c.campaign)) {
    const campaign: Record<string, unknown> = {};
    for (const k of CAMPAIGN_KEYS) {
      const v = str(c.campaign[k], 256);
      if (v !== undefined) campaign[k] = v;
    }
    out.campaign = campaign;
  }
  const locale = str(c.locale, 35);
  if (locale !== undefined) out.locale = locale;
  if (isObject(c.library)) out.library = { name: str(c.library.name, 100), version: str(c.library.version, 100) };
  const ua = str(c.userAgent);
  if (ua !== undefined) out.userAgent = ua;
  out.omnitrail = { consent: 'denied', cookieless: true };
  return out;
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
 * The salt is random, made per day of the site's time zone (`settings.timezone`, the days its
 * reports count), held only in this process's memory and dropped when that day is over (so it
 * cannot be recomputed later): the same visitor gets a different hash tomorrow, and no hash can
 * be linked to a person or to another day. Local days, not UTC days: with UTC days a visitor
 * active across UTC midnight — late afternoon in the Americas — counted twice on one local day.
 * Only `page` events are accepted; they carry consent `denied`, so they are never stitched.
 * Several collector instances each have their own salt: a visitor who hits two instances the
 * same day counts twice (documented in PRIVACY.md).
 *
 * @example
 * const cookieless = createCookieless();
 * const r = await cookieless.prepare(rawEvent, site, clientIp, userAgent, Date.now());
 */
export function createCookieless() {
  /** `zone|YYYY-MM-DD` → that local day's salt and the instant the day ends. */
  const salts = new Map<string, { salt: string; end: number }>();

  /** Forgets every salt whose day is over: it is never written anywhere. */
  function sweep(now: number): void {
    for (const [k, v] of salts) if (now >= v.end) salts.delete(k);
  }

  function saltFor(now: number, tz: string): string {
    sweep(now);
    const day = dayIn(now, tz);
    const key = `${tz}|${day}`;
    let s = salts.get(key);
    if (!s) {
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      const entry = { salt: Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''), end: dayStart(nextDay(day), tz) };
      s = entry;
      salts.set(key, entry);
      // Also forgotten on time when no further cookieless event comes (Node; unreferenced, so
      // it never keeps a process alive). The sweep above covers runtimes without timers. Only
      // this salt: a clock passed in (`now`, tests) need not agree with the timer's.
      const t = setTimeout(() => salts.get(key) === entry && salts.delete(key), Math.max(0, entry.end - now) + 1_000) as unknown as { unref?: () => void };
      t.unref?.();
    }
    return s.salt;
  }

  return {
    async prepare(raw: unknown, site: Site, ip: string | null, ua: string | null, now: number): Promise<CookielessResult> {
      const ev = raw as Record<string, unknown>;
      if (site.settings.cookieless !== true) {
        return { ok: false, reason: 'cookieless events are off for this site (settings.cookieless); the SDK should drop events under denied consent' };
      }
      if (ev.type !== 'page') return { ok: false, reason: 'cookieless mode accepts page events only (aggregate page counts)' };
      if (ev.anonymousId != null || ev.userId != null) return { ok: false, reason: 'a cookieless event must not carry anonymousId or userId' };
      const input = new TextEncoder().encode(`${saltFor(now, siteTimeZone(site.settings))}|${site.id}|${ip ?? ''}|${ua ?? ''}`);
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', input));
      const hash = Array.from(digest.subarray(0, 12), (b) => b.toString(16).padStart(2, '0')).join('');
      // Traits, device IDs and free properties could identify; a cookieless page view keeps only
      // page facts (cookielessContext's allow-list).
      const context = cookielessContext(ev.context);
      return { ok: true, raw: { type: 'page', messageId: ev.messageId, name: ev.name, timestamp: ev.timestamp, sentAt: ev.sentAt, anonymousId: `ck_${hash}`, context, properties: {} } };
    },
  };
}
