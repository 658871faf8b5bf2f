import type { ConsentState, EventType } from '@omnitrail/schema';
import type { StoredEvent } from '../store/types';
import { LIMITS } from './limits';
import { correctTimestamp, parseIsoTime } from './time';
import type { UaClass } from './enrich';
import { hasAtSign, hasContactParam, keyMayBePii, type BodyHints } from '../pii/scrub';
import { ORDER_EVENTS } from '../orders/web';
import { parseAmount } from '../orders/parse';

/** What one request contributes to each of its events. */
export interface Envelope {
  siteId: string;
  /** Server clock when the request arrived (ms). */
  receivedAt: number;
  /** Batch-level `sentAt` (ms), used when an event has none. */
  sentAt: number | null;
  /** Batch-level `sentAt` string as sent. */
  sentAtRaw: string | null;
  /** Batch-level `context`, merged under each event's own context. */
  context: Record<string, unknown> | null;
  /**
   * UTF-8 bytes of the batch-level `context` as sent. It is copied into every event, so it
   * counts toward each event's 32 KB: a stored event is never larger than the limit.
   */
  contextBytes?: number;
  /** The type the endpoint implies (`/v1/track` → `track`); null for `/v1/batch`. */
  endpointType: EventType | null;
  /** User agent of the HTTP request, only when it came from a browser (see routes/ingest). */
  requestUa: string | null;
  /** Classifies a user-agent string (memoised). */
  uaOf: (ua: string) => UaClass;
  /** Coarse country of the client, if a resolver is configured. */
  country: string | null;
  /**
   * Oldest event time (ms) the site keeps: `receivedAt` minus its retention. An older event
   * (after clock-skew correction) is rejected: the hourly retention purge would delete it right
   * after acknowledging it. Left out, any age is accepted.
   */
  oldest?: number;
  /**
   * Whether the batch-level `context` may hold an e-mail or phone (`mayHoldPii`), computed once
   * per request; left out, a batch context counts as "may".
   */
  contextPii?: boolean;
  /**
   * What the request body can hold at all (`bodyHints`, a few scans of its text): a body without
   * any `@` or `=` needs no per-string PII test. Left out, every string is tested.
   */
  bodyHints?: BodyHints;
}

/** Result of checking one event: the event to store, or why it was refused. */
export type Checked =
  | {
      ok: true;
      event: StoredEvent;
      /** The event may hold an e-mail or phone outside what checkEvent handles: run `scrubEvent` (pii/scrub.ts). */
      pii: boolean;
    }
  | { ok: false; reason: string; messageId?: string };

const TYPES = new Set<string>(['track', 'page', 'identify', 'alias', 'group', 'screen']);
// Events only the collector writes (QR scans, handoff issuance, staff-recorded touchpoints): a
// public write key must not forge them, or anyone could inflate scan counts or join their browser
// to someone else's handoff code.
const SERVER_ONLY_EVENTS = new Set<string>(['QR Code Scanned', 'Handoff Code Issued', 'Offline Touchpoint']);
/** The ecommerce events that become orders (`orders/web.ts`, ORDER_EVENTS). */
const ORDER_EVENT_NAMES = new Set(Object.keys(ORDER_EVENTS));

/** True for an amount `parseAmount` reads as below zero (`-5`, `"-5,00"`); anything unreadable is not. */
function isNegativeAmount(v: unknown): boolean {
  try {
    return (parseAmount(v, 'amount') ?? 0) < 0;
  } catch {
    return false;
  }
}
const CONSENT = new Set<string>(['granted', 'denied', 'pending']);
// Keys that would reach an object's prototype chain if a later step merged with Object.assign
// or a naive deep merge. JSON.parse makes them harmless own properties, so the danger is only
// downstream; refusing them here keeps every consumer (derivers, exports, dashboards) safe.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

type Str = string & { isWellFormed?: () => boolean };
// A lone UTF-16 surrogate cannot be encoded as UTF-8: it would be silently replaced by U+FFFD
// in storage (and an id with one would no longer match itself after a round trip).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed: (s: string) => boolean =
  typeof (''as Str).isWellFormed === 'function' ? (s) => (s as Str).isWellFormed!() : (s) => !LONE_SURROGATE.test(s);

/**
 * Accounting of one walk: `chars` is a lower bound of the JSON bytes, `upper` an upper bound;
 * `pii` turns true at the first key or string that may be (or name) an e-mail or phone — the
 * one cheap pre-check that spares the common event any deeper PII work.
 */
interface Size {
  chars: number;
  upper: number;
  pii: boolean;
  /** Whether strings need the `@` / the query-parameter test (Envelope.bodyHints). */
  at: boolean;
  eq: boolean;
}

/**
 * Walk a parsed JSON value once: depth, key names, strings (lone surrogates) and a cheap
 * byte-size bracket. Returns a reason with the path of the offending value, or null.
 */
function walk(v: unknown, depth: number, size: Size): string | null {
  if (typeof v === 'string') {
    size.chars += v.length + 3;
    // worst case: every UTF-16 unit escaped as \u00XX (6 bytes)
    size.upper += v.length * 6 + 3;
    if (!size.pii && ((size.at && hasAtSign(v)) || (size.eq && hasContactParam(v)))) size.pii = true;
    return wellFormed(v) ? null : ': string contains a lone UTF-16 surrogate';
  }
  if (v === null || typeof v !== 'object') {
    size.chars += 2;
    size.upper += 26;
    return null;
  }
  if (depth > LIMITS.maxDepth) return `: nested deeper than ${LIMITS.maxDepth} levels`;
  size.chars += 2;
  size.upper += 2;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = walk(v[i], depth + 1, size);
      if (r !== null) return `[${i}]${r}`;
    }
    return null;
  }
  for (const k in v) {
    if (k.length > LIMITS.maxKey) return `: key longer than ${LIMITS.maxKey} characters`;
    if (FORBIDDEN_KEYS.has(k)) return `.${k}: forbidden key`;
    if (!wellFormed(k)) return ': key contains a lone UTF-16 surrogate';
    size.chars += k.length + 3;
    size.upper += k.length * 6 + 3;
    if (!size.pii && keyMayBePii(k)) size.pii = true;
    const r = walk((v as Record<string, unknown>)[k], depth + 1, size);
    if (r !== null) return `.${k}${r}`;
  }
  return null;
}

/**
 * Check a JSON value that is not an event (e.g. a batch-level `context`) for depth, forbidden
 * keys and lone surrogates. Returns a reason starting with the path (`.a.b: …`), or null.
 *
 * @example
 * checkJsonValue({ a: { __proto__x: 1 } }) // null
 */
export function checkJsonValue(v: unknown): string | null {
  return walk(v, 2, { chars: 0, upper: 0, pii: false, at: true, eq: true });
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An id field: non-empty string (numbers are accepted and stringified, as Segment does). */
function idOf(v: unknown): string | null | undefined {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string') return v.length <= LIMITS.maxId ? v : undefined;
  return undefined;
}

// Time-prefixed ids for events sent without a messageId (purely random ids scatter B-tree inserts).
function generatedMessageId(now: number): string {
  return `srv-${now.toString(36)}-${crypto.randomUUID()}`;
}

// Consent from the most to the least restrictive: when a batch and its event both state one, the
// stricter wins (see mergeOmnitrail).
const CONSENT_RANK: Record<string, number> = { denied: 3, pending: 2, granted: 1 };

/**
 * Merge the batch's `context.omnitrail` under the event's key by key (the event wins per key),
 * so an event that says only `{ sessionStart: true }` keeps the batch's `consent`. When both state
 * a consent, the stricter one wins: conflicting statements must fail safe (not stitched), and a
 * sender that set `denied` for the whole batch meant every event in it.
 */
function mergeOmnitrail(batch: unknown, own: unknown): unknown {
  if (!isObject(batch) || !isObject(own)) return own;
  const out: Record<string, unknown> = {};
  for (const k in batch) out[k] = batch[k];
  for (const k in own) out[k] = own[k];
  const b = batch.consent;
  const o = own.consent;
  if (typeof b === 'string' && typeof o === 'string' && (CONSENT_RANK[b] ?? 0) > (CONSENT_RANK[o] ?? 0)) out.consent = b;
  return out;
}

/**
 * Merge the batch context under the event's own and drop `ip`, `userAgent` and `userAgentData`.
 * `userAgentData` is the user agent as client hints (analytics.js sends brands, platform and
 * mobile, and with `highEntropyValuesClientHints` the model, OS version and full browser
 * versions): the same fingerprinting surface as the string, which PRIVACY.md says is never
 * stored. Copies key by key
 * instead of spread + `delete`: `delete` turns an object into a slow dictionary, which would make
 * every later read and the storage's JSON.stringify slower. Returns the event's own object
 * untouched when there is nothing to merge or drop. `omnitrail` (consent, session, …) is merged
 * one level deeper (mergeOmnitrail): a batch-level consent must not vanish because the event
 * carries an `omnitrail` object of its own.
 */
function cleanContext(batch: Record<string, unknown> | null, own: Record<string, unknown> | null): Record<string, unknown> {
  if (!batch && own && !('ip' in own) && !('userAgent' in own) && !('userAgentData' in own)) return own;
  const out: Record<string, unknown> = {};
  if (batch) for (const k in batch) if (k !== 'ip' && k !== 'userAgent' && k !== 'userAgentData' && !(own && k in own)) out[k] = batch[k];
  if (own) for (const k in own) if (k !== 'ip' && k !== 'userAgent' && k !== 'userAgentData') out[k] = own[k];
  if (batch && own && 'omnitrail' in batch && 'omnitrail' in own) out.omnitrail = mergeOmnitrail(batch.omnitrail, own.omnitrail);
  return out;
}

/**
 * Validate one Segment event and turn it into the event the store keeps: type, ids, ISO-8601
 * times (clock-skew corrected and clamped), names, JSON depth, key names, lone surrogates and
 * the 32 KB size limit are checked; `context.ip` is dropped; the user agent is classified and
 * dropped (`context.userAgent`, `context.userAgentData`).
 * Never throws, whatever `raw` is.
 *
 * Events without `messageId` get a server-made one (Segment does the same); they cannot be
 * deduplicated if the client retries, which is the client's choice. `alias` keeps `previousId`
 * in `properties.previousId`, `group` keeps `groupId` in `properties.groupId`.
 *
 * @example
 * const r = checkEvent({ type: 'track', event: 'Signed Up', anonymousId: 'a1', messageId: 'm1' }, env);
 * if (r.ok) events.push(r.event); else rejected.push({ index, messageId: r.messageId, reason: r.reason });
 */
export function checkEvent(raw: unknown, env: Envelope): Checked {
  if (!isObject(raw)) return { ok: false, reason: 'event must be a JSON object' };
  let messageId: string;
  const mid = raw.messageId;
  if (mid === undefined || mid === null) messageId = generatedMessageId(env.receivedAt);
  else if (typeof mid !== 'string' || mid.length === 0 || mid.length > LIMITS.maxMessageId) {
    return { ok: false, reason: `messageId must be a string of 1 to ${LIMITS.maxMessageId} characters` };
  } else messageId = mid;
  const fail = (reason: string): Checked => ({ ok: false, reason, messageId: typeof mid === 'string' ? mid : undefined });

  let type = raw.type as EventType | undefined;
  if (type === undefined && env.endpointType) type = env.endpointType;
  if (typeof type !== 'string' || !TYPES.has(type)) {
    return fail('type must be one of track, page, identify, alias, group, screen');
  }
  if (env.endpointType && type !== env.endpointType) {
    return fail(`type "${type}" sent to /v1/${env.endpointType}: use /v1/${type} or /v1/batch`);
  }

  const anonymousId = idOf(raw.anonymousId);
  const userId = idOf(raw.userId);
  if (anonymousId === undefined) return fail(`anonymousId must be a string of at most ${LIMITS.maxId} characters`);
  if (userId === undefined) return fail(`userId must be a string of at most ${LIMITS.maxId} characters`);
  if (anonymousId === null && userId === null) return fail('anonymousId or userId is required');

  let name: string | null = null;
  let extra: Record<string, unknown> | null = null;
  let traits: Record<string, unknown> = {};
  if (raw.properties !== undefined && raw.properties !== null && !isObject(raw.properties)) {
    return fail('properties must be an object');
  }
  if (raw.traits !== undefined && raw.traits !== null && !isObject(raw.traits)) return fail('traits must be an object');
  if (raw.context !== undefined && raw.context !== null && !isObject(raw.context)) return fail('context must be an object');

  if (type === 'track') {
    if (typeof raw.event !== 'string' || raw.event.length === 0) return fail('track needs "event", a non-empty string');
    if (raw.event.length > LIMITS.maxName) return fail(`event must be at most ${LIMITS.maxName} characters`);
    if (SERVER_ONLY_EVENTS.has(raw.event)) return fail(`"${raw.event}" is recorded by the collector itself and cannot be sent with a write key`);
    name = raw.event;
    // An order event with a negative amount is refused as /v1/orders refuses it, instead of
    // becoming an order of 0 (orders/web.ts): a refund is an "Order Refunded" event.
    if (ORDER_EVENT_NAMES.has(name) && isObject(raw.properties)) {
      for (const f of ['revenue', 'total'] as const) {
        if (isNegativeAmount(raw.properties[f])) {
          return fail(`properties.${f} must not be negative, as in /v1/orders (a refund is an "Order Refunded" event with what remains)`);
        }
      }
    }
  } else if (type === 'page' || type === 'screen') {
    if (raw.name !== undefined && raw.name !== null) {
      if (typeof raw.name !== 'string' || raw.name.length > LIMITS.maxName) {
        return fail(`name must be a string of at most ${LIMITS.maxName} characters`);
      }
      name = raw.name || null;
    }
  } else if (type === 'alias') {
    const prev = idOf(raw.previousId);
    if (!prev) return fail(`alias needs "previousId", a string of at most ${LIMITS.maxId} characters`);
    extra = { previousId: prev };
  } else if (type === 'group') {
    const gid = idOf(raw.groupId);
    if (!gid) return fail(`group needs "groupId", a string of at most ${LIMITS.maxId} characters`);
    extra = { groupId: gid };
  }
  if (type === 'identify' || type === 'group') traits = (raw.traits as Record<string, unknown>) ?? {};
  const props = isObject(raw.properties) && (type === 'track' || type === 'page' || type === 'screen') ? raw.properties : null;

  // Times: ISO-8601 only; the event's own sentAt wins over the batch's. Without `timestamp`, a
  // client's `originalTimestamp` is its event time (RudderStack's SDKs send only that and
  // `sentAt`, and so does an event replayed from a Segment export): without it an event queued
  // offline for days would be stored as happening when it arrived.
  let ts: number | null = null;
  let originalTimestamp: string | null = null;
  let tsField: 'timestamp' | 'originalTimestamp' = 'timestamp';
  let tsRaw = raw.timestamp;
  if ((tsRaw === undefined || tsRaw === null) && raw.originalTimestamp !== undefined && raw.originalTimestamp !== null) {
    tsRaw = raw.originalTimestamp;
    tsField = 'originalTimestamp';
  }
  if (tsRaw !== undefined && tsRaw !== null) {
    if (typeof tsRaw !== 'string' || Number.isNaN((ts = parseIsoTime(tsRaw)))) {
      return fail(`${tsField} must be an ISO-8601 date-time string`);
    }
    originalTimestamp = tsRaw;
  }
  let sentAt = env.sentAt;
  let sentAtRaw = env.sentAtRaw;
  if (raw.sentAt !== undefined && raw.sentAt !== null) {
    if (typeof raw.sentAt !== 'string' || Number.isNaN((sentAt = parseIsoTime(raw.sentAt)))) {
      return fail('sentAt must be an ISO-8601 date-time string');
    }
    sentAtRaw = raw.sentAt;
  }

  const hints = env.bodyHints;
  const size: Size = { chars: 0, upper: 0, pii: false, at: hints?.atSign ?? true, eq: hints?.equals ?? true };
  const bad = walk(raw, 1, size);
  if (bad !== null) return fail(`event${bad}`);
  if (size.chars > LIMITS.maxEventBytes) return fail(`event is larger than ${LIMITS.maxEventBytes / 1024} KB`);
  if (size.upper > LIMITS.maxEventBytes && utf8Length(JSON.stringify(raw)) > LIMITS.maxEventBytes) {
    return fail(`event is larger than ${LIMITS.maxEventBytes / 1024} KB`);
  }
  // Same bracket as above: the lower bound decides alone, the exact size only near the limit.
  const ctxBytes = env.contextBytes;
  if (
    ctxBytes &&
    size.upper + ctxBytes > LIMITS.maxEventBytes &&
    (size.chars + ctxBytes > LIMITS.maxEventBytes || utf8Length(JSON.stringify(raw)) + ctxBytes > LIMITS.maxEventBytes)
  ) {
    return fail(`event is larger than ${LIMITS.maxEventBytes / 1024} KB with the batch-level context (${Math.ceil(ctxBytes / 1024)} KB) copied into it`);
  }

  // context: the batch's context under the event's own. The client IP is never stored; of the
  // user agent only the classes (browser, OS, device, bot) are kept: the full string is a
  // fingerprinting surface and no report needs it (PRIVACY.md).
  const own = (raw.context as Record<string, unknown> | undefined) ?? null;
  const uaString =
    own && typeof own.userAgent === 'string'
      ? own.userAgent
      : env.context && typeof env.context.userAgent === 'string'
        ? env.context.userAgent
        : env.requestUa;
  const context = cleanContext(env.context, own);
  const om = context.omnitrail;
  const consentRaw = isObject(om) ? om.consent : undefined;
  const consent = typeof consentRaw === 'string' && CONSENT.has(consentRaw) ? (consentRaw as ConsentState) : null;
  const cls = uaString ? env.uaOf(uaString) : null;

  const timestamp = correctTimestamp(ts, sentAt, env.receivedAt);
  if (env.oldest !== undefined && timestamp < env.oldest) {
    return fail(
      `${tsField} is older than the site's retention (${Math.round((env.receivedAt - env.oldest) / 86_400_000)} days${sentAt !== null && ts !== null && ts !== timestamp ? ', after clock-skew correction by sentAt' : ''}): it would be deleted at once; raise it with "omnitrail retention set --days"`,
    );
  }

  const event: StoredEvent = {
    siteId: env.siteId,
    messageId,
    type,
    event: name,
    anonymousId,
    userId,
    timestamp,
    originalTimestamp,
    receivedAt: env.receivedAt,
    sentAt: sentAtRaw,
    consent,
    bot: cls ? cls.bot : false,
    ua: cls ? cls.ua : null,
    country: env.country,
    context,
    properties: props ?? extra ?? {},
    traits,
  };
  return { ok: true, event, pii: size.pii || (env.context !== null && env.contextPii !== false) };
}
