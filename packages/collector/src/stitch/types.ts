/**
 * Identifier kinds of the identity graph (product.md, "Identity stitching rules").
 * A person is a connected component of identifiers linked by events, under guards.
 */
export type IdentifierKind =
  /** Browser anonymous ID (SDK / Segment `anonymousId`). */
  | 'anon'
  /** Shop/CRM customer ID (Segment `userId`). Two different user IDs never merge. */
  | 'user'
  /** Normalised e-mail, stored as SHA-256 hex (see src/pii). */
  | 'email'
  /** E.164 phone, stored as SHA-256 hex (see src/pii). */
  | 'phone'
  | 'loyalty'
  /** Recipient reference of a personalised QR mailing code. */
  | 'recipient'
  /** Handoff code issued to a browser, quoted in store / on the phone. */
  | 'handoff'
  | 'order'
  /** QR scan token (`ot_scan`), joins a scan to the browser that landed. */
  | 'scan'
  /** Custom external IDs: `ext:<name>`. */
  | `ext:${string}`;

/** One identifier value of a kind. Email/phone values are already hashed. */
export interface Identifier {
  kind: IdentifierKind;
  value: string;
}

/** Where a link between identifiers came from (every link is explainable). */
export interface LinkSource {
  /** `event` (messageId), `order` (order_id), `touchpoint`, `scan`, `handoff`, `recipient`. */
  type: 'event' | 'order' | 'touchpoint' | 'scan' | 'handoff' | 'recipient';
  ref: string;
  /** Time of the source event, ms since epoch. */
  ts: number;
  /** Name of the rule that made the link, e.g. `identify`, `order-identifiers`, `scan-token`. */
  rule: string;
}
