import type { OrdersResponse, TouchpointsResponse } from '@omnitrail/schema';
import type { CoreStore, StoredEvent } from '../store/core';
import type { OrderRecord, OrdersStore } from '../store/orders';
import type { QrStore } from '../store/qr';
import type { CodeResolver, PiiMemo } from './identifiers';
import { normaliseOrder } from './order';
import { normaliseTouchpoint } from './touchpoint';

/** The store methods offline records need. */
export type OfflineStore = OrdersStore & Pick<CoreStore, 'appendEvents'> & Pick<QrStore, 'lookupHandoffCode' | 'getQrCode'>;

/** Options of {@link applyOrders} / {@link applyTouchpoints}. */
export interface ApplyOptions {
  /** Country for national-format phone numbers. */
  defaultCountry?: string;
  now: number;
  /** Added to each index in `rejected` / `warnings` (CSV line numbers, batches of a big file). */
  indexOffset?: number;
  /** Maps an index to what is reported (the CSV importer reports file line numbers). */
  indexOf?: (i: number) => number;
  /** Hash memo shared across the batches of one import (see `createPiiMemo`). */
  piiMemo?: PiiMemo;
  /** Validate only: nothing is written; `accepted` counts the valid records. */
  dryRun?: boolean;
}

/** A non-fatal remark about one record (e.g. an e-mail that was not one). */
export interface RecordWarning {
  index: number;
  id?: string;
  warning: string;
}

/**
 * Checks quoted codes against the store: a handoff code must have been issued on this site
 * and be valid at the record's time; a QR code must exist on this site, and a personalised
 * one links its recipient.
 *
 * @example
 * const resolveCodes = storeCodeResolver(store, site.id);
 * await resolveCodes({ handoffCode: 'K7M2QX' }, Date.now()); // { ok: true } or { ok: false, reason }
 */
export function storeCodeResolver(store: Pick<QrStore, 'lookupHandoffCode' | 'getQrCode'>, siteId: string): CodeResolver {
  return async (codes, at) => {
    let qrRecipient: { campaignId: string; recipientRef: string } | null = null;
    if (codes.handoffCode) {
      const h = await store.lookupHandoffCode(siteId, codes.handoffCode, at);
      if (!h.ok) return { ok: false, reason: h.message };
    }
    if (codes.qrCode) {
      const q = await store.getQrCode(siteId, codes.qrCode);
      if (!q) return { ok: false, reason: `QR code ${codes.qrCode} is not a code of this site` };
      if (q.kind === 'personal' && q.recipientRef) qrRecipient = { campaignId: q.campaignId, recipientRef: q.recipientRef };
    }
    return { ok: true, qrRecipient };
  };
}

/**
 * Validate, normalise and store server orders; the shared core of `POST /v1/orders` and
 * `omnitrail import orders`. One bad order never blocks the others: it is reported in
 * `rejected` with its index and reason. Resolves after the accepted ones are committed.
 *
 * @example
 * const res = await applyOrders(store, site.id, [{ order_id: 'B-1', revenue: 10, loyaltyId: 'L-1' }], { now: Date.now() });
 * // { accepted: 1, duplicates: 0, rejected: [], warnings: [] }
 */
export async function applyOrders(
  store: OfflineStore,
  siteId: string,
  inputs: readonly unknown[],
  opts: ApplyOptions,
): Promise<OrdersResponse & { warnings: RecordWarning[] }> {
  const at = (i: number) => (opts.indexOf ? opts.indexOf(i) : i + (opts.indexOffset ?? 0));
  const resolveCodes = storeCodeResolver(store, siteId);
  const res: OrdersResponse & { warnings: RecordWarning[] } = { accepted: 0, duplicates: 0, rejected: [], warnings: [] };
  const records: OrderRecord[] = [];
  // Normalise concurrently: Web Crypto hashing is asynchronous, and overlapping the digests
  // of a batch is several times faster than awaiting them one by one.
  const normalised = await Promise.all(inputs.map((input) => normaliseOrder(input, { now: opts.now, defaultCountry: opts.defaultCountry, resolveCodes, piiMemo: opts.piiMemo })));
  for (let i = 0; i < inputs.length; i++) {
    const n = normalised[i];
    if (!n.ok) {
      res.rejected.push({ index: at(i), ...(n.orderId !== undefined ? { order_id: n.orderId } : {}), reason: n.reason });
      continue;
    }
    for (const w of n.warnings) res.warnings.push({ index: at(i), id: n.record.orderId, warning: w });
    records.push(n.record);
  }
  if (opts.dryRun) return { ...res, accepted: records.length };
  const results = await store.putOrders(siteId, records);
  for (const r of results) {
    if (r === 'duplicate') res.duplicates++;
    else res.accepted++;
  }
  return res;
}

/**
 * Validate and store offline touchpoints as `Offline Touchpoint` events (deduplicated by
 * messageId like every event; the identity deriver links their identifiers). The shared
 * core of `POST /v1/touchpoints` and `omnitrail import touchpoints`.
 *
 * @example
 * await applyTouchpoints(store, site.id, [{ type: 'store_visit', loyaltyId: 'L-1' }], { now: Date.now() });
 */
export async function applyTouchpoints(
  store: OfflineStore,
  siteId: string,
  inputs: readonly unknown[],
  opts: ApplyOptions,
): Promise<TouchpointsResponse & { warnings: RecordWarning[] }> {
  const at = (i: number) => (opts.indexOf ? opts.indexOf(i) : i + (opts.indexOffset ?? 0));
  const resolveCodes = storeCodeResolver(store, siteId);
  const res: TouchpointsResponse & { warnings: RecordWarning[] } = { accepted: 0, duplicates: 0, rejected: [], warnings: [] };
  const events: StoredEvent[] = [];
  const normalised = await Promise.all(
    inputs.map((input) => normaliseTouchpoint(input, { siteId, now: opts.now, defaultCountry: opts.defaultCountry, resolveCodes, piiMemo: opts.piiMemo })),
  );
  for (let i = 0; i < inputs.length; i++) {
    const n = normalised[i];
    if (!n.ok) {
      res.rejected.push({ index: at(i), ...(n.touchpointId !== undefined ? { touchpoint_id: n.touchpointId } : {}), reason: n.reason });
      continue;
    }
    for (const w of n.warnings) res.warnings.push({ index: at(i), id: n.event.messageId, warning: w });
    events.push(n.event);
  }
  if (opts.dryRun) return { ...res, accepted: events.length };
  const results = events.length ? await store.appendEvents(events) : [];
  for (const r of results) {
    if (r === 'duplicate') res.duplicates++;
    else res.accepted++;
  }
  return res;
}
