import { QrInputError } from './errors';

/**
 * URL rules of QR campaigns. The redirect of `/q/<code>` is built only from what an admin
 * registered (target, UTM, fallback) plus a token the collector made; nothing of the scan
 * request (path rest, query, headers) ever reaches it, so there is no open redirect and no
 * header injection: `URL#href` percent-encodes CR/LF and every other control character.
 */

/** UTM parameters a campaign may set on its target URL. */
export const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'utm_id'] as const;
export type UtmKey = (typeof UTM_KEYS)[number];
export type Utm = Partial<Record<UtmKey, string>>;

/** Query parameter of the scan token on the landing URL (the SDK reads it). */
export const SCAN_TOKEN_PARAM = 'ot_scan';


function parseHttpUrl(raw: unknown, what: string): URL {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2000) {
    throw new QrInputError(`${what} must be an absolute http(s) URL of at most 2000 characters`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new QrInputError(`${what} "${raw.slice(0, 80)}" is not a valid absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new QrInputError(`${what} must use http or https, not ${url.protocol}`);
  }
  if (url.username || url.password) throw new QrInputError(`${what} must not contain credentials`);
  return url;
}

/**
 * Validates a campaign target: an http(s) URL whose origin is one of the site's origins
 * (a site with `*` accepts any http(s) origin). Returns the normalised URL string.
 *
 * @example
 * validateTargetUrl('https://shop.example/spring?x=1', ['https://shop.example']) // 'https://shop.example/spring?x=1'
 */
export function validateTargetUrl(raw: unknown, origins: string[]): string {
  const url = parseHttpUrl(raw, 'target URL');
  if (!origins.includes('*') && !origins.some((o) => sameOrigin(o, url))) {
    throw new QrInputError(
      `target URL origin ${url.origin} is not one of the site's origins (${origins.join(', ') || 'none configured'})`,
    );
  }
  return url.href;
}

function sameOrigin(origin: string, url: URL): boolean {
  try {
    return new URL(origin).origin === url.origin;
  } catch {
    return false;
  }
}

/**
 * Validates a fallback URL (shown for disabled, expired or not-yet-active codes): any http(s) URL
 * the admin chose. Returns the normalised URL string.
 *
 * @example
 * validateFallbackUrl('https://shop.example/') // 'https://shop.example/'
 */
export function validateFallbackUrl(raw: unknown): string {
  return parseHttpUrl(raw, 'fallback URL').href;
}

/**
 * Validates the public base URL printed into QR codes (`<base>/q/<code>`): http(s), no query or
 * fragment; trailing slashes removed.
 *
 * @example
 * validateBaseUrl('https://t.shop.example/') // 'https://t.shop.example'
 */
export function validateBaseUrl(raw: unknown): string {
  const url = parseHttpUrl(raw, 'base URL');
  if (url.search || url.hash) throw new QrInputError('base URL must not have a query or fragment');
  return url.href.replace(/\/+$/, '');
}

/**
 * Validates UTM parameters: known keys only, non-empty strings of at most 200 characters.
 *
 * @example
 * validateUtm({ utm_medium: 'print' }) // { utm_medium: 'print' }
 */
export function validateUtm(raw: unknown): Utm {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new QrInputError('utm must be an object');
  const out: Utm = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const key = (k.startsWith('utm_') ? k : `utm_${k}`) as UtmKey;
    if (!UTM_KEYS.includes(key)) throw new QrInputError(`unknown UTM parameter "${k}" (allowed: ${UTM_KEYS.join(', ')})`);
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string' || v.length > 200) throw new QrInputError(`${key} must be a string of at most 200 characters`);
    out[key] = v;
  }
  return out;
}

/**
 * Campaign UTM defaults: `utm_source=qr`, `utm_medium=print`, `utm_campaign=<slug of the name>`,
 * overridden by what the admin gave. The recipient is never put into the URL (it would leak
 * into every analytics tool and server log on the landing page).
 *
 * @example
 * defaultUtm('Spring Flyer 2026', { utm_medium: 'direct_mail' })
 * // { utm_source: 'qr', utm_medium: 'direct_mail', utm_campaign: 'spring-flyer-2026' }
 */
export function defaultUtm(campaignName: string, given: Utm): Utm {
  const slug = campaignName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100);
  return { utm_source: 'qr', utm_medium: 'print', ...(slug ? { utm_campaign: slug } : {}), ...given };
}

/**
 * The redirect target of a scan: the registered target with the campaign's UTM parameters
 * (replacing same-named ones already in the target) and the scan token.
 *
 * @example
 * buildRedirectUrl('https://shop.example/spring', { utm_medium: 'print' }, 'TOKEN')
 * // 'https://shop.example/spring?utm_medium=print&ot_scan=TOKEN'
 */
export function buildRedirectUrl(target: string, utm: Utm, scanToken?: string | null): string {
  const url = new URL(target);
  for (const key of UTM_KEYS) {
    const v = utm[key];
    if (v) url.searchParams.set(key, v);
  }
  if (scanToken) url.searchParams.set(SCAN_TOKEN_PARAM, scanToken);
  return url.href;
}

/**
 * The URL printed into a QR code.
 *
 * @example
 * scanUrl('https://t.shop.example', 'K7M2QXPR') // 'https://t.shop.example/q/K7M2QXPR'
 */
export function scanUrl(baseUrl: string, code: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/q/${code}`;
}
