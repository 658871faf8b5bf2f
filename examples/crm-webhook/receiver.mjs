// A CRM's side of Omnitrail webhooks, with nothing but Node and the `standardwebhooks` library:
// verify the signature (and the timestamp, against replays), drop repeats by `webhook-id`
// (delivery is at least once), then file the message under the customer. Answer 2xx only once
// the message is safely handled: anything else makes the collector retry it, in order.
//
//   OMNITRAIL_WEBHOOK_SECRET=whsec_… PORT=4000 node receiver.mjs
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { Webhook } from 'standardwebhooks';

/** One line a sales clerk could read: who bought or did what, where, for how much. */
export function describe(msg) {
  const who = msg.data.person?.userIds?.length ? `customer ${msg.data.person.userIds.join(' / ')}` : 'an unknown customer';
  if (msg.type === 'touchpoint.created') {
    const t = msg.data.touchpoint;
    return `${who}: ${t.touchpoint_type.replace('_', ' ')}${t.location ? ` at ${t.location}` : ''}${t.note ? ` ("${t.note}")` : ''}`;
  }
  if (msg.type === 'qr.scanned') {
    const s = msg.data.scan;
    return `${who}: scanned ${s.personalised ? `their personal code (recipient ${s.recipientRef})` : `code ${s.code}`} of "${s.campaignName}"`;
  }
  if (msg.type === 'person.identified') return `${who}: signed in on the web in a new browser (${msg.data.identify.anonymousId})`;
  if (msg.type === 'webhook.test') return 'test message from Omnitrail';
  // A type this receiver does not know yet (a newer collector): file nothing, but say so.
  if (!msg.type.startsWith('order.')) return `${msg.type} (not handled here)`;
  const o = msg.data.order;
  const items = o.products.map((p) => `${p.quantity}× ${p.name ?? p.sku ?? p.id}`).join(', ') || 'no line items';
  const verb = msg.type === 'order.created' ? 'bought' : `order now ${o.status}:`;
  return `${who} ${verb} ${items} via ${o.channel}${o.location ? ` (${o.location})` : ''} for ${o.revenue.toFixed(2)} ${o.currency ?? ''} [order ${o.orderId}]`.trim();
}

/**
 * Starts the receiver on 127.0.0.1; `onMessage` gets each verified, new message. Resolves with
 * `{ url, close }`.
 */
export async function startReceiver({ secret, port = 4000, onMessage = (m) => console.log(describe(m)) }) {
  const wh = new Webhook(secret);
  const seen = new Set(); // a real CRM keeps this in its database, with the filed record
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      let msg;
      try {
        msg = wh.verify(body, req.headers);
      } catch {
        res.writeHead(401).end('bad signature');
        return;
      }
      const id = req.headers['webhook-id'];
      if (!seen.has(id)) {
        seen.add(id);
        onMessage(msg);
      }
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks/omnitrail`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secret = process.env.OMNITRAIL_WEBHOOK_SECRET;
  if (!secret) {
    console.error('Set OMNITRAIL_WEBHOOK_SECRET to the secret "omnitrail webhook add" printed.');
    process.exit(2);
  }
  const r = await startReceiver({ secret, port: Number(process.env.PORT ?? 4000) });
  console.log(`CRM receiver listening on ${r.url}`);
}
