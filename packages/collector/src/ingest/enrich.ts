import UAParser from 'ua-parser-js';
import { isbot } from 'isbot';
import type { UaInfo } from '../store/types';

/** Classes a user agent is reduced to (the raw string is not kept in reports). */
export type DeviceClass = 'desktop' | 'mobile' | 'tablet' | 'bot' | 'other';

/** Parsed user agent plus the bot flag. */
export interface UaClass {
  ua: UaInfo;
  bot: boolean;
}

/**
 * Classify one user-agent string with ua-parser-js 1.x (browser, OS, device type) and isbot.
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
