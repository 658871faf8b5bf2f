/**
 * Wire types shared by the Omnitrail SDK and collector. Types only: importing this
 * package adds zero bytes to a bundle.
 *
 * The wire format is the Segment HTTP Tracking API
 * (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/),
 * so any Segment-compatible client can send to an Omnitrail collector unchanged.
 * Omnitrail's own additions live under `context.omnitrail`.
 */

/** Protocol version carried in `context.omnitrail.v`. */
export type ProtocolVersion = 1;

/** The Segment call types the collector accepts. */
export type EventType = 'track' | 'page' | 'identify' | 'alias' | 'group' | 'screen';

/**
 * Consent tiers.
 * - `granted`: persistent ID, full tracking and identity stitching.
 * - `denied`: nothing stored on the device; at most cookieless aggregate counts.
 * - `pending`: events are held in memory until a decision.
 */
export type ConsentState = 'granted' | 'denied' | 'pending';

/** Campaign parameters (Segment's `context.campaign`, from UTM parameters). */
export interface CampaignContext {
  source?: string;
  medium?: string;
  name?: string;
  term?: string;
  content?: string;
}

/** Omnitrail's extension of the Segment context. */
export interface OmnitrailContext {
  /** Protocol version. */
  v?: ProtocolVersion;
  /** Consent state in force when the event was created. */
  consent?: ConsentState;
  /** Session id (30 min inactivity, or a new campaign, starts a new one). */
  sessionId?: string;
  /** True on the first event of a session: the session's source is a touchpoint. */
  sessionStart?: boolean;
  /** QR scan token (`ot_scan` on the landing URL) captured by the SDK. */
  scanToken?: string;
  /** Advertising click IDs found on the landing URL: gclid, gbraid, wbraid, fbclid, msclkid, ttclid, li_fat_id, twclid. */
  clickIds?: Record<string, string>;
  /** Sent without any identifier under `denied` consent with cookieless mode on. */
  cookieless?: boolean;
}

/** Segment's `context` object, with the fields the Omnitrail SDK fills. */
export interface EventContext {
  page?: { url?: string; path?: string; title?: string; referrer?: string; search?: string };
  userAgent?: string;
  locale?: string;
  timezone?: string;
  screen?: { width?: number; height?: number; density?: number };
  library?: { name: string; version: string };
  campaign?: CampaignContext;
  ip?: string;
  omnitrail?: OmnitrailContext;
  [key: string]: unknown;
}

/** One event on the wire (one element of `batch`, or the body of `/v1/track` etc.). */
export interface WireEvent {
  type: EventType;
  /** Client-made unique id; the idempotency key per site. At most 100 characters. */
  messageId: string;
  anonymousId?: string;
  userId?: string;
  /** ISO-8601 time the event happened on the client. */
  timestamp?: string;
  /** ISO-8601 time the client sent the request (for clock-skew correction). */
  sentAt?: string;
  context?: EventContext;
  /** `track`: the event name, e.g. `Order Completed`. */
  event?: string;
  /** `page` / `screen`: the page name. */
  name?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  /** `alias`: the previous id. */
  previousId?: string;
  /** `group`: the group id. */
  groupId?: string;
  /** Segment clients may put the write key into the body. */
  writeKey?: string;
  integrations?: Record<string, unknown>;
}

/** Body of `POST /v1/batch`. */
export interface BatchRequest {
  batch: WireEvent[];
  sentAt?: string;
  writeKey?: string;
  context?: EventContext;
}

/** One event the collector refused, by its index in the request. */
export interface RejectedEvent {
  index: number;
  messageId?: string;
  reason: string;
}

/** 200 response of every ingest endpoint. */
export interface IngestResponse {
  accepted: number;
  duplicates: number;
  rejected: RejectedEvent[];
}

/** Body of every 4xx/5xx response. */
export interface ErrorResponse {
  error: string;
  message: string;
}

/** `POST /v1/handoff` response. */
export interface HandoffResponse {
  /** The code without separators, e.g. `K7M2QX`. */
  code: string;
  /** The code formatted for display, e.g. `K7M-2QX`. */
  display: string;
  /** ISO-8601 expiry. */
  expiresAt: string;
}

/** Segment ecommerce product (v2 spec). */
export interface Product {
  product_id?: string;
  sku?: string;
  name?: string;
  price?: number;
  quantity?: number;
  category?: string;
  [key: string]: unknown;
}

/** Properties of Segment's `Order Completed` event. */
export interface OrderCompletedProperties {
  order_id: string;
  revenue?: number;
  total?: number;
  currency?: string;
  products?: Product[];
  coupon?: string;
  [key: string]: unknown;
}

/** Event names Omnitrail gives meaning to (Segment ecommerce spec plus our own). */
export type KnownEventName =
  | 'Product Viewed'
  | 'Product Added'
  | 'Checkout Started'
  | 'Order Completed'
  | 'Order Refunded'
  | 'Order Cancelled'
  | 'Web Vitals'
  | 'QR Code Scanned'
  | 'Handoff Code Issued';

/** Query parameter that carries the QR scan token on a landing URL. */
export type ScanTokenParam = 'ot_scan';
