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
  /** Delete every event and every small value (consent withdrawn). */
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
  /** Initial consent; default `granted`. Global Privacy Control turns the default into `denied`. Any other value throws. */
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
  /** Delay between an event and its send, to batch bursts; default 1000 ms. */
  flushDelay?: number;
  /** Cookie domain; default: the registrable domain, found by probing. */
  cookieDomain?: string;
  /**
   * Opt-in features, e.g. `[sessions(), keepalive(), idRefresh(), scanToken()]`: each is a named
   * export, so a bundle carries only the ones it lists. The script-tag builds use all of them.
   */
  plugins?: Plugin[];
}

/**
 * The inside of one tracker, handed to its plugins. Internal: only the SDK's own plugins use it,
 * and `_` names are shortened by the minifier (so it costs the core almost nothing).
 */
export interface Core {
  /** The options the tracker was made with. */
  _o: TrackerOptions;
  /** Called with each new event and its `context.omnitrail`: plugins add context (sessions, campaign, scan token). */
  _enrich?(event: WireEvent, om: Record<string, unknown>): void;
  /** True under `granted` consent (the only state that may touch the device). */
  _granted(): boolean;
  /** The current anonymous ID. */
  _aid(): string;
  /** Resolves once the stored anonymous ID was restored (it may replace the first one). */
  _ready: Promise<unknown>;
  /** The cookie domain, once the ID was first stored. */
  _domain?: string;
  /** POSTs `body` as text/plain JSON to `{endpoint}/v1/{path}?writeKey=…`. */
  _send(path: string, body: unknown, init?: RequestInit): Promise<Response>;
  /** Sends a batch; resolves with the response, or 0 on a network error (never rejects). */
  _post(batch: WireEvent[], keepalive?: boolean): Promise<Response | 0>;
  /** Deletes acknowledged (or permanently rejected) events from the queue. */
  _done(events: WireEvent[]): Promise<void>;
  /** Called when a consented event enters this tab's queue (before it is written). */
  _pushed?(event: WireEvent): void;
  /** Called after a queue write completed. */
  _written?(): void;
  /** Called on `reset()` and when consent is withdrawn: forget per-visitor state. */
  _forget?(): void;
}

/** An opt-in feature: called once by `createTracker` with the tracker's {@link Core}. */
export type Plugin = (core: Core) => void;

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
  /** Change consent: `granted` persists, `denied` erases everything on the device (again on every call); other values are ignored. */
  consent(state: ConsentState): void;
  /** Send queued events now; resolves when the attempt ends (sent, or deferred for retry). */
  flush(): Promise<void>;
  /** The anonymous ID (undefined under `denied`). */
  anonymousId(): string | undefined;
  /** Internal: the tracker's {@link Core}, for functions such as `handoffCode(tracker)`. */
  readonly _core?: Core;
}
