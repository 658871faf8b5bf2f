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
  | 'Handoff Code Issued'
  | 'Offline Touchpoint';

/** Query parameter that carries the QR scan token on a landing URL. */
export type ScanTokenParam = 'ot_scan';

/** Sales channel of an order. Free text is allowed; these are the ones reports know. */
export type OrderChannel = 'web' | 'store' | 'phone' | 'marketplace' | 'app' | 'b2b' | (string & {});

/** Status of an order. Refunded and cancelled orders do not count as conversions. */
export type OrderStatusInput = 'completed' | 'refunded' | 'cancelled';

/**
 * Identifiers an offline record (order or touchpoint) may carry; any subset. They link the
 * record — and each other — to one person. `email` / `phone` are normalised and hashed by
 * the collector before storage (or send `email_sha256` / `phone_sha256` yourself).
 */
export interface OfflineIdentifiers {
  /** Shop/CRM customer ID (the `userId` of identify calls). */
  userId?: string;
  email?: string;
  phone?: string;
  /** SHA-256 hex of the normalised e-mail (trimmed, lower-case). */
  email_sha256?: string;
  /** SHA-256 hex of the E.164 phone number. */
  phone_sha256?: string;
  /** Loyalty / customer card number. */
  loyaltyId?: string;
  /** Browser anonymous ID, when the POS/shop knows it. */
  anonymousId?: string;
  /** Handoff code the customer quoted (`K7M-2QX` or `K7M2QX`); validated, unknown/expired → rejected. */
  handoffCode?: string;
  /** QR code (printed code, e.g. a personalised mailing code the customer brought along). */
  qrCode?: string;
  /** QR scan token (`ot_scan`). */
  scanToken?: string;
  /** Custom external IDs, e.g. `{ crm: 'C-17' }` → identifier kind `ext:crm`. */
  externalIds?: Record<string, string>;
}

/** One product line of an order. `id` and Segment's `product_id` are synonyms. */
export interface OrderProductInput {
  id?: string;
  product_id?: string;
  sku?: string;
  name?: string;
  price?: number;
  quantity?: number;
  category?: string;
}

/**
 * One order for `POST /v1/orders` (secret key). Idempotent per (site, `order_id`):
 * resending the same order changes nothing; a later record with status `refunded` or
 * `cancelled` updates status and revenue. A web `Order Completed` event with the same
 * `order_id` is the same order (revenue counted once, identifiers merged).
 *
 * @example
 * const order: OrderInput = {
 *   order_id: 'B-1001', channel: 'store', location: 'berlin-mitte', revenue: 89.9, currency: 'EUR',
 *   products: [{ id: 'P1', sku: 'SKU-1', name: 'Shoe', price: 89.9, quantity: 1 }],
 *   loyaltyId: 'L-4711', handoffCode: 'K7M-2QX',
 * };
 */
export interface OrderInput extends OfflineIdentifiers {
  order_id: string;
  /** Default `store`. */
  channel?: OrderChannel;
  /** Store / branch / call-centre ID. */
  location?: string;
  /** ISO-8601 string or ms since epoch; default: time received. */
  timestamp?: string | number;
  /**
   * The order's current value. Default: `total`, else the sum of `price × quantity`. For a
   * `refunded` / `cancelled` record: the value that remains (default 0 = full refund).
   */
  revenue?: number;
  /** Segment's synonym of `revenue`. */
  total?: number;
  /** ISO 4217, e.g. `EUR`. */
  currency?: string;
  products?: OrderProductInput[];
  /** Default `completed`. */
  status?: OrderStatusInput;
  coupon?: string;
}

/** Body of `POST /v1/orders`: one order, or up to 1000 under `orders`. */
export type OrdersRequest = OrderInput | { orders: OrderInput[] };

/** One order the collector refused, by its index in the request. */
export interface RejectedOrder {
  index: number;
  order_id?: string;
  reason: string;
}

/** 200 response of `POST /v1/orders`. */
export interface OrdersResponse {
  /** New orders and real updates (status, revenue, new identifiers). */
  accepted: number;
  /** Records that changed nothing (resends). */
  duplicates: number;
  rejected: RejectedOrder[];
}

/** Kinds of offline touchpoint. */
export type TouchpointType = 'store_visit' | 'phone_call' | 'consultation' | 'appointment' | 'custom';

/**
 * One offline touchpoint for `POST /v1/touchpoints` (secret key). Stored as an
 * `Offline Touchpoint` event; `touchpoint_id` is its idempotency key (when absent, one is
 * derived from the content, so re-importing the same row is a no-op).
 *
 * @example
 * const tp: TouchpointInput = {
 *   type: 'consultation', timestamp: '2026-03-02T10:15:00Z', location: 'berlin-mitte',
 *   note: 'Asked about running shoes', email: 'jane@example.com',
 * };
 */
export interface TouchpointInput extends OfflineIdentifiers {
  touchpoint_id?: string;
  type: TouchpointType;
  /** For `custom`: a name, e.g. `Trade fair`. */
  name?: string;
  /** ISO-8601 string or ms since epoch; default: time received. */
  timestamp?: string | number;
  location?: string;
  /** Staff note (free text; do not put PII here). */
  note?: string;
  /** Staff member ID or name. */
  staff?: string;
  /** `appointment`: when the appointment is (ISO-8601, may lie up to two years ahead); `timestamp` is when it was booked or held. */
  appointment_at?: string | number;
  /** Channel for attribution; default derived from `type` (phone_call → phone, otherwise store). */
  channel?: string;
  properties?: Record<string, unknown>;
}

/** Body of `POST /v1/touchpoints`: one touchpoint, or up to 1000 under `touchpoints`. */
export type TouchpointsRequest = TouchpointInput | { touchpoints: TouchpointInput[] };

/** One touchpoint the collector refused, by its index in the request. */
export interface RejectedTouchpoint {
  index: number;
  touchpoint_id?: string;
  reason: string;
}

/** 200 response of `POST /v1/touchpoints`. */
export interface TouchpointsResponse {
  accepted: number;
  duplicates: number;
  rejected: RejectedTouchpoint[];
}
