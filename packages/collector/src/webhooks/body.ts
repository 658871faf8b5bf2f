import type { Store } from '../store/types';
import type { WebhookMessage } from '../store/webhooks';
import type { Identifier } from '../stitch/types';
import { eventIdentity } from '../stitch/derive';

/** The stitched person a message is about: its ID and the shop's customer IDs. */
async function personOf(store: Store, siteId: string, ids: Identifier[]) {
  for (const id of ids) {
    const p = await store.personOf(siteId, id, { links: false });
    if (p) return { personId: p.personId, userIds: p.identifiers.filter((i) => i.kind === 'user').map((i) => i.value) };
  }
  return null;
}

/**
 * The JSON body of one webhook message, built when it is sent: `{ type, timestamp, data }` (the
 * Standard Webhooks payload shape), or null when its record no longer exists (erased since):
 * nothing is sent. `data.person` is the stitched person the record belongs to, with the shop's
 * customer IDs (`userIds`), so a CRM can file it whatever identifier it carried.
 * - Order events: `data.order` is the order as `GET /v1/orders/:id` returns it (current state,
 *   hashed identifiers, status history).
 * - `touchpoint.created`: `data.touchpoint` is the touchpoint as recorded (`messageId`,
 *   `timestamp`, type, channel, location, note, staff, hashed identifier fields …).
 *
 * @example
 * const body = await webhookBody(store, site.id, { seq: 7, type: 'order.created', ref: 'A-1001', at: Date.now() });
 */
export async function webhookBody(store: Store, siteId: string, msg: WebhookMessage): Promise<string | null> {
  let data: Record<string, unknown>;
  if (msg.type === 'touchpoint.created') {
    const ev = await store.webhookTouchpoint(siteId, msg.ref);
    if (!ev) return null;
    const who = eventIdentity(ev);
    const ids = [...who.register, ...who.sets.flatMap((s) => s.ids)];
    data = { touchpoint: { messageId: ev.messageId, timestamp: new Date(ev.timestamp).toISOString(), ...ev.properties }, person: await personOf(store, siteId, ids) };
  } else {
    const order = await store.getOrder(siteId, msg.ref);
    if (!order) return null;
    data = { order, person: await personOf(store, siteId, [{ kind: 'order', value: order.orderId }]) };
  }
  return JSON.stringify({ type: msg.type, timestamp: new Date(msg.at).toISOString(), data });
}

/** The body of a test message (`omnitrail webhook test`, `POST /v1/webhooks/:id/test`). */
export function testWebhookBody(siteId: string, webhookId: string, now: number): string {
  return JSON.stringify({ type: 'webhook.test', timestamp: new Date(now).toISOString(), data: { siteId, webhookId } });
}
