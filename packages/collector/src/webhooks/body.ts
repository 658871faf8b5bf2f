import type { Store } from '../store/types';
import type { WebhookMessage } from '../store/webhooks';

/**
 * The JSON body of one webhook message, built when it is sent: `{ type, timestamp, data }`
 * (the Standard Webhooks payload shape). For order events `data` is `{ order, person }`: the
 * order as `GET /v1/orders/:id` returns it (current state, hashed identifiers, status history)
 * and the stitched person it belongs to, with the shop's customer IDs (`userIds`) so a CRM can
 * file it. Null when the order no longer exists under that ID (erased since): nothing is sent.
 *
 * @example
 * const body = await webhookBody(store, site.id, { seq: 7, type: 'order.created', ref: 'A-1001', at: Date.now() });
 */
export async function webhookBody(store: Store, siteId: string, msg: WebhookMessage): Promise<string | null> {
  const order = await store.getOrder(siteId, msg.ref);
  if (!order) return null;
  const person = await store.personOf(siteId, { kind: 'order', value: order.orderId }, { links: false });
  return JSON.stringify({
    type: msg.type,
    timestamp: new Date(msg.at).toISOString(),
    data: {
      order,
      person: person && {
        personId: person.personId,
        userIds: person.identifiers.filter((i) => i.kind === 'user').map((i) => i.value),
      },
    },
  });
}

/** The body of a test message (`omnitrail webhook test`, `POST /v1/webhooks/:id/test`). */
export function testWebhookBody(siteId: string, webhookId: string, now: number): string {
  return JSON.stringify({ type: 'webhook.test', timestamp: new Date(now).toISOString(), data: { siteId, webhookId } });
}
