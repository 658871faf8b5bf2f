import type { StoredEvent } from '../store/core';

/**
 * A factory of stored events for store tests: every event gets the next `messageId`
 * (`${prefix}${n}`) and timestamp (`t0 + n`), so ingestion order is explicit; `p` overrides any field.
 *
 * @example
 * const ev = storedEvents({ prefix: 'm', t0: 1_000_000 });
 * await store.appendEvents([ev(siteId, { anonymousId: 'a1' })]);
 */
export function storedEvents(defaults: { prefix: string; t0: number } & Partial<StoredEvent>) {
  const { prefix, t0, ...base } = defaults;
  let seq = 0;
  return (siteId: string, p: Partial<StoredEvent> = {}): StoredEvent => {
    seq++;
    return {
      siteId, messageId: `${prefix}${seq}`, type: 'track', event: 'Clicked', anonymousId: null, userId: null, timestamp: t0 + seq,
      originalTimestamp: null, receivedAt: 0, sentAt: null, consent: 'granted', bot: false, ua: null, country: null,
      context: {}, properties: {}, traits: {}, ...base, ...p,
    };
  };
}
