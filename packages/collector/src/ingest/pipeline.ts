import type { IngestResponse, RejectedEvent } from '@omnitrail/schema';
import type { StoredEvent, Store } from '../store/types';
import { hashTraits } from '../pii/index';
import { pseudonymousId, scrubValue } from '../pii/scrub';
import type { Metrics } from './metrics';
import { checkEvent, type Envelope } from './validate';
import { LIMITS } from './limits';
import { cookielessContext, isCookieless, type CookielessResult } from '../privacy/cookieless';

function hasStandardPii(o: unknown): o is Record<string, unknown> {
  return typeof o === 'object' && o !== null && ('email' in o || 'phone' in o);
}

/** Standard keys first (hashTraits: `email_sha256` / `phone_sha256`, which stitching reads), then every other rule at any depth. */
async function scrubRecord(o: Record<string, unknown>, country: string | undefined): Promise<Record<string, unknown>> {
  const std = hasStandardPii(o) ? await hashTraits(o, country) : o;
  return (await scrubValue(std, country)) as Record<string, unknown>;
}

/**
 * Keep raw e-mail addresses and phone numbers out of storage wherever a Segment client puts
 * them. The standard `email` / `phone` keys of identify/group `traits`, `context.traits`
 * (analytics.js copies traits there) and event `properties` become `email_sha256` /
 * `phone_sha256` as before (hashTraits; the identity graph reads the traits' ones); then
 * pii/scrub.ts applies its rules to traits, properties and the whole context at any depth
 * (contact-named keys hashed, e-mail values hashed, contact query parameters redacted) and
 * replaces e-mail-address IDs (userId, anonymousId, alias previousId, groupId) by
 * `sha256:<hex>`. Runs only for events whose validation walk saw a possible e-mail or phone.
 */
async function scrubEvent(ev: StoredEvent, country: string | undefined): Promise<void> {
  ev.userId = (await pseudonymousId(ev.userId)) as string | null;
  ev.anonymousId = (await pseudonymousId(ev.anonymousId)) as string | null;
  ev.traits = await scrubRecord(ev.traits, country);
  // An alias's previousId and a group's groupId live in properties (validate.ts): an e-mail value
  // there becomes the same `sha256:<hex>` as pseudonymousId gives a userId, so they still match.
  ev.properties = await scrubRecord(ev.properties, country);
  const ct = ev.context.traits;
  const context = ct && typeof ct === 'object' && !Array.isArray(ct) ? { ...ev.context, traits: await scrubRecord(ct as Record<string, unknown>, country) } : ev.context;
  ev.context = (await scrubValue(context, country)) as Record<string, unknown>;
}

/** An event that went through `scrubEvent`, with its index in the request and the messageId it was sent with. */
interface Scrubbed {
  ev: StoredEvent;
  index: number;
  messageId: string | undefined;
}

/**
 * Hashing grows what it replaces (a 6-character `a@b.co` becomes a 71-character `sha256:<hex>`),
 * so an event under 32 KB as sent could be stored several times larger: one 490 KB request of
 * e-mail lists stored 3.6 MB, single events 259 KB. Scrubbed events over the limit are moved to
 * `rejected`. Only events that went through `scrubEvent` are measured (the PII slow path).
 */
function dropOversizedAfterScrub(events: StoredEvent[], scrubbed: Scrubbed[], rejected: RejectedEvent[]): void {
  let dropped: Set<StoredEvent> | null = null;
  for (const { ev, index, messageId } of scrubbed) {
    const size = JSON.stringify(ev.properties).length + JSON.stringify(ev.traits).length + JSON.stringify(ev.context).length;
    if (size > LIMITS.maxEventBytes) {
      (dropped ??= new Set()).add(ev);
      const reason = `event is larger than ${LIMITS.maxEventBytes / 1024} KB once its e-mail addresses and phone numbers are hashed`;
      rejected.push(messageId === undefined ? { index, reason } : { index, messageId, reason });
    }
  }
  if (!dropped) return;
  const keep = events.filter((e) => !dropped!.has(e));
  events.length = 0;
  events.push(...keep);
  rejected.sort((a, b) => a.index - b.index);
}

/**
 * Check, enrich and store the events of one request. Invalid events are listed in `rejected`
 * and never block their valid batch-mates; the promise resolves only after the accepted events
 * are committed (the store's group commit), so a 2xx built from it is durable.
 *
 * @example
 * const res = await ingestEvents(body.batch, envelope, store, metrics);
 * // { accepted: 19, duplicates: 0, rejected: [{ index: 4, messageId: 'm5', reason: 'anonymousId or userId is required' }] }
 */
export async function ingestEvents(
  raws: readonly unknown[],
  env: Envelope,
  store: Store,
  metrics: Metrics,
  opts: { defaultCountry?: string; cookieless?: (raw: unknown) => Promise<CookielessResult> } = {},
): Promise<IngestResponse> {
  const events: StoredEvent[] = [];
  const rejected: RejectedEvent[] = [];
  let piiWork: Promise<void>[] | null = null;
  let scrubbed: Scrubbed[] | null = null;
  // A cookieless event must not pick up identifying batch-level context either (traits, device
  // IDs): it is merged under the same allow-list. Made once per request, only when needed.
  let cookielessEnv: Envelope | null = null;
  for (let i = 0; i < raws.length; i++) {
    let raw = raws[i];
    let evEnv = env;
    if (opts.cookieless && isCookieless(raw)) {
      // Cookieless (denied-consent) page views get their daily visitor hash before validation.
      const c = await opts.cookieless(raw);
      if (!c.ok) {
        const mid = (raw as { messageId?: unknown }).messageId;
        rejected.push(typeof mid === 'string' ? { index: i, messageId: mid, reason: c.reason } : { index: i, reason: c.reason });
        continue;
      }
      raw = c.raw;
      evEnv = cookielessEnv ??= env.context ? { ...env, context: cookielessContext(env.context) } : env;
    }
    const r = checkEvent(raw, evEnv);
    if (r.ok) {
      const ev = r.event;
      events.push(ev);
      if (r.pii) {
        (piiWork ??= []).push(scrubEvent(ev, opts.defaultCountry));
        const mid = (raw as { messageId?: unknown }).messageId;
        (scrubbed ??= []).push({ ev, index: i, messageId: typeof mid === 'string' ? mid : undefined });
      }
    } else {
      rejected.push(r.messageId === undefined ? { index: i, reason: r.reason } : { index: i, messageId: r.messageId, reason: r.reason });
    }
  }
  if (piiWork) {
    await Promise.all(piiWork);
    dropOversizedAfterScrub(events, scrubbed!, rejected);
  }
  let accepted = 0;
  let duplicates = 0;
  if (events.length > 0) {
    const t0 = performance.now();
    const results = await store.appendEvents(events);
    metrics.observeCommit((performance.now() - t0) / 1000);
    for (let i = 0; i < results.length; i++) {
      if (results[i] === 'inserted') accepted++;
      else duplicates++;
    }
  }
  metrics.accepted += accepted;
  metrics.duplicates += duplicates;
  metrics.rejected += rejected.length;
  return { accepted, duplicates, rejected };
}
