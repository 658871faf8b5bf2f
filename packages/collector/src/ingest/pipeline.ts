import type { IngestResponse, RejectedEvent } from '@omnitrail/schema';
import type { StoredEvent, Store } from '../store/types';
import { hashTraits } from '../pii/index';
import type { Metrics } from './metrics';
import { checkEvent, type Envelope } from './validate';
import { cookielessContext, isCookieless, type CookielessResult } from '../privacy/cookieless';

function hasPii(o: unknown): boolean {
  return typeof o === 'object' && o !== null && ('email' in o || 'phone' in o);
}

/**
 * Replace raw e-mail addresses and phone numbers by their SHA-256 (`email_sha256`,
 * `phone_sha256`) wherever Segment clients put them: identify/group `traits`,
 * `context.traits` (analytics.js copies traits there) and event `properties` (e.g. an
 * `Order Completed` with the buyer's email). Raw values never reach storage.
 */
async function hashEventPii(ev: StoredEvent, defaultCountry: string | undefined): Promise<void> {
  if (hasPii(ev.traits)) ev.traits = await hashTraits(ev.traits, defaultCountry);
  if (hasPii(ev.properties)) ev.properties = await hashTraits(ev.properties, defaultCountry);
  const ct = ev.context.traits;
  if (hasPii(ct)) ev.context = { ...ev.context, traits: await hashTraits(ct as Record<string, unknown>, defaultCountry) };
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
      if (hasPii(ev.traits) || hasPii(ev.properties) || hasPii(ev.context.traits)) {
        (piiWork ??= []).push(hashEventPii(ev, opts.defaultCountry));
      }
    } else {
      rejected.push(r.messageId === undefined ? { index: i, reason: r.reason } : { index: i, messageId: r.messageId, reason: r.reason });
    }
  }
  if (piiWork) await Promise.all(piiWork);
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
