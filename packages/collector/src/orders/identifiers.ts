import type { OfflineIdentifiers } from '@omnitrail/schema';
import { hashPii, isSha256Hex } from '../pii/index';
import { pseudonymousId } from '../pii/scrub';
import { normaliseIdentifier } from '../stitch/identifiers';
import type { OfflineIdentifierFields } from '../stitch/derive';
import { FieldError, optString } from './parse';

/** Identifiers of an offline record, hashed, in the identity deriver's field format. */
export interface CollectedIdentifiers {
  /**
   * `OfflineIdentifierFields` (stitch/derive.ts) without `order_id` and `qrRecipient`:
   * `offlineIdentifiers(fields)` turns it into graph identifiers. PII is hashed already.
   */
  fields: OfflineIdentifierFields;
  /** Handoff code as quoted, normalised (`K7M2QX`); the caller validates it against storage. */
  handoffCode?: string;
  /** QR code as quoted; the caller resolves it (a personalised code identifies its recipient). */
  qrCode?: string;
  /** Non-fatal problems, e.g. an e-mail that is not one (the record is kept without it). */
  warnings: string[];
}

/**
 * A bounded memo of `hashPii` for bulk imports, where the same customer's e-mail and phone
 * recur on many rows: each distinct value is hashed once (Web Crypto digests cost tens of
 * microseconds each, mostly in the async hop). Cleared when full, so memory stays bounded.
 * `digest` replaces Web Crypto by a synchronous SHA-256 (the CLI passes node:crypto's).
 *
 * @example
 * const memo = createPiiMemo();
 * await memo.hash('email', 'Jane@x.de') === await hashPii('email', 'Jane@x.de') // true
 */
export interface PiiMemo {
  hash(kind: 'email' | 'phone', raw: string | number, defaultCountry?: string): Promise<string | null>;
}

export function createPiiMemo(max = 200_000, digest?: (s: string) => string): PiiMemo {
  const map = new Map<string, Promise<string | null>>();
  return {
    hash(kind, raw, defaultCountry) {
      const key = `${kind}\u0000${defaultCountry ?? ''}\u0000${raw}`;
      let p = map.get(key);
      if (!p) {
        if (map.size >= max) map.clear();
        p = hashPii(kind, raw, defaultCountry, digest);
        map.set(key, p);
      }
      return p;
    },
  };
}

/** Field names of each identifier: camelCase as in the schema, snake_case as CSV exports have them. */
const ALIASES: Record<string, string[]> = {
  userId: ['userId', 'user_id', 'customer_id', 'customerId'],
  email: ['email'],
  phone: ['phone'],
  email_sha256: ['email_sha256'],
  phone_sha256: ['phone_sha256'],
  loyaltyId: ['loyaltyId', 'loyalty_id', 'loyalty_card'],
  anonymousId: ['anonymousId', 'anonymous_id'],
  handoffCode: ['handoffCode', 'handoff_code'],
  qrCode: ['qrCode', 'qr_code'],
  scanToken: ['scanToken', 'scan_token'],
};

function pick(input: Record<string, unknown>, key: string): unknown {
  for (const k of ALIASES[key]) {
    const v = input[k];
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

/**
 * Collect and hash the identifiers of an order or touchpoint (any subset of
 * `OfflineIdentifiers`; snake_case aliases such as `customer_id` or `loyalty_card` too).
 * E-mail and phone go through the same `hashPii` as identify traits and QR recipient lists,
 * so they match; a userId, anonymousId, loyaltyId or externalIds value that is an e-mail address
 * becomes `sha256:<hex>` (pseudonymousId, as at ingest). An e-mail or phone that does not normalise is dropped with a warning
 * rather than failing the record: the order still counts.
 *
 * @example
 * const { fields } = await collectIdentifiers({ email: 'Jane@Example.com', loyaltyId: 'L-1' });
 * // { email_sha256: '8c87…', loyaltyId: 'L-1' }
 */
export async function collectIdentifiers(
  input: OfflineIdentifiers & Record<string, unknown>,
  defaultCountry?: string,
  memo?: PiiMemo,
): Promise<CollectedIdentifiers> {
  const fields: OfflineIdentifierFields = {};
  const warnings: string[] = [];
  for (const key of ['userId', 'anonymousId', 'loyaltyId', 'scanToken'] as const) {
    const v = optString(pick(input, key), key, 200);
    // An e-mail address used as an ID becomes `sha256:<hex>`, exactly as at event ingest (pii/scrub.ts).
    if (v !== undefined) fields[key] = key === 'scanToken' ? v : await pseudonymousId(v);
  }

  for (const kind of ['email', 'phone'] as const) {
    const raw = pick(input, kind);
    const pre = pick(input, `${kind}_sha256`);
    let hash: string | null = null;
    if (raw !== undefined) {
      if (typeof raw !== 'string' && typeof raw !== 'number') throw new FieldError(`${kind} must be a string`);
      hash = memo ? await memo.hash(kind, raw, defaultCountry) : await hashPii(kind, raw, defaultCountry);
      if (!hash) {
        warnings.push(
          kind === 'email'
            ? 'email is not a usable e-mail address; ignored'
            : `phone is not a valid phone number${defaultCountry ? '' : ' (national numbers need a default country)'}; ignored`,
        );
      }
    }
    if (!hash && pre !== undefined) {
      if (!isSha256Hex(pre)) throw new FieldError(`${kind}_sha256 must be 64 hex characters`);
      hash = pre.trim().toLowerCase();
    }
    if (hash) fields[`${kind}_sha256`] = hash;
  }

  const ext = input.externalIds;
  if (ext !== undefined && ext !== null) {
    if (typeof ext !== 'object' || Array.isArray(ext)) throw new FieldError('externalIds must be an object of name → id');
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(ext)) {
      if (!/^[A-Za-z0-9_.-]{1,40}$/.test(name)) throw new FieldError(`externalIds name ${JSON.stringify(name)} is invalid`);
      const v = optString(value, `externalIds.${name}`);
      if (v !== undefined) out[name] = await pseudonymousId(v);
    }
    if (Object.keys(out).length) fields.externalIds = out;
  }

  const handoff = optString(pick(input, 'handoffCode'), 'handoffCode', 40);
  const qr = optString(pick(input, 'qrCode'), 'qrCode', 100);
  return {
    fields,
    handoffCode: handoff === undefined ? undefined : (normaliseIdentifier('handoff', handoff) ?? undefined),
    qrCode: qr,
    warnings,
  };
}

/** What a code resolver found for the codes quoted on a record. */
export type CodeResolution =
  | { ok: true; qrRecipient?: { campaignId: string; recipientRef: string } | null }
  | { ok: false; reason: string };

/**
 * Validates quoted codes against storage: a handoff code must exist, belong to the site and
 * not be expired; a QR code must exist (a personalised one yields its recipient). Supplied
 * by the route / CLI from the store (see `storeCodeResolver`).
 */
export type CodeResolver = (codes: { handoffCode?: string; qrCode?: string }, at: number) => Promise<CodeResolution>;
