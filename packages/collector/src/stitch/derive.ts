import type { StoredEvent } from '../store/core';
import type { TouchKind } from '../attribution/journey';
import { isScanTokenValidAt } from '../qr/token';
import { cleanIdentifiers, identifier, recipientIdentifier } from './identifiers';
import { SCAN_TOKEN_RULE } from './policy';
import { sessionSource } from './sessions';
import type { Identifier } from './types';

/**
 * Which identifiers an event links, and which touch it is — pure, so the rules are
 * table-tested without a database. The SQLite deriver (store/sqlite/identity.ts) applies the
 * result inside the event's own transaction.
 */

/** One group of identifiers an event says belong together, with the rule that says so. */
export interface IdentifierSet {
  ids: Identifier[];
  rule: string;
}

/** What the identity deriver does with one event. */
export interface EventIdentity {
  /** Identifiers to register even when nothing links them (a visitor who never logs in is a person too). */
  register: Identifier[];
  sets: IdentifierSet[];
  /** A touchpoint this event is, attached to the identifier that carries it. */
  touch: { kind: TouchKind; id: Identifier } | null;
}

const NONE: EventIdentity = { register: [], sets: [], touch: null };

/**
 * Identifier fields of an offline record (order, touchpoint), already hashed where PII:
 * the wire names of `OfflineIdentifiers` in packages/schema, minus raw `email`/`phone`.
 */
export interface OfflineIdentifierFields {
  userId?: unknown;
  anonymousId?: unknown;
  email_sha256?: unknown;
  phone_sha256?: unknown;
  loyaltyId?: unknown;
  handoffCode?: unknown;
  scanToken?: unknown;
  /** A personalised QR code the customer brought along is the recipient's identifier. */
  qrRecipient?: { campaignId: string; recipientRef: string } | null;
  externalIds?: Record<string, unknown> | null;
  order_id?: unknown;
}

/**
 * Identifiers of an offline record (blocked values removed). Used for orders, touchpoints
 * and `Offline Touchpoint` events alike, so every entry point links the same way.
 *
 * @example
 * offlineIdentifiers({ order_id: 'B-1', loyaltyId: 'l-4711', handoffCode: 'k7m-2qx' })
 * // [{ kind: 'order', value: 'B-1' }, { kind: 'loyalty', value: 'L-4711' }, { kind: 'handoff', value: 'K7M2QX' }]
 */
export function offlineIdentifiers(f: OfflineIdentifierFields): Identifier[] {
  const ids: (Identifier | null)[] = [
    identifier('order', f.order_id),
    identifier('user', f.userId),
    identifier('email', f.email_sha256),
    identifier('phone', f.phone_sha256),
    identifier('loyalty', f.loyaltyId),
    identifier('anon', f.anonymousId),
    identifier('handoff', f.handoffCode),
    identifier('scan', f.scanToken),
    f.qrRecipient ? recipientIdentifier(f.qrRecipient.campaignId, f.qrRecipient.recipientRef) : null,
  ];
  if (f.externalIds && typeof f.externalIds === 'object') {
    for (const name of Object.keys(f.externalIds).sort()) {
      if (/^[a-z0-9_.-]{1,40}$/i.test(name)) ids.push(identifier(`ext:${name.toLowerCase()}`, f.externalIds[name]));
    }
  }
  return cleanIdentifiers(ids);
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * True when an event may be stitched: consent `granted`, or no consent stated at all (a
 * Segment server library that never speaks of consent; the integrator answers for it).
 * `denied`, `pending` and cookieless events are never stitched.
 *
 * @example
 * mayStitch({ consent: 'denied', context: {} }) // false
 */
export function mayStitch(ev: Pick<StoredEvent, 'consent' | 'context'>): boolean {
  if (ev.consent && ev.consent !== 'granted') return false;
  const ot = obj(ev.context.omnitrail);
  if (ot.cookieless === true) return false;
  if (ot.consent && ot.consent !== 'granted') return false;
  return true;
}

/**
 * The identity rules for one stored event:
 * - any event: `anonymousId` ↔ `userId` (rule `anon-user`);
 * - identify: traits `email_sha256`, `phone_sha256`, `loyalty_id`/`loyaltyId` ↔ user/anon (`identify`);
 * - alias: `previousId` (read as the earlier anonymous ID, Segment's main use) ↔ userId (`alias`);
 * - `context.omnitrail.scanToken` ↔ anonymousId (`scan-token`), only while the token is valid
 *   (well-formed, not expired at the event's time; see qr/token.ts); the graph links only the
 *   token's first browser (`scan-forwarded`, policy.ts);
 * - `QR Code Scanned` of a personalised code: `scan_token` ↔ recipient (`qr-recipient`);
 * - `Handoff Code Issued`: `code` ↔ anonymousId (`handoff-issued`);
 * - `Offline Touchpoint`: its identifiers (`touchpoint`); web `Order Completed`: order_id ↔ browser (`web-order`).
 *
 * @example
 * eventIdentity({ type: 'identify', anonymousId: 'a1', userId: 'C1', traits: { email_sha256: h }, … })
 * // { register: [anon a1, user C1], sets: [{ ids: [user C1, anon a1, email h], rule: 'identify' }], touch: null }
 */
export function eventIdentity(ev: StoredEvent): EventIdentity {
  // Bots are kept out of persons as they are kept out of reports.
  if (ev.bot || !mayStitch(ev)) return NONE;
  const props = obj(ev.properties);
  const ot = obj(ev.context.omnitrail);
  const anon = identifier('anon', ev.anonymousId);
  const user = identifier('user', ev.userId);
  const sets: IdentifierSet[] = [];
  let touch: EventIdentity['touch'] = null;
  const register: Identifier[] = [];

  if (ev.type === 'track' && ev.event === 'QR Code Scanned') {
    // The scan is carried by its token; the request's own anonymous ID (if any) is not a
    // browser the person keeps, so it is not registered.
    const scan = identifier('scan', props.scan_token);
    if (!scan) return NONE;
    register.push(scan);
    const campaign = typeof props.campaign_id === 'string' ? props.campaign_id : null;
    const ref = typeof props.recipient_ref === 'string' && props.recipient_ref ? props.recipient_ref : null;
    if (props.personalised !== false && campaign && ref) {
      sets.push({ ids: [scan, recipientIdentifier(campaign, ref)], rule: 'qr-recipient' });
    }
    return { register, sets, touch: { kind: 'qr', id: scan } };
  }

  if (anon) register.push(anon);
  if (user) register.push(user);

  if (ev.type === 'identify') {
    const traits = obj(ev.traits);
    const ids = cleanIdentifiers([
      user,
      anon,
      identifier('email', traits.email_sha256),
      identifier('phone', traits.phone_sha256),
      identifier('loyalty', traits.loyalty_id ?? traits.loyaltyId ?? traits.loyalty_card),
    ]);
    if (ids.length > 1) sets.push({ ids, rule: 'identify' });
  } else if (ev.type === 'alias') {
    // Ingest keeps an alias call's `previousId` in `properties.previousId` (ingest/validate.ts).
    const prev = identifier('anon', props.previousId);
    const ids = cleanIdentifiers([user, prev, anon]);
    if (ids.length > 1) sets.push({ ids, rule: 'alias' });
  } else if (anon && user) {
    sets.push({ ids: [user, anon], rule: 'anon-user' });
  }

  // Scan tokens are short-lived on purpose (landing URLs get forwarded): an echo after the
  // token's expiry — or of a string this collector never minted — links nothing. Judged at the
  // event's own time, so an offline-queued event still links and the answer is order-independent.
  // Within its hour a token joins only its first browser; the graph refuses the others
  // (`scan-forwarded`, SCAN_TOKEN_RULE in policy.ts): that needs every link of the token, not one event.
  const scanToken = isScanTokenValidAt(ot.scanToken, ev.timestamp) ? identifier('scan', ot.scanToken) : null;
  const browser = anon ?? user;
  if (scanToken && browser) sets.push({ ids: [browser, scanToken], rule: SCAN_TOKEN_RULE });

  if (ev.type === 'track') {
    if (ev.event === 'Handoff Code Issued') {
      const code = identifier('handoff', props.code);
      if (code && browser) {
        // Identity evidence only, not a touch: the code bridges this browser to the store or
        // phone order that quotes it; the credit belongs to the sessions that brought the visitor.
        sets.push({ ids: [browser, code], rule: 'handoff-issued' });
      }
    } else if (ev.event === 'Offline Touchpoint') {
      const ids = offlineIdentifiers({ userId: ev.userId, anonymousId: ev.anonymousId, ...obj(props.identifiers) });
      if (ids.length > 1) sets.push({ ids, rule: 'touchpoint' });
      if (ids.length > 0) {
        register.push(...ids);
        touch = { kind: 'offline', id: ids[0] };
      }
      return { register: cleanIdentifiers(register), sets, touch };
    } else if (ev.event === 'Order Completed') {
      const order = identifier('order', props.order_id);
      if (order && browser) sets.push({ ids: cleanIdentifiers([order, user, anon]), rule: 'web-order' });
    }
  }

  // The SDK's session starts; page views without its marker are candidates (stitch/sessions.ts).
  const session = touch || !browser ? null : sessionSource(ev);
  if (session === 'server' || (session === 'client' && ot.sessionStart === true && (ev.type === 'page' || ev.type === 'track' || ev.type === 'screen'))) {
    touch = { kind: 'session', id: browser! };
  }
  return { register, sets, touch };
}
