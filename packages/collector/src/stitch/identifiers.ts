import type { Identifier, IdentifierKind } from './types';

/**
 * Identifier values normalised per kind, and the guard against placeholder values.
 *
 * Why a block list at all: shops and POS systems fill empty fields with junk ("0",
 * "n/a", "test@test.com", "-1"). One such value shared by thousands of records would
 * fuse them all into one "person", so blocked values never link anything.
 */

/** Raw values (compared after trim + lower-case) that never identify anybody. */
const BLOCKED_RAW = new Set([
  '', '0', '-1', 'null', 'undefined', 'nil', 'none', 'n/a', 'na', 'n.a.', 'nan', 'unknown', 'anonymous',
  'anon', 'guest', 'test', 'false', 'true', '[object object]', 'default', 'empty', '-', '--', '.', '?', 'x', 'xxx',
  'no', 'noemail', 'no email', 'keine', 'unbekannt', 'gast', 'kunde', 'customer', 'user', 'admin',
]);

/**
 * Placeholder e-mail addresses (normalised) and phone numbers (E.164) with their SHA-256 hex,
 * so hashed values can be blocked without the raw value. Precomputed because Web Crypto is
 * async and the guards must stay synchronous; `identifiers.test.ts` recomputes every hash
 * with `hashPii` from src/pii, so the list cannot drift from the real hashing.
 */
export const BLOCKED_PII: ReadonlyArray<readonly [raw: string, sha256: string]> = [
  ['test@test.com', 'f660ab912ec121d1b1e928a0bb4bc61b15f5ad44d5efdc4e1c92a25e99b8e44a'],
  ['test@example.com', '973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b'],
  ['test@test.de', '369c34cc4d37efef17780dc262a53e80ab7cb1c051a17ed889d711d5f94f78f3'],
  ['a@a.com', '7dcb0cd247aa94896e665c337696a7be18d387a78d6d55b4854b7ff7d5925042'],
  ['a@b.com', 'fb98d44ad7501a959f3f4f4a3f004fe2d9e581ea6207e218c4b02c08a4d75adf'],
  ['x@x.com', '472f565c4de8c9ddcd88318e38378af549cc983a1c8828cbea5282f2f49bec24'],
  ['none@none.com', 'ca871b3caae791a6a4b969195738f187bc7e993d13e98d522153a21885557fb6'],
  ['no@email.com', '56515b4823df94824d94de8d27c2696d00cc7931848c331687f6e4a56da8f54c'],
  ['noemail@noemail.com', '8290b86681ecf225cb89535a606aa740e923a6fb1575c736423288bd1f0b98bd'],
  ['noreply@example.com', '1cda5bd6e45a02b158eb2bd4c364c0b7ad30a2fce6bdaba38d985d4d42682d79'],
  ['email@email.com', 'f3273dd18d95bc19d51d3e6356e4a679e6f13824497272a270e7bb540b0abb9d'],
  ['email@example.com', '2a539d6520266b56c3b0c525b9e6128858baeccb5ee9b694a2906e123c8d6dd3'],
  ['user@example.com', 'b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514'],
  ['name@example.com', '7b17fb0bd173f625b58636fb796407c22b3d16fc78302d79f0fd30c2fc2fc068'],
  ['info@example.com', 'fb1a4757f83b74e5a87c1554c8689bab12d09674f9e15db366c3636ab452004c'],
  ['kunde@example.com', 'fb61a1c0812291896b616dcf76f12acf06182ec900e8cfef58a2959bb64fedc5'],
  ['keine@keine.de', '2f64a0eb676be3fc3006d25b012122b7ca164c9cf7ddfcb62d5ed446ca9ec79a'],
  ['no@mail.de', '1d52fd84d9baa0c8591d1275ee27a8233af9026e44cc1ab81e5e59710093d8df'],
  ['nomail@nomail.de', 'f7077348eacbde8f36a7c61363f30f8956aa4d142c697b18ed68752b51b428b9'],
  ['test@gmail.com', '87924606b4131a8aceeeae8868531fbb9712aaa07a5d3a756b26ce0f5d6ca674'],
  ['asdf@asdf.com', '58fc25ced9c2565b5d040b66c87a64536d2de0cc7b0e206d61ee137488f98239'],
  ['abc@abc.com', 'a4ef46e711c986ea534c9c3d2a1fde303505b539ef5a7ec2a63f23a536d575d1'],
  ['+491111111111', '9f1f0c7031c4c076f7165a79bef229c51374cfffd2a6d89d24918ba6ceb0a4f9'],
  ['+49123456789', 'b02af0a5d0a84d9c47b6f7a85d84c50b05f89a3df3493b59c011297b2ba87a14'],
  ['+4930123456789', 'c0a83e486a531a19a670071784c4d033d1977dc93fa4b0a9507a40aa8ffc6457'],
  ['+491701234567', 'b4267a2234e2072fa4d2e8d89fbe727c50fc414731d6ecacc2ed3d00f05038d1'],
  ['+4915112345678', '536afd523e19dc83fccba822ef5e4ca646111314aaf0aa286667c5bea18dd70b'],
  ['+441234567890', '471f125b86722aa6cfca95e6b300cdbaad123f14ad1570531bfcaf3e7b3fd8d4'],
  ['+12125551212', '8fbf662c8ca3fd948bdaca78c2114489273c3f0dc7c209b1ce08232af95d696b'],
];

const BLOCKED_HASHES = new Set(BLOCKED_PII.map(([, h]) => h));

// Placeholder-shaped e-mails that no hash list can enumerate are caught at the source:
// `hashPii` only sees them raw, so the pii layer's callers check `isPlaceholderEmail` first.
const PLACEHOLDER_EMAIL = /^(test|none|no|noemail|nomail|noreply|no-reply|keine|email|mail|x+|a+|asdf|dummy|fake|null|unknown)@(test|example|none|noemail|nomail|email|mail|keine|x+|a+|b|asdf|dummy|fake|invalid)\.[a-z]+$/;

/**
 * True for e-mail addresses that are obviously placeholders (`test@test.com`,
 * `none@example.org`, `x@x.de`, …), before hashing.
 *
 * @example
 * isPlaceholderEmail('Test@Test.com') // true
 * isPlaceholderEmail('jane@shop.de')  // false
 */
export function isPlaceholderEmail(raw: string): boolean {
  return PLACEHOLDER_EMAIL.test(raw.trim().toLowerCase());
}

/**
 * Normalise an identifier value for its kind: trimmed; handoff codes and QR codes upper-case
 * without separators (staff type `k7m-2qx`); hashes lower-case; anonymous IDs and user IDs
 * kept case-sensitive (they are opaque). Returns null when the value is blocked, too long,
 * or not a string/number.
 *
 * @example
 * normaliseIdentifier('handoff', 'k7m-2qx') // 'K7M2QX'
 * normaliseIdentifier('user', '  C-17 ')    // 'C-17'
 * normaliseIdentifier('user', 'n/a')        // null
 */
export function normaliseIdentifier(kind: IdentifierKind, raw: unknown): string | null {
  if (typeof raw === 'number' && Number.isFinite(raw)) raw = String(raw);
  if (typeof raw !== 'string') return null;
  let v = raw.trim();
  if (v.length === 0 || v.length > 200) return null;
  if (BLOCKED_RAW.has(v.toLowerCase())) return null;
  // Only separators or one repeated digit: "0000", "----", "9999999".
  if (/^(.)\1+$/.test(v) && /^[\d\W_]$/.test(v[0])) return null;
  switch (kind) {
    case 'handoff':
      v = v.toUpperCase().replace(/[\s-]/g, '');
      break;
    case 'email':
    case 'phone':
      v = v.toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(v)) return null; // stored hashed only, never raw
      if (BLOCKED_HASHES.has(v)) return null;
      break;
    case 'loyalty':
      v = v.toUpperCase().replace(/\s/g, '');
      break;
    default:
      break;
  }
  return v || null;
}

/**
 * Build a normalised identifier, or null if the value is blocked.
 *
 * @example
 * identifier('anon', 'a-1') // { kind: 'anon', value: 'a-1' }
 * identifier('anon', 'unknown') // null
 */
export function identifier(kind: IdentifierKind, raw: unknown): Identifier | null {
  const value = normaliseIdentifier(kind, raw);
  return value === null ? null : { kind, value };
}

/**
 * The canonical string form `kind:value` (total order used for canonical evaluation and person IDs).
 *
 * @example
 * identifierKey({ kind: 'user', value: 'C-17' }) // 'user:C-17'
 */
export function identifierKey(id: Identifier): string {
  return `${id.kind}:${id.value}`;
}

/**
 * Identifier of a QR mailing recipient: recipient refs are only unique within their
 * campaign, so the campaign ID is part of the value.
 *
 * @example
 * recipientIdentifier('cmp_1', 'R-001') // { kind: 'recipient', value: 'cmp_1/R-001' }
 */
export function recipientIdentifier(campaignId: string, recipientRef: string): Identifier {
  return { kind: 'recipient', value: `${campaignId}/${recipientRef}` };
}

/**
 * Remove blocked values and duplicates (first occurrence wins), normalising each value.
 *
 * @example
 * cleanIdentifiers([{ kind: 'anon', value: 'a' }, { kind: 'anon', value: 'a' }, { kind: 'user', value: '0' }])
 * // [{ kind: 'anon', value: 'a' }]
 */
export function cleanIdentifiers(ids: Iterable<Identifier | null | undefined>): Identifier[] {
  const out: Identifier[] = [];
  const seen = new Set<string>();
  for (const id of ids) {
    if (!id) continue;
    const value = normaliseIdentifier(id.kind, id.value);
    if (value === null) continue;
    const k = `${id.kind}:${value}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ kind: id.kind, value });
  }
  return out;
}
