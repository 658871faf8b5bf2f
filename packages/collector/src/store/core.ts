import type { ConsentState, EventType } from '@omnitrail/schema';

/** A site (one shop) with its keys. Secret keys are stored hashed and never returned after creation. */
export interface Site {
  id: string;
  name: string;
  /** Origins allowed to send events from a browser (CORS). `*` allows any origin. */
  origins: string[];
  writeKey: string;
  createdAt: number;
  /** Per-site settings (channel rules, retention, cookieless mode, …) as a JSON object. */
  settings: Record<string, unknown>;
}

/** Returned once by `createSite`: the only time the secret key is visible. */
export interface CreatedSite {
  site: Site;
  secretKey: string;
}

/** Parsed user agent, kept as classes only (never the raw string in reports). */
export interface UaInfo {
  browser: string | null;
  os: string | null;
  /** `desktop` | `mobile` | `tablet` | `bot` | `other` */
  device: string;
}

/**
 * An event as the collector stores it: the Segment event after validation, clock-skew
 * correction and enrichment. Append-only; `(siteId, messageId)` is unique forever.
 */
export interface StoredEvent {
  siteId: string;
  messageId: string;
  type: EventType;
  /** `track`: the event name; `page`/`screen`: the page name; otherwise null. */
  event: string | null;
  anonymousId: string | null;
  userId: string | null;
  /** Event time in ms since epoch, corrected by (receivedAt − sentAt). */
  timestamp: number;
  /** The client's own `timestamp` string, unchanged. */
  originalTimestamp: string | null;
  receivedAt: number;
  sentAt: string | null;
  consent: ConsentState | null;
  bot: boolean;
  ua: UaInfo | null;
  /** Coarse country (ISO 3166-1 alpha-2) if a resolver is configured; never the IP. */
  country: string | null;
  /** `context` without `ip` (the raw IP is never stored). */
  context: Record<string, unknown>;
  properties: Record<string, unknown>;
  traits: Record<string, unknown>;
}

/** Outcome of appending one event. */
export type AppendResult = 'inserted' | 'duplicate';

/** Sites, keys and the event log: what ingest needs. */
export interface CoreStore {
  /** Apply pending migrations. Idempotent. */
  migrate(): Promise<void>;
  /**
   * True when the database can take writes durably (what ingest needs), false when it cannot:
   * closed, read-only, or too full for one more page. `/healthz` answers 503 on false.
   */
  ping(): Promise<boolean>;
  /** Flush pending group commits and close. */
  close(): Promise<void>;

  createSite(input: { name: string; origins: string[]; settings?: Record<string, unknown> }): Promise<CreatedSite>;
  listSites(): Promise<Site[]>;
  getSite(id: string): Promise<Site | null>;
  siteByWriteKey(writeKey: string): Promise<Site | null>;
  /** Looks the secret key up by its hash; compares in constant time. */
  siteBySecretKey(secretKey: string): Promise<Site | null>;
  updateSiteSettings(siteId: string, settings: Record<string, unknown>): Promise<void>;
  /**
   * Replaces the origins a site accepts browser events from (CORS; `*` = any), e.g. when a shop
   * adds a domain or narrows the first site's `*`: the keys and data stay. Origins are stored as
   * given: callers normalise them (`normaliseOrigin`).
   */
  updateSiteOrigins(siteId: string, origins: string[]): Promise<void>;
  /**
   * Optional: a number that changes when sites or keys may have changed (rotated, revoked,
   * settings updated, a site removed) — at once for changes through this store, and within a
   * short interval for changes by another process on the same database. Caches of key lookups
   * (`ingest/site-cache.ts`) drop their entries when it changes; without it they rely on their TTL.
   */
  sitesVersion?(): number;

  /**
   * Append events. Resolves only after the transaction holding them is committed
   * (group commit: concurrent callers share one transaction). One result per input, in order.
   */
  appendEvents(events: StoredEvent[]): Promise<AppendResult[]>;
  /** Count of stored events for a site (tests, metrics). */
  countEvents(siteId: string): Promise<number>;
  /**
   * Event time (`timestamp`, ms) of the site's latest stored event, or null when it has none:
   * lets an empty report tell "nothing in this range" from "nothing received yet".
   */
  latestEventAt(siteId: string): Promise<number | null>;
}
