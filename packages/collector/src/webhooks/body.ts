import type { Store } from '../store/types';
import type { WebhookMessage } from '../store/webhooks';
import type { Identifier } from '../stitch/types';
import { eventIdentity } from '../stitch/derive';
import { fetchFor, sendWebhook, type WebhookAttempt } from './send';

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

/**
 * Sends a signed `webhook.test` message to one of the site's webhooks now (`omnitrail webhook
 * test`, `POST /v1/webhooks/:id/test`, the dashboard's Send test) and says how it went.
 *
 * @example
 * const r = await sendTestMessage(store, site.id, { id: 'wh_…', url: 'https://crm.example/hooks', privateOk: false });
 */
export async function sendTestMessage(
  store: Store,
  siteId: string,
  webhook: { id: string; url: string; privateOk: boolean },
  opts: { now?: () => number; publicFetch?: typeof fetch } = {},
): Promise<WebhookAttempt> {
  const now = opts.now ?? Date.now;
  const at = now();
  const body = JSON.stringify({ type: 'webhook.test', timestamp: new Date(at).toISOString(), data: { siteId, webhookId: webhook.id } });
  return sendWebhook(webhook.url, (await store.webhookSecret(siteId, webhook.id)) ?? '', `msg_test_${at}`, body, { now, fetch: fetchFor(webhook, opts) });
}
