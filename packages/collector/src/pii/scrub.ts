/**
 * E-mail addresses and phone numbers outside the standard `email` / `phone` keys: the rules that
 * keep them out of storage wherever a client puts them (hashTraits handles the standard keys).
 *
 * 1. **Contact keys, any depth, any letter case.** A key that names an e-mail address (`email`,
 *    `Email`, `e_mail`, `e-mail`, `emailAddress`, `email_address`, `billing_email`, `mail`,
 *    `mail_address`, …) holding a string with an `@`, or a key that names a phone number
 *    (`phone`, `phone_number`, `mobile`, `mobile_phone`, `tel`, `telephone`, `fax`, `msisdn`,
 *    `cell`, `whatsapp`, …) holding a string or number with at least five digits, is replaced by
 *    `<key>_sha256` with the same normalised SHA-256 as the standard traits (`hashPii`), or simply
 *    removed when the value does not normalise (a mistyped address is still personal data).
 *    Other values under such keys (`email_opt_in: true`, `mobile: 'ios'`) cannot be a contact
 *    datum and are kept. Keys ending in `sha256` or `hash` are left alone (already hashed).
 * 2. **E-mail values, any key.** A string that is an e-mail address becomes `sha256:<hex>`, the same
 *    digest as `email_sha256` (so it can still be counted and joined, never read). An address
 *    inside a longer string (free text, a URL path) is replaced by `redacted`.
 * 3. **Query strings.** In any string with a `?` or `#`, a `key=value` parameter whose key names an
 *    e-mail or phone, or whose decoded value holds an e-mail address, keeps its key and gets the
 *    value `redacted` (`/thanks?email=redacted&order=7`): a URL is for page reports, where a hash
 *    would be as useless as it is unique.
 * 4. **Identifiers.** A `userId`, `anonymousId`, alias `previousId`, group `groupId` or offline
 *    `externalIds` value that is an e-mail address is replaced by `sha256:<hex>` of the normalised
 *    address (pseudonymousId). Deterministic, so the same person still stitches across events, and
 *    erasure/export by that `userId` hash it the same way (routes/identifier-query.ts); rejecting
 *    such events instead would lose the data of every integrator that keys customers by e-mail.
 *
 * Not covered: a phone number in free text or under a key that does not name one (digits alone
 * cannot be told from order numbers, SKUs or timestamps).
 *
 * Cost: ingest decides per event whether any of this can apply during the validation walk it does
 * anyway (`mayBePii` on each key and string); only events that may hold PII pay for the async pass.
 */
import { hashPii, normaliseEmail, sha256Hex } from './index';

/** A key that names an e-mail address (rule 1). */
const EMAIL_KEY = /e[-_. ]?mail|^mail(?:[-_. ]?addr(?:ess)?)?$|[-_. ]mail(?:[-_. ]?addr(?:ess)?)?$/i;
/** A key that names a phone number (rule 1). */
const PHONE_KEY = /phone|mobile|^(?:tel|telephone|fax|msisdn|cell|whatsapp)(?:[-_. ]?(?:no|nr|num|number))?$|[-_. ](?:tel|fax|msisdn|cell)$/i;
/** Already a digest: not a raw value to hash again. */
const HASHED_KEY = /(?:sha256|hash)$/i;
/** Superset of EMAIL_KEY and PHONE_KEY, the one regex the ingest walk runs on every key. */
const KEY_HINT = /mail|phone|mobile|tel|fax|msisdn|cell|whatsapp/i;
/** A query or fragment parameter whose key names an e-mail or phone (rule 3). */
const QUERY_PARAM = /([?#&;])([^=&#;?]*)=([^&#;]*)/g;
/**
 * A run of characters an e-mail address in free text can be made of (rule 2). An address is a run,
 * then `@` or `%40`, then a run ending in `.<2+ letters>`; `%` ends a run so the encoded `@` can
 * follow it. Found by {@link redactAddresses} from these runs, not by one regex over the whole
 * string: `run(@|%40)run\.[a-z]{2,}` backtracks quadratically (a 32 KB event of `aaa…@` held the
 * event loop for 1.3 s, and the write key that can send one is public).
 */
const ADDRESS_RUN = /[^\s@"'<>()[\],;:/?#&=%]+/g;
const DIGITS = /\d/g;
// normaliseEmail's test is deliberately loose (pii/index.ts); a whole value must also not look like
// a URL or query (`https://x/?to=a@b.co`), which rule 3 handles parameter by parameter.
const URLISH = /[/?#=&:]/;

/** The contact kind a key names, or null (rule 1). */
export function contactKeyKind(key: string): 'email' | 'phone' | null {
  if (!KEY_HINT.test(key) || HASHED_KEY.test(key)) return null;
  if (EMAIL_KEY.test(key)) return 'email';
  if (PHONE_KEY.test(key)) return 'phone';
  return null;
}

// Memo of keyMayBePii: events repeat the same few dozen key names, and a Map hit on an
// (internalised) key costs a fraction of the regex. Bounded: cleared when full.
const keyHints = new Map<string, boolean>();

/**
 * The cheap test ingest runs on every key during validation: true when the key might name an
 * e-mail or phone. A superset of the deep rules, so false means "no work" for sure.
 */
export function keyMayBePii(key: string): boolean {
  // Long names (query names are unbounded) are tested, not kept: 4 096 of them could hold megabytes.
  if (key.length > 64) return KEY_HINT.test(key);
  let hint = keyHints.get(key);
  if (hint === undefined) {
    if (keyHints.size >= 4096) keyHints.clear();
    hint = KEY_HINT.test(key);
    keyHints.set(key, hint);
  }
  return hint;
}

/** True for a string with an `@`, plain or percent-encoded. */
export function hasAtSign(s: string): boolean {
  return s.includes('@') || s.includes('%40');
}

/** `?`, `&`, `#` or `;`: what a query or fragment parameter name starts after. */
function isParamDelimiter(c: number): boolean {
  return c === 63 || c === 38 || c === 35 || c === 59;
}

/**
 * True for a string with a query parameter whose name may name an e-mail or phone (`?phone=`):
 * the text between a `?`, `&`, `#` or `;` and an `=` after it, through keyMayBePii's memo (query
 * names repeat as much as keys do).
 *
 * Linear: from each `=` it looks back only as far as the previous `=`, and per stretch after a
 * delimiter it tests only the name up to the stretch's last `=`. Every other name of the stretch
 * is a prefix of that one, and the hint is a substring test, so a prefix matches only if the
 * longest name does. (Scanning back from every `=` to its delimiter was quadratic: 30 000 `=` in
 * one event held the event loop for 2.9 s.)
 */
export function hasContactParam(s: string): boolean {
  let start = -1; // where the current stretch's names start (after its delimiter); -1 before any
  let prevEq = -1;
  for (let eq = s.indexOf('='); eq !== -1; eq = s.indexOf('=', eq + 1)) {
    let d = eq - 1;
    while (d > prevEq && !isParamDelimiter(s.charCodeAt(d))) d--;
    if (d > prevEq) {
      // A delimiter since the previous `=`: that one ended the previous stretch's longest name.
      if (start >= 0 && prevEq >= start && keyMayBePii(s.slice(start, prevEq))) return true;
      start = d + 1;
    }
    prevEq = eq;
  }
  return start >= 0 && prevEq >= start && keyMayBePii(s.slice(start, prevEq));
}

/**
 * The cheap test for one string: an `@` (plain or encoded), or a contact-named query parameter.
 * Ingest splits it by what the request body holds at all (`bodyHints`).
 */
export function stringMayBePii(s: string): boolean {
  return hasAtSign(s) || hasContactParam(s);
}

/** Which per-string tests a request body can need at all (see bodyHints). */
export interface BodyHints {
  /** Some string may hold an `@` (plain, percent- or JSON-escaped): test strings with hasAtSign. */
  atSign: boolean;
  /** Some string may hold a `name=value` pair: test strings with hasContactParam. */
  equals: boolean;
}

/**
 * What a JSON request body may contain, from a few scans of the text ingest reads anyway: most
 * requests then skip the per-string tests entirely (key names are still tested one by one).
 *
 * @example
 * bodyHints('{"userId":"C-1"}') // { atSign: false, equals: false }
 */
export function bodyHints(text: string): BodyHints {
  return {
    atSign: text.includes('@') || text.includes('%40') || text.includes('\\u0040'),
    equals: text.includes('=') || text.includes('\\u003d') || text.includes('\\u003D'),
  };
}

/**
 * True when a JSON value may hold an e-mail or phone somewhere (a short-circuit walk). Used for
 * a batch-level `context`, which the per-event validation walk does not visit.
 *
 * @example
 * mayHoldPii({ library: { name: 'x' } }) // false
 * mayHoldPii({ page: { url: '/?email=a%40b.co' } }) // true
 */
export function mayHoldPii(v: unknown): boolean {
  if (typeof v === 'string') return stringMayBePii(v);
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some(mayHoldPii);
  for (const k in v) if (keyMayBePii(k) || mayHoldPii((v as Record<string, unknown>)[k])) return true;
  return false;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * `sha256:<hex>` of the normalised address when `v` is an e-mail address, else `v` unchanged
 * (rule 4). The digest equals `hashPii('email', v)` for real addresses.
 *
 * @example
 * await pseudonymousId('Jane@Example.com') // 'sha256:8c87b489…'
 * await pseudonymousId('C-1001')           // 'C-1001'
 */
export async function pseudonymousId<T>(v: T): Promise<T | string> {
  if (typeof v !== 'string' || !v.includes('@') || URLISH.test(v)) return v;
  const norm = normaliseEmail(v);
  return norm === null ? v : `sha256:${await sha256Hex(norm)}`;
}

/**
 * A string with its e-mail addresses and contact query parameters removed (rules 2 and 3).
 *
 * @example
 * await scrubString('jane@example.com')                  // 'sha256:…'
 * await scrubString('https://s.example/t?email=a%40b.co&x=1') // 'https://s.example/t?email=redacted&x=1'
 * await scrubString('call back jane@example.com')        // 'call back redacted'
 */
export async function scrubString(s: string): Promise<string> {
  if (!stringMayBePii(s)) return s;
  const whole = await pseudonymousId(s.trim());
  if (whole !== s.trim()) return whole;
  let out = s;
  if (/[?#]/.test(out)) {
    out = out.replace(QUERY_PARAM, (m, sep: string, k: string, val: string) => {
      const dk = safeDecode(k);
      if (contactKeyKind(dk) !== null || safeDecode(val).includes('@')) return `${sep}${k}=redacted`;
      return m;
    });
  }
  return redactAddresses(out);
}

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * Where an address's domain ends inside the run `s[from, to)`: after the letters that follow the
 * last `.` with at least one character before it and two letters after it; -1 when there is none.
 * (What the greedy `[^…]+\.[a-z]{2,}` of the old single regex matched.)
 */
function domainEnd(s: string, from: number, to: number): number {
  for (let dot = to - 3; dot > from; dot--) {
    if (s.charCodeAt(dot) === 46 && isAsciiLetter(s.charCodeAt(dot + 1)) && isAsciiLetter(s.charCodeAt(dot + 2))) {
      let end = dot + 3;
      while (end < to && isAsciiLetter(s.charCodeAt(end))) end++;
      return end;
    }
  }
  return -1;
}

/**
 * Every e-mail address in free text (`local@domain.tld`, `@` possibly `%40`) replaced by
 * `redacted`, leftmost first, the next one searched after the end of the previous one. Linear in
 * the length of the string: each character is looked at a bounded number of times.
 *
 * @example
 * redactAddresses('call jane@example.org or /u/joe%40example.com') // 'call redacted or /u/redacted'
 */
export function redactAddresses(s: string): string {
  if (!hasAtSign(s)) return s;
  let out = '';
  let copied = 0; // s[0, copied) is in `out`
  let prevStart = -1;
  let prevEnd = -1;
  for (const m of s.matchAll(ADDRESS_RUN)) {
    const start = m.index;
    const end = start + m[0].length;
    // A local part (what is left of the previous run after the last address) + separator + this run.
    const localStart = Math.max(prevStart, copied);
    const localEnd = prevEnd;
    prevStart = start;
    prevEnd = end;
    if (localEnd < 0 || localStart >= localEnd) continue;
    // `%` ends a run, so in `jane%40example.org` this run is `40example.org`.
    const sep = s.slice(localEnd, start);
    const domainFrom = sep === '@' ? start : sep === '%' && s.startsWith('40', start) ? start + 2 : -1;
    if (domainFrom < 0) continue;
    const stop = domainEnd(s, domainFrom, end);
    if (stop < 0) continue;
    out += `${s.slice(copied, localStart)}redacted`;
    copied = stop;
    // The rest of this run, if any, can be the local part of the next address.
    prevStart = stop;
  }
  return copied === 0 ? s : out + s.slice(copied);
}

function isContactValue(kind: 'email' | 'phone', v: unknown): boolean {
  if (kind === 'email') return typeof v === 'string' && v.includes('@');
  if (typeof v === 'number') return Number.isFinite(v) && Math.abs(v) >= 10_000;
  return typeof v === 'string' && (v.match(DIGITS)?.length ?? 0) >= 5;
}

/**
 * A JSON value with rules 1–3 applied at every depth. Returns the input itself when nothing
 * changed (no copy), else a copy; the input is never mutated.
 *
 * @example
 * await scrubValue({ customer: { Email: 'Jane@Example.com' }, note: 'x' })
 * // { customer: { Email_sha256: '8c87b489…' }, note: 'x' }
 */
export async function scrubValue(v: unknown, defaultCountry?: string): Promise<unknown> {
  // The sync pre-check skips whole clean subtrees (most of a context) without an await each.
  return mayHoldPii(v) ? scrubDeep(v, defaultCountry) : v;
}

async function scrubDeep(v: unknown, defaultCountry: string | undefined): Promise<unknown> {
  if (typeof v === 'string') return scrubString(v);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const s = await scrubValue(v[i], defaultCountry);
      if (s !== v[i]) (out ??= v.slice())[i] = s;
    }
    return out ?? v;
  }
  const o = v as Record<string, unknown>;
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const k in o) {
    const val = o[k];
    const kind = contactKeyKind(k);
    if (kind !== null && isContactValue(kind, val)) {
      changed = true;
      const hash = await hashPii(kind, val, defaultCountry);
      if (hash) out[`${k}_sha256`] = hash;
      continue;
    }
    // `billing_email` turned into `billing_email_sha256` above: a stale given digest does not override it.
    if (k in out) continue;
    const s = await scrubValue(val, defaultCountry);
    if (s !== val) changed = true;
    out[k] = s;
  }
  return changed ? out : o;
}
