/**
 * PII normalisation and hashing. Every place where an e-mail address or a phone number
 * enters Omnitrail (SDK identify traits, server orders, touchpoints, QR recipient lists,
 * CSV imports) goes through these functions, so the same person yields the same hash
 * wherever they come from. Raw values are never stored.
 *
 * The normalisation follows what Google Enhanced Conversions and Meta's Conversions API
 * expect (trim + lower-case e-mail; E.164 phone), so hashes can be matched against them.
 *
 * Edge-safe: Web Crypto (`crypto.subtle`) and the `min` metadata build of
 * libphonenumber-js (about 80 KB instead of the 145 KB default / 250 KB `max`).
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';
import { isPlaceholderEmail } from '../stitch/identifiers';

/** The two PII kinds we hash. */
export type PiiKind = 'email' | 'phone';

/** A SHA-256 hex digest (64 lower-case hex characters). */
const SHA256_HEX = /^[0-9a-f]{64}$/;

// Deliberately loose: one "@", something on each side, a dot in the domain, no spaces.
// Full RFC 5322 validation rejects real addresses that shops do hold; matching only needs
// the same string for the same mailbox.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Normalise an e-mail address: trim and lower-case. Returns null when the value is not an
 * e-mail address at all (so a typo never links two people through a shared junk value).
 *
 * No provider-specific rewriting (Gmail dots, `+tags`): those are different strings for
 * other providers, and the ad platforms we align with do not rewrite either.
 *
 * @example
 * normaliseEmail('  Jane.Doe@Example.COM ') // 'jane.doe@example.com'
 * normaliseEmail('not an email')            // null
 */
export function normaliseEmail(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const v = raw.trim().toLowerCase();
  if (v.length > 254 || !EMAIL.test(v)) return null;
  return v;
}

/**
 * A country code phone numbers can be read in (ISO 3166-1 alpha-2, upper-cased), or null.
 *
 * @example
 * checkCountry('de') // 'DE'
 * checkCountry('XX') // null
 */
export function checkCountry(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const c = v.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(c) && isSupportedCountry(c) ? c : null;
}

/**
 * The site's default country for national phone numbers (`settings.defaultCountry`), if set.
 * Without one, a number written without its international prefix cannot be matched.
 *
 * @example
 * siteCountry({ defaultCountry: 'DE' }) // 'DE'
 */
export function siteCountry(settings: Record<string, unknown> | undefined): string | undefined {
  return checkCountry(settings?.defaultCountry) ?? undefined;
}

/**
 * Normalise a phone number to E.164 (`+4930123456`). Numbers written without an
 * international prefix are read in `defaultCountry` (ISO 3166-1 alpha-2, e.g. `DE`).
 * Returns null for values that are not a valid number for their country, and for national
 * numbers when no default country is known (we cannot guess which country they are in).
 *
 * @example
 * normalisePhone('030 1234567', 'DE')   // '+49301234567'
 * normalisePhone('+49 (30) 123-4567')   // '+49301234567'
 * normalisePhone('0049 30 1234567')     // '+49301234567'
 * normalisePhone('12')                  // null
 */
export function normalisePhone(raw: unknown, defaultCountry?: string): string | null {
  if (typeof raw === 'number' && Number.isFinite(raw)) raw = String(raw);
  if (typeof raw !== 'string') return null;
  let v = raw.trim();
  if (!v || v.length > 40) return null;
  // "00" is the ITU international prefix used across Europe; libphonenumber only reads it
  // when the default country uses "00", so rewrite it to "+" ourselves.
  if (v.startsWith('00')) v = '+' + v.slice(2);
  const country = defaultCountry ? (defaultCountry.toUpperCase() as CountryCode) : undefined;
  let parsed;
  try {
    parsed = parsePhoneNumberFromString(v, country);
  } catch {
    return null;
  }
  if (!parsed || !parsed.isValid()) return null;
  return parsed.number;
}

/** True if `value` already is a SHA-256 hex digest (integrators may send pre-hashed PII). */
export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value.trim().toLowerCase());
}

/**
 * SHA-256 of a UTF-8 string, as lower-case hex, via Web Crypto (Node ≥ 20, browsers,
 * Workers).
 *
 * @example
 * await sha256Hex('abc') // 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
 */
export async function sha256Hex(input: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(input));
  const bytes = new Uint8Array(digest);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += bytes[i].toString(16).padStart(2, '0');
  return out;
}

/**
 * Normalise then hash an e-mail address or phone number. A value that already is a
 * SHA-256 hex digest is passed through (lower-cased), so integrators can send hashes.
 * Returns null when the value does not normalise (not an e-mail / not a valid phone) and
 * for placeholder addresses such as `test@test.com` (they would fuse strangers into one person).
 *
 * @example
 * await hashPii('email', ' Jane@Example.com ') === await hashPii('email', 'jane@example.com') // true
 * await hashPii('phone', '030 1234567', 'DE') === await hashPii('phone', '+49 30 1234567')   // true
 */
export async function hashPii(
  kind: PiiKind,
  raw: unknown,
  defaultCountry?: string,
  /** SHA-256 hex of a string; a bulk import on Node passes a synchronous one (node:crypto), same digest. */
  digest: (s: string) => string | Promise<string> = sha256Hex,
): Promise<string | null> {
  if (isSha256Hex(raw)) return raw.trim().toLowerCase();
  const norm = kind === 'email' ? normaliseEmail(raw) : normalisePhone(raw, defaultCountry);
  if (norm !== null && kind === 'email' && isPlaceholderEmail(norm)) return null;
  return norm === null ? null : digest(norm);
}

/**
 * Replace `email` and `phone` in identify traits by `email_sha256` / `phone_sha256`.
 * The raw values are always removed, even when they do not normalise (an invalid value is
 * still personal data). Already-hashed `email_sha256` / `phone_sha256` traits are kept
 * (lower-cased) when the raw value is absent or invalid. Returns a new object.
 *
 * @example
 * await hashTraits({ name: 'Jane', email: 'Jane@Example.com' })
 * // { name: 'Jane', email_sha256: '8c87b489ce35cf2e2f39f80e282cb2e804932a56a213983eeeb428407d43b52d' }
 */
export async function hashTraits(
  traits: Record<string, unknown> | null | undefined,
  defaultCountry?: string,
): Promise<Record<string, unknown>> {
  if (!traits || typeof traits !== 'object') return {};
  const out: Record<string, unknown> = { ...traits };
  for (const kind of ['email', 'phone'] as const) {
    const key = `${kind}_sha256`;
    const hasRaw = kind in out;
    const raw = out[kind];
    delete out[kind];
    const fromRaw = hasRaw ? await hashPii(kind, raw, defaultCountry) : null;
    const given = isSha256Hex(out[key]) ? (out[key] as string).trim().toLowerCase() : null;
    const hash = fromRaw ?? given;
    if (hash) out[key] = hash;
    else delete out[key];
  }
  return out;
}
