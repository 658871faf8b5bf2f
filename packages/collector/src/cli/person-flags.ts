import { hashPii } from '../pii/index';
import { pseudonymousId } from '../pii/scrub';
import type { Identifier, IdentifierKind } from '../stitch/types';
import { CliError } from './io';

/** Flags that name a person, and the identifier kind each one is (the same set as the HTTP API). */
export const PERSON_FLAGS: Record<string, IdentifierKind> = {
  'user-id': 'user',
  'anonymous-id': 'anon',
  email: 'email',
  phone: 'phone',
  'order-id': 'order',
  'loyalty-id': 'loyalty',
  'handoff-code': 'handoff',
};

/** parseArgs option specs for {@link PERSON_FLAGS}. */
export const PERSON_OPTIONS = Object.fromEntries(Object.keys(PERSON_FLAGS).map((k) => [k, { type: 'string' as const }]));

/**
 * The one identifier given on the command line; e-mail and phone (and e-mail-address user and
 * anonymous IDs) hashed as at ingest.
 *
 * @example
 * await personFlag({ email: 'ann@example.com' }, 'DE') // { kind: 'email', value: '<sha256>' }
 */
export async function personFlag(values: Record<string, unknown>, defaultCountry?: string): Promise<Identifier> {
  const given = Object.keys(PERSON_FLAGS).filter((k) => typeof values[k] === 'string');
  if (given.length !== 1) throw new CliError(`name the person by exactly one of: ${Object.keys(PERSON_FLAGS).map((f) => '--' + f).join(', ')}`);
  const flag = given[0];
  const raw = String(values[flag]).trim();
  const kind = PERSON_FLAGS[flag];
  if (kind === 'email' || kind === 'phone') {
    const h = await hashPii(kind, raw, defaultCountry);
    if (!h) throw new CliError(`--${flag} is not a valid ${kind === 'email' ? 'e-mail address' : 'phone number (use +<country code> or --default-country)'}`);
    return { kind, value: h };
  }
  if (!raw) throw new CliError(`--${flag} is empty`);
  if (kind === 'handoff') return { kind, value: raw.toUpperCase().replace(/[^0-9A-Z]/g, '') };
  // An e-mail-address user/anonymous ID was stored as `sha256:<hex>` (pii/scrub.ts).
  if (kind === 'user' || kind === 'anon') return { kind, value: await pseudonymousId(raw) };
  return { kind, value: raw };
}
