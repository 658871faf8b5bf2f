import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { hashPii, isSha256Hex } from '../pii/index';
import { pseudonymousId } from '../pii/scrub';
import type { Identifier, IdentifierKind } from '../stitch/types';
import type { AppEnv } from './auth';
import { defaultCountryOf } from './orders';

/** Query parameters that name a person, and the identifier kind each one is. */
export const IDENTIFIER_PARAMS: Record<string, IdentifierKind> = {
  userId: 'user',
  anonymousId: 'anon',
  email: 'email',
  phone: 'phone',
  // The stored form (normalised, then SHA-256 hex): a caller can name a person without putting a
  // raw address or number into a URL, where access logs and proxies keep it.
  email_sha256: 'email',
  phone_sha256: 'phone',
  orderId: 'order',
  loyaltyId: 'loyalty',
  handoffCode: 'handoff',
  scanToken: 'scan',
};

/**
 * The one identifier a person-level request names (`?email=…`, `?loyaltyId=…`, …). E-mail and
 * phone are normalised and hashed exactly as at ingest, so they match what was stored
 * (`?email_sha256=` / `?phone_sha256=` take that hash as it is); so is a
 * `userId` / `anonymousId` that is an e-mail address (`sha256:<hex>`, pii/scrub.ts).
 * Exactly one parameter must be given; anything else is a 400 with a message that lists them.
 *
 * @example
 * const id = await identifierFromQuery(c); // ?email=Ann@Example.com → { kind: 'email', value: '<sha256>' }
 */
export async function identifierFromQuery(c: Context<AppEnv>): Promise<Identifier> {
  const given = Object.keys(IDENTIFIER_PARAMS).filter((k) => c.req.query(k) !== undefined);
  if (given.length !== 1) {
    throw new HTTPException(400, {
      message: `Name the person by exactly one of: ${Object.keys(IDENTIFIER_PARAMS).join(', ')}`,
    });
  }
  const param = given[0];
  const raw = (c.req.query(param) ?? '').trim();
  if (!raw || raw.length > 200) throw new HTTPException(400, { message: `${param} must be 1 to 200 characters` });
  const kind = IDENTIFIER_PARAMS[param];
  if (param === 'email_sha256' || param === 'phone_sha256') {
    if (!isSha256Hex(raw)) throw new HTTPException(400, { message: `${param} must be the 64 hex digits of SHA-256 over the normalised ${kind === 'email' ? 'e-mail address' : 'phone number (E.164)'}` });
    return { kind, value: raw.toLowerCase() };
  }
  if (kind === 'email' || kind === 'phone') {
    const hashed = await hashPii(kind, raw, defaultCountryOf(c));
    if (!hashed) throw new HTTPException(400, { message: `${param} is not a valid ${kind === 'email' ? 'e-mail address' : 'phone number (use +<country code> or ?defaultCountry=)'}` });
    return { kind, value: hashed };
  }
  if (kind === 'handoff') return { kind, value: raw.toUpperCase().replace(/[^0-9A-Z]/g, '') };
  // Ingest stores an e-mail-address userId / anonymousId as `sha256:<hex>` (pii/scrub.ts): look it up the same way.
  if (kind === 'user' || kind === 'anon') return { kind, value: await pseudonymousId(raw) };
  return { kind, value: raw };
}
