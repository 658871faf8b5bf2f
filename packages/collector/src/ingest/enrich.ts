import UAParser from 'ua-parser-js';
import { createIsbotFromList, list as isbotList } from 'isbot';
import type { UaInfo } from '../store/types';

/**
 * Link-preview and mail-security scanners isbot 5 does not know, as case-insensitive regular
 * expression sources — the one place to add more. They fetch every link in a message (Office
 * Safe Links, Proofpoint URL Defense) or preview it in a chat, and were counted as QR scans:
 * - Viber's preview fetcher (`Viber/13.3.0.7 CFNetwork/1220.1 Darwin/20.3.0`; its in-app browser
 *   sends a `Mozilla/5.0 …` string and is not matched);
 * - Microsoft Outlook / Office link checks (`… Microsoft Outlook 16.0.17231 …`, `… MSOffice 16`,
 *   `compatible; ms-office`);
 * - Proofpoint (`Mozilla/5.0 (compatible; proofpoint)`).
 */
export const EXTRA_BOT_PATTERNS: readonly string[] = ['\\bviber/[\\d.]+ cfnetwork/', '\\bmicrosoft outlook\\b', '\\bmsoffice \\d', '\\bms-office\\b', '\\bproofpoint\\b'];

/** isbot's list plus {@link EXTRA_BOT_PATTERNS}: ingest's bot flag and the QR scan endpoint both use it. */
const isbot = createIsbotFromList([...isbotList, ...EXTRA_BOT_PATTERNS]);

/** Classes a user agent is reduced to (the raw string is not kept in reports). */
export type DeviceClass = 'desktop' | 'mobile' | 'tablet' | 'bot' | 'other';

/** Parsed user agent plus the bot flag. */
export interface UaClass {
  ua: UaInfo;
  bot: boolean;
}

/**
 * Classify one user-agent string with ua-parser-js 1.x (browser, OS, device type) and isbot
 * (with {@link EXTRA_BOT_PATTERNS}).
 * Bots get device class `bot`; devices ua-parser-js cannot type are `desktop` when a desktop OS
 * was recognised (it leaves desktops untyped), otherwise `other`.
 *
 * @example
 * classifyUa('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) … Safari/604.1')
 * // { ua: { browser: 'Mobile Safari', os: 'iOS', device: 'mobile' }, bot: false }
 */
export function classifyUa(uaString: string): UaClass {
  const bot = isbot(uaString);
  const r = UAParser(uaString);
  let device: DeviceClass;
  if (bot) device = 'bot';
  else if (r.device.type === 'mobile' || r.device.type === 'wearable') device = 'mobile';
  else if (r.device.type === 'tablet') device = 'tablet';
  else if (r.device.type) device = 'other';
  else if (r.os.name && DESKTOP_OS.has(r.os.name)) device = 'desktop';
  else device = 'other';
  return { ua: { browser: r.browser.name ?? null, os: r.os.name ?? null, device }, bot };
}

const DESKTOP_OS = new Set(['Windows', 'Mac OS', 'macOS', 'Linux', 'Ubuntu', 'Chromium OS', 'Fedora', 'Debian', 'FreeBSD', 'OpenBSD']);

/**
 * A bounded memoising wrapper around {@link classifyUa}. Parsing costs tens of microseconds
 * (dozens of regular expressions) while real traffic repeats a few hundred distinct strings, so
 * the hot path is a Map hit. When full, the cache is cleared rather than tracked LRU: cheaper,
 * and a flood of unique strings cannot grow memory.
 *
 * @example
 * const uaOf = createUaCache(2000);
 * uaOf(req.headers.get('user-agent') ?? '').bot
 */
export function createUaCache(maxEntries = 2000): (uaString: string) => UaClass {
  const cache = new Map<string, UaClass>();
  return (s) => {
    let hit = cache.get(s);
    if (!hit) {
      hit = classifyUa(s.length > 512 ? s.slice(0, 512) : s);
      if (cache.size >= maxEntries) cache.clear();
      cache.set(s, hit);
    }
    return hit;
  };
}
