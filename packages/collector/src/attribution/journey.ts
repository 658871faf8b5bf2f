/**
 * The contract between storage (which knows persons, events and orders) and the pure
 * report functions (attribution, ROPO, funnels, journeys). Storage streams one
 * `PersonJourney` at a time, so reports never hold all rows in memory.
 */

/** What kind of contact a touchpoint was. */
export type TouchKind =
  /** First event of a web session (`context.omnitrail.sessionStart`, or derived by the collector: stitch/sessions.ts), with its source. */
  | 'session'
  /** A `QR Code Scanned` event (shared campaign code or personalised mailing code). */
  | 'qr'
  /** An offline touchpoint recorded by staff: store visit, phone call, consultation, appointment, custom. */
  | 'offline'
  /**
   * Not produced since session 16 (handoff codes are identity evidence, not touches; databases of
   * earlier versions still hold such refs, which readers skip). Kept so channel rules naming it stay valid.
   */
  | 'handoff'
  /** A click in an email (UTM medium email) recorded as its own touch. */
  | 'email';

/** One touchpoint of a stitched person, with everything channel rules look at. */
export interface Touch {
  /** Event time, ms since epoch. */
  ts: number;
  kind: TouchKind;
  /** Stored event's messageId (explainability). */
  messageId: string;
  /** UTM parameters, lower-cased as sent. */
  utm?: { source?: string; medium?: string; campaign?: string; term?: string; content?: string; source_platform?: string };
  /** Referrer URL of the landing page, if any. */
  referrer?: string;
  /** Host of the landing page (so self-referrals count as direct). */
  pageHost?: string;
  /** Click IDs from the landing URL (gclid, gbraid, wbraid, fbclid, msclkid, ttclid, li_fat_id, twclid). */
  clickIds?: Record<string, string>;
  /**
   * `session`: a candidate session start the collector derived from a page view without the
   * SDK's session marker; journeys keep only those that start a session (stitch/sessions.ts).
   */
  serverSession?: true;
  /** `qr`: the code, its campaign and whether it is personalised (direct mail). */
  qr?: { code: string; campaignId: string; campaignName?: string; personalised: boolean };
  /** `offline`: store_visit | phone_call | consultation | appointment | custom; and the location. */
  offline?: { type: string; location?: string };
}

/**
 * Status of an order. Cancelled and fully refunded orders do not convert; a partly refunded
 * order (`refunded` with a remaining `value` > 0) converts with what remains.
 */
export type OrderStatus = 'completed' | 'refunded' | 'cancelled';

/** A conversion: an order of any channel, or a configured goal event (value 1 unless given; goals bring no revenue: engine.ts, revenueOf). */
export interface Conversion {
  /** Order ID, or the goal event's messageId. */
  id: string;
  ts: number;
  value: number;
  currency?: string;
  /**
   * Set when a report converted the order into the site's reporting currency (reports/exchange.ts):
   * the amount and currency as placed, and the fixed rate used. `value` and `currency` are then the converted ones.
   */
  exchanged?: { currency: string; value: number; rate: number };
  /** Sales channel of the order: web, store, phone, marketplace, … ; `goal` for goal events. */
  channel: string;
  status: OrderStatus;
  location?: string;
}

/** Everything reports need to know about one stitched person, touches and conversions in time order. */
export interface PersonJourney {
  personId: string;
  touches: Touch[];
  conversions: Conversion[];
  /** Named events in time order (funnels): event name and time. */
  events?: { name: string; ts: number }[];
}
