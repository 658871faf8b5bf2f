// Webhook delivery: how fast a backlog of order messages drains to a local receiver, against
// the bare HTTP round trips it needs (sequential POSTs of a body of the same size to the same
// receiver), in the same run; and what the outbox costs order writes (orders stored with a
// webhook configured vs without, same run).
// Run: `pnpm bench` (builds first) or `node bench/webhooks.bench.mjs` after a build.
// Env: WEBHOOK_BENCH_ORDERS (default 5000), OMNITRAIL_DIST (default packages/collector/dist).
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const dist = process.env.OMNITRAIL_DIST ?? join(root, 'packages/collector/dist');
const N = Number(process.env.WEBHOOK_BENCH_ORDERS ?? 5000);

function records(prefix, n, t0) {
  return Array.from({ length: n }, (_, i) => ({
    orderId: `${prefix}-${i}`, source: 'server', ref: `${prefix}-r${i}`, channel: 'store', location: 'berlin-mitte',
    ts: t0 + i, revenue: 49.9, currency: 'EUR', status: 'completed', coupon: null,
    products: [{ id: 'P1', sku: 'SKU-1', name: 'Shoe', price: 49.9, quantity: 1 }],
    identifiers: [{ kind: 'user', value: `U-${prefix}-${i % 997}` }, { kind: 'loyalty', value: `L-${i % 997}` }],
    qrCode: null, receivedAt: t0 + i,
  }));
}

/** A receiver that answers 200 and resolves `done` after `expect` requests. */
async function receiver() {
  let count = 0;
  let waiting = null;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200).end();
      count++;
      if (waiting && count >= waiting.n) waiting.resolve();
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    until: (n) => new Promise((resolve) => (count >= n ? resolve() : (waiting = { n, resolve }))),
    reset: () => (count = 0),
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))),
  };
}

export async function run() {
  const { openSqliteStore } = await import(pathToFileURL(join(dist, 'node.js')).href);
  const { startWebhookDeliverer } = await import(pathToFileURL(join(dist, 'index.js')).href);
  const dir = mkdtempSync(join(tmpdir(), 'omnitrail-webhook-bench-'));
  const store = openSqliteStore(join(dir, 'bench.db'));
  const rx = await receiver();
  try {
    const t0 = Date.UTC(2026, 2, 1);
    const plain = await store.createSite({ name: 'No webhook', origins: ['*'] });
    const hooked = await store.createSite({ name: 'Webhook', origins: ['*'] });
    await store.createWebhook(hooked.site.id, { url: rx.url, events: ['order.created', 'order.updated'] });

    // Three rounds, each: N/3 orders written to both sites (interleaved chunks of 500, one import
    // batch each), N/3 bare POSTs, then the deliverer drains the N/3 messages. Medians reported.
    const rounds = 3;
    const per = Math.ceil(N / rounds / 500) * 500;
    const rows = [];
    let body = 0;
    for (let round = 0; round < rounds; round++) {
      const write = { without: 0, with: 0 };
      for (let c = 0; c < per / 500; c++) {
        for (const [key, site] of [['without', plain], ['with', hooked]]) {
          const t = performance.now();
          await store.putOrders(site.site.id, records(`${key}${round}-${c}`, 500, t0 + c * 500));
          write[key] += performance.now() - t;
        }
      }
      await store.stitched();

      // The baseline: sequential POSTs of a body of the size the deliverer sends.
      const sample = JSON.stringify({ type: 'order.created', timestamp: new Date(t0).toISOString(), data: { order: await store.getOrder(hooked.site.id, `with${round}-0-0`), person: { personId: 'x', userIds: ['U-1'] } } });
      body = sample.length;
      rx.reset();
      let t = performance.now();
      for (let i = 0; i < per; i++) {
        const res = await fetch(rx.url, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': `msg_${i}` }, body: sample });
        await res.arrayBuffer();
      }
      const bareMs = performance.now() - t;

      rx.reset();
      t = performance.now();
      const stop = startWebhookDeliverer(store, { pollMs: 5 });
      await rx.until(per);
      // Delivered means the cursor passed the message too (its commit follows the receiver's 2xx).
      let [info] = await store.listWebhooks(hooked.site.id);
      for (let i = 0; i < 1000 && info.pending > 0; i++) {
        await new Promise((r) => setTimeout(r, 2));
        [info] = await store.listWebhooks(hooked.site.id);
      }
      const deliverMs = performance.now() - t;
      await stop();
      if (info.pending !== 0) throw new Error(`${info.pending} messages left undelivered`);
      rows.push({ round: round + 1, 'bare msg/s': Math.round(per / (bareMs / 1000)), 'deliverer msg/s': Math.round(per / (deliverMs / 1000)), 'delivery ratio': +(bareMs / deliverMs).toFixed(2), 'order µs, no webhook': +((write.without * 1000) / per).toFixed(1), 'order µs, webhook': +((write.with * 1000) / per).toFixed(1), 'outbox ratio': +(write.with / write.without).toFixed(2) });
    }
    const median = (k) => rows.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
    console.log(`\nWebhook bench: ${rounds} rounds of ${per} orders, body ${body} B, Node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    console.table(rows);
    console.log(`delivery: median ${median('delivery ratio')} × the bare sequential round trips (signed, one at a time, cursor committed per message); ${median('deliverer msg/s')} msg/s`);
    console.log(`outbox: order writes with a webhook take median ${median('outbox ratio')} × the time without`);
  } finally {
    await rx.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
