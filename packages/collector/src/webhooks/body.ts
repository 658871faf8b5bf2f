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
 * - `qr.scanned`: `data.scan` is the scan (`timestamp`, code, campaign, the
 *   recipient reference of a personal code, device class); `data.person` is the recipient's
 *   person for a personal code (the scan token is linked to the recipient at the scan), null for
 *   a flyer's code.
 *   The scan token itself is not sent: it is a live credential of the visitor's landing session.
 * - `person.identified`: `data.identify` is the identify call (`messageId`, `timestamp`,
 *   `userId`, `anonymousId`, `traits` as stored, contact data hashed); `data.person` the person
 *   it joined.
 *
 * @example
 * const body = await webhookBody(store, site.id, { seq: 7, type: 'order.created', ref: 'A-1001', at: Date.now() });
 */
export async function webhookBody(store: Store, siteId: string, msg: WebhookMessage): Promise<string | null> {
  let data: Record<string, unknown>;
  if (msg.type === 'touchpoint.created' || msg.type === 'qr.scanned' || msg.type === 'person.identified') {
    const ev = await store.webhookEvent(siteId, msg.ref);
    if (!ev) return null;
    const who = eventIdentity(ev);
    const person = () => personOf(store, siteId, [...who.register, ...who.sets.flatMap((s) => s.ids)]);
    const head = { messageId: ev.messageId, timestamp: new Date(ev.timestamp).toISOString() };
    if (msg.type === 'touchpoint.created') data = { touchpoint: { ...head, ...ev.properties }, person: await person() };
    else if (msg.type === 'person.identified') {
      // Traits as stored: e-mail and phone only as SHA-256 hashes (ingest hashed them).
      data = { identify: { ...head, userId: ev.userId ?? null, anonymousId: ev.anonymousId ?? null, traits: ev.traits ?? {} }, person: await person() };
    }
    else {
      const p = ev.properties;
      // A flyer's scan names nobody: whoever later lands and logs in with its token is the
      // journey's business (reports), not a CRM message's, and would depend on send timing.
      // Not the event's messageId: it is `qr-scan-<token>`.
      const scan = { timestamp: head.timestamp, code: p.code, campaignId: p.campaign_id, campaignName: p.campaign_name, recipientRef: p.recipient_ref ?? null, personalised: p.personalised === true, device: p.ua_class ?? null };
      data = { scan, person: scan.personalised ? await person() : null };
    }
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
