import type { ConsentState, HandoffResponse, OrderCompletedProperties, WireEvent } from '@omnitrail/schema';

export type { ConsentState, HandoffResponse, OrderCompletedProperties, WireEvent };

/** Caps of an event queue: beyond either, the oldest events are dropped (and counted). */
export interface QueueCaps {
  /** Most events kept. */
  maxEvents: number;
  /** Most bytes of event JSON kept. */
  maxBytes: number;
}

/**
 * Where events wait until the collector acknowledged them. The core ships a memory queue;
 * `@omnitrail/sdk/queue` adds a persistent IndexedDB one shared by every tab of the site.
 */
export interface Queue {
  /** Append events, oldest first; resolves with how many old events the caps dropped. */
  add(events: WireEvent[]): Promise<number>;
  /** The oldest events whose JSON fits in `maxBytes` (always at least one if any). */
  read(maxBytes: number): Promise<WireEvent[]>;
  /** Delete events by messageId (after an ack or a permanent rejection). */
  remove(messageIds: string[]): Promise<void>;
  /** Delete every event (consent withdrawn). */
  clear(): Promise<void>;
  /** A small value stored beside the events (the anonymous ID copy). */
  get(key: string): Promise<string | undefined>;
  /** Store (or, with `undefined`, delete) a small value. */
  set(key: string, value?: string): Promise<void>;
}

/** Makes the queue for one tracker; `name` is unique per write key. */
export type QueueFactory = (name: string, caps: QueueCaps) => Queue;

/** Options of {@link createTracker}. */
export interface TrackerOptions {
  /** The site's public write key. */
  writeKey: string;
  /** Collector base URL, e.g. `https://t.shop.com`. */
  endpoint: string;
  /** Initial consent; default `granted`. Global Privacy Control turns the default into `denied`. */
  consent?: ConsentState;
  /** Ignore `navigator.globalPrivacyControl` (only if your legal basis allows it). */
  ignoreGpc?: boolean;
  /** Under `denied`, still send page views without any identifier (cookieless aggregate page counts). */
  cookieless?: boolean;
  /** Log with an `[omnitrail]` prefix. */
  debug?: boolean;
  /** Queue factory, e.g. `idbQueue` from `@omnitrail/sdk/queue`; default: memory. */
  queue?: QueueFactory;
  /** Queue cap by count; default 1000. */
  maxEvents?: number;
  /** Queue cap by bytes of JSON; default 1 MB. */
  maxBytes?: number;
  /** Session inactivity timeout in ms; default 30 minutes. */
  sessionTimeout?: number;
  /** Delay between an event and its send, to batch bursts; default 1000 ms. */
  flushDelay?: number;
  /** Cookie domain; default: the registrable domain, found by probing. */
  cookieDomain?: string;
  /**
   * Ask the collector to re-set the ID cookie from the server (Safari ITP caps script-set
   * cookies at 7 days). Default: on when the collector is on the same registrable domain.
   */
  idRefresh?: boolean;
}

/** Extra fields merged into one event, e.g. `{ messageId }` to make a retry idempotent. */
export interface EventOptions {
  messageId?: string;
  timestamp?: string;
  context?: Record<string, unknown>;
}

/** A tracker instance: every method is safe to call at any time and never throws. */
export interface Tracker {
  /** Record a page view (`name` is optional). */
  page(name?: string, properties?: Record<string, unknown>, options?: EventOptions): void;
  /** Record a custom event. */
  track(event: string, properties?: Record<string, unknown>, options?: EventOptions): void;
  /** Tie this browser to a known user (and/or record traits). */
  identify(userId?: string | null, traits?: Record<string, unknown>, options?: EventOptions): void;
  /** Link `previousId` (default: the anonymous ID) to `userId`. */
  alias(userId: string, previousId?: string, options?: EventOptions): void;
  /** Record Segment's `Order Completed`. */
  order(order: OrderCompletedProperties, options?: EventOptions): void;
  /** Logout on a shared device: forget the user, start a new anonymous ID and session. */
  reset(): void;
  /** Change consent: `granted` persists, `denied` erases everything on the device. */
  consent(state: ConsentState): void;
  /** Send queued events now; resolves when the attempt ends (sent, or deferred for retry). */
  flush(): Promise<void>;
  /** The anonymous ID (undefined under `denied`). */
  anonymousId(): string | undefined;
  /** Ask the collector for a short code bound to this visitor ("quote K7M-2QX at the till"). */
  handoffCode(): Promise<HandoffResponse>;
}
