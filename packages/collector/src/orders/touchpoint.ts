import type { TouchpointInput, TouchpointType } from '@omnitrail/schema';
import { sha256Hex } from '../pii/index';
import { scrubValue } from '../pii/scrub';
import { checkJsonValue } from '../ingest/validate';
import { offlineIdentifiers, type OfflineIdentifierFields } from '../stitch/derive';
import type { StoredEvent } from '../store/core';
import { collectIdentifiers } from './identifiers';
import type { NormaliseOptions } from './order';
import { FieldError, isBlank, optString, parseTime } from './parse';

/** Event name of offline touchpoints in the event log. */
export const OFFLINE_TOUCHPOINT = 'Offline Touchpoint';

/** Prefix of touchpoint messageIds, so they never collide with browser messageIds. */
export const TOUCHPOINT_ID_PREFIX = 'tp-';

const TYPES = new Set<TouchpointType>(['store_visit', 'phone_call', 'consultation', 'appointment', 'custom']);
const TYPE_ALIASES: Record<string, TouchpointType> = {
  visit: 'store_visit',
  'store visit': 'store_visit',
  call: 'phone_call',
  phone: 'phone_call',
  'phone call': 'phone_call',
};

/** Properties of an `Offline Touchpoint` event (what reports and profiles read). */
export interface OfflineTouchpointProperties {
  touchpoint_type: TouchpointType;
  touchpoint_id: string | null;
  name: string | null;
  channel: string;
  location: string | null;
  note: string | null;
  staff: string | null;
  /** Hashed identifier fields (linked by the identity deriver, rule `touchpoint`). */
  identifiers: OfflineIdentifierFields;
  handoff_code: string | null;
  qr_code: string | null;
  /** `appointment`: ISO time the appointment is for. */
  appointment_at: string | null;
  [key: string]: unknown;
}

function appointmentAt(v: unknown, now: number): string | null {
  const at = parseTime(v, 'appointment_at', now + 2 * 365 * 86_400_000);
  return at === undefined ? null : new Date(at).toISOString();
}

/** Outcome of normalising one touchpoint. */
export type NormalisedTouchpoint =
  | { ok: true; event: StoredEvent; warnings: string[] }
  | { ok: false; touchpointId?: string; reason: string };

/**
 * Validate one touchpoint (`POST /v1/touchpoints` body or CSV row) and build the
 * `Offline Touchpoint` event that represents it in the event log. The messageId is
 * `tp-<touchpoint_id>` or, without an ID, `tp-` + a hash of the content, so importing the
 * same file twice stores nothing new. Handoff and QR codes are returned for the caller to
 * resolve; it adds the resulting identifiers to `properties.identifiers` before appending.
 *
 * @example
 * const r = await normaliseTouchpoint({ type: 'store_visit', loyaltyId: 'L-1' }, { siteId: 's1', now: Date.now() });
 * if (r.ok) await store.appendEvents([r.event]);
 */
export async function normaliseTouchpoint(
  input: unknown,
  opts: NormaliseOptions & { siteId: string },
): Promise<NormalisedTouchpoint> {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return { ok: false, reason: 'touchpoint must be a JSON object' };
  const t = input as TouchpointInput & Record<string, unknown>;
  let touchpointId: string | undefined;
  try {
    touchpointId = optString(t.touchpoint_id ?? t.touchpointId, 'touchpoint_id', 97);
    const rawType = optString(t.type ?? t.touchpoint_type, 'type', 40)?.toLowerCase();
    if (rawType === undefined) return { ok: false, touchpointId, reason: 'type is required (store_visit, phone_call, consultation, appointment, custom)' };
    const type = (TYPE_ALIASES[rawType] ?? rawType) as TouchpointType;
    if (!TYPES.has(type)) {
      return { ok: false, touchpointId, reason: `type must be store_visit, phone_call, consultation, appointment or custom (got ${JSON.stringify(rawType)})` };
    }
    const name = optString(t.name, 'name', 200) ?? null;
    if (type === 'custom' && !name) return { ok: false, touchpointId, reason: 'a custom touchpoint needs a name' };
    const explicitTs = parseTime(t.timestamp ?? t.time, 'timestamp', opts.now);
    const ids = await collectIdentifiers(t, opts.defaultCountry, opts.piiMemo);
    if (opts.resolveCodes && (ids.handoffCode || ids.qrCode)) {
      const res = await opts.resolveCodes({ handoffCode: ids.handoffCode, qrCode: ids.qrCode }, explicitTs ?? opts.now);
      if (!res.ok) return { ok: false, touchpointId, reason: res.reason };
      if (res.qrRecipient) ids.fields.qrRecipient = res.qrRecipient;
    }
    if (ids.handoffCode) ids.fields.handoffCode = ids.handoffCode;
    const linked = offlineIdentifiers(ids.fields);
    if (linked.length === 0) {
      return { ok: false, touchpointId, reason: 'at least one usable identifier is required (userId, email, phone, loyaltyId, anonymousId, handoffCode, personalised qrCode, scanToken, externalIds)' };
    }
    const extra = t.properties;
    if (!isBlank(extra) && (typeof extra !== 'object' || Array.isArray(extra))) throw new FieldError('properties must be an object');
    // Stored as sent, so held to ingest's rules: no `__proto__` / `constructor` / `prototype` key
    // at any depth (a reader that merges them would pollute prototypes), bounded depth, no lone surrogates.
    const bad = isBlank(extra) ? null : checkJsonValue(extra);
    if (bad !== null) throw new FieldError(`properties${bad}`);
    const given: OfflineTouchpointProperties = {
      ...((extra as Record<string, unknown>) ?? {}),
      touchpoint_type: type,
      touchpoint_id: touchpointId ?? null,
      name,
      channel: optString(t.channel, 'channel', 40)?.toLowerCase() ?? (type === 'phone_call' ? 'phone' : 'store'),
      location: optString(t.location ?? t.store_id ?? t.location_id, 'location', 100) ?? null,
      note: optString(t.note, 'note', 2000) ?? null,
      staff: optString(t.staff, 'staff', 100) ?? null,
      // The time the appointment is for (may lie ahead); the touchpoint's own time is when it
      // was booked or held. Up to two years ahead.
      appointment_at: type === 'appointment' ? appointmentAt(t.appointment_at ?? t.appointmentAt, opts.now) : null,
      identifiers: ids.fields,
      handoff_code: ids.handoffCode ?? null,
      qr_code: ids.qrCode ?? null,
    };
    // Free fields (note, staff, extra properties) are stored as sent, except e-mail addresses and
    // contact-named keys: hashed or redacted as in any event (pii/scrub.ts).
    const properties = (await scrubValue(given, opts.defaultCountry)) as OfflineTouchpointProperties;
    const messageId =
      TOUCHPOINT_ID_PREFIX +
      (touchpointId ?? (await sha256Hex(JSON.stringify([opts.siteId, explicitTs ?? null, properties]))).slice(0, 40));
    const anon = linked.find((i) => i.kind === 'anon')?.value ?? null;
    const user = linked.find((i) => i.kind === 'user')?.value ?? null;
    const event: StoredEvent = {
      siteId: opts.siteId,
      messageId,
      type: 'track',
      event: OFFLINE_TOUCHPOINT,
      anonymousId: anon,
      userId: user,
      timestamp: explicitTs ?? opts.now,
      originalTimestamp: typeof t.timestamp === 'string' ? t.timestamp : explicitTs !== undefined ? new Date(explicitTs).toISOString() : null,
      receivedAt: opts.now,
      sentAt: null,
      consent: null,
      bot: false,
      ua: null,
      country: null,
      context: { library: { name: 'omnitrail-server', version: '1' } },
      properties,
      traits: {},
    };
    return { ok: true, event, warnings: ids.warnings };
  } catch (e) {
    if (e instanceof FieldError) return { ok: false, touchpointId, reason: e.message };
    throw e;
  }
}
