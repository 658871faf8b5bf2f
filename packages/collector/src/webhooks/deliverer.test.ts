import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { withCollector, type CollectorFixture } from '../test-utils/harness';
import { receiver } from '../test-utils/webhook-receiver';
import { openSqliteStore } from '../store/sqlite/index';
import { startWebhookDeliverer, webhookBackoff } from './deliverer';
import { checkWebhookUrl } from './options';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../store/webhooks';

const T = Date.UTC(2026, 2, 1, 10);
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const iso = (t: number) => new Date(t).toISOString();
const stops: (() => Promise<void>)[] = [];
/** Stops the test's deliverers (before its store closes) and its receiver. */
async function cleanup(rx: { close(): Promise<void> }) {
  for (const s of stops.splice(0)) await s();
  await rx.close();
}
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

/** Fast polling and immediate retries, so tests wait milliseconds, not the production schedule. */
function deliver(store: CollectorFixture['store'], opts: Parameters<typeof startWebhookDeliverer>[1] = {}) {
  const stop = startWebhookDeliverer(store, { pollMs: 10, backoff: () => 0, ...opts });
  stops.push(stop);
  return stop;
}

/** A webhook to a receiver on 127.0.0.1, registered as the operator's CLI would (the API refuses local targets). */
async function addWebhook(fx: CollectorFixture, url: string, events: WebhookEventType[] = [...WEBHOOK_EVENT_TYPES]) {
  return fx.store.createWebhook(fx.site.id, { url: checkWebhookUrl(url, { allowLocal: true }), events, privateOk: true });
}

const order = (id: string, extra: Record<string, unknown> = {}) => ({ order_id: id, channel: 'store', revenue: 50, currency: 'EUR', timestamp: iso(T), ...extra });

describe('webhook delivery', () => {
  it('orders from every channel reach the endpoint once each, signed (Standard Webhooks), in commit order', () =>
    withCollector(async (fx) => {
      const rx = await receiver();
      try {
        const { webhook, secret } = await addWebhook(fx, rx.url);
        expect((await fx.post('/v1/orders', order('S-1', { userId: 'U-1', email: 'jane@shop.example' }), { auth: 'secret' })).status).toBe(200);
        const web = { type: 'track', event: 'Order Completed', userId: 'U-2', anonymousId: 'a-2', messageId: 'web-1', timestamp: iso(T), properties: { order_id: 'W-1', revenue: 20, currency: 'EUR' } };
        expect((await fx.post('/v1/track', web)).status).toBe(200);
        expect((await fx.post('/v1/orders', { order_id: 'S-1', status: 'refunded', timestamp: iso(T + 3_600_000) }, { auth: 'secret' })).status).toBe(200);
        // A resend changes nothing: no message.
        expect((await fx.post('/v1/orders', order('S-1', { userId: 'U-1', email: 'jane@shop.example' }), { auth: 'secret' })).status).toBe(200);

        deliver(fx.store);
        await rx.until(3);
        await new Promise((r) => setTimeout(r, 100));
        expect(rx.got).toHaveLength(3);
        const wh = new Webhook(secret);
        const bodies = rx.got.map((g) => wh.verify(g.body, g.headers as Record<string, string>) as { type: string; data: { order: { orderId: string; status: string; revenue: number; sources: string[] }; person: { userIds: string[] } | null } });
        // Bodies hold the order as it is when sent (the refund was committed before delivery
        // began); `type` says what happened, and each change has its own message.
        expect(bodies.map((b) => [b.type, b.data.order.orderId, b.data.order.status])).toEqual([
          ['order.created', 'S-1', 'refunded'],
          ['order.created', 'W-1', 'completed'],
          ['order.updated', 'S-1', 'refunded'],
        ]);
        expect(bodies[1].data.order.sources).toEqual(['web']);
        expect(bodies[1].data.person?.userIds).toEqual(['U-2']);
        expect(bodies[2].data.person?.userIds).toEqual(['U-1']);
        // Only hashed contact data leaves the collector.
        expect(rx.got.map((g) => g.body).join('')).not.toContain('jane@shop.example');
        expect(new Set(rx.got.map((g) => g.headers['webhook-id'])).size).toBe(3);
        // A forged or altered body fails verification.
        expect(() => wh.verify(rx.got[0].body.replace('S-1', 'S-2'), rx.got[0].headers as Record<string, string>)).toThrow();

        const [info] = (await (await fx.get('/v1/webhooks')).json()).webhooks;
        expect(info).toMatchObject({ id: webhook.id, pending: 0, failures: 0, lastAttempt: { status: 200, error: null } });
        expect(info.lastSuccessAt).toEqual(expect.any(Number));
        expect(info).not.toHaveProperty('secret');
        // Delivered rows leave the outbox.
        expect(fx.store.db.prepare('SELECT COUNT(*) FROM webhook_outbox').pluck().get()).toBe(0);
      } finally {
        await cleanup(rx);
      }
    }));

  it('an offline touchpoint (store visit, call) reaches the endpoint with its person; an erased one is not sent', () =>
    withCollector(async (fx) => {
      const rx = await receiver();
      try {
        const { secret } = await addWebhook(fx, rx.url);
        // The customer is known by loyalty card from an earlier order with their customer ID.
        await fx.post('/v1/orders', order('T-0', { userId: 'U-7', loyaltyId: 'L-7' }), { auth: 'secret' });
        const tp = { type: 'store_visit', loyaltyId: 'L-7', timestamp: iso(T + 60_000), location: 'berlin-mitte', note: 'tried the blue shoes', staff: 'S12' };
        expect((await fx.post('/v1/touchpoints', tp, { auth: 'secret' })).status).toBe(200);
        await fx.post('/v1/touchpoints', { type: 'phone_call', email: 'gone@shop.example', timestamp: iso(T + 120_000) }, { auth: 'secret' });
        await fx.fetch('/v1/persons?email=gone@shop.example', { method: 'DELETE', headers: { authorization: fx.secretAuth } });
        deliver(fx.store);
        await rx.until(2);
        await new Promise((r) => setTimeout(r, 150));
        expect(rx.got).toHaveLength(2);
        const body = new Webhook(secret).verify(rx.got[1].body, rx.got[1].headers as Record<string, string>) as { type: string; data: { touchpoint: Record<string, unknown>; person: { userIds: string[] } } };
        expect(body.type).toBe('touchpoint.created');
        expect(body.data.touchpoint).toMatchObject({ touchpoint_type: 'store_visit', location: 'berlin-mitte', note: 'tried the blue shoes', staff: 'S12', timestamp: iso(T + 60_000) });
        expect(body.data.person.userIds).toEqual(['U-7']);
        expect(rx.got.map((g) => g.body).join('')).not.toContain('gone@shop.example');
        expect(fx.store.db.prepare('SELECT COUNT(*) FROM webhook_outbox').pluck().get()).toBe(0);
      } finally {
        await cleanup(rx);
      }
    }));

  it("a QR scan reaches the endpoint: a letter's personal code with its recipient's customer ID, a flyer's without; no scan token, bots not at all", () =>
    withCollector(async (fx) => {
      const rx = await receiver();
      try {
        const { secret } = await addWebhook(fx, rx.url, ['qr.scanned']);
        const campaign = (await (await fx.post('/v1/qr/campaigns', { name: 'Spring letter', targetUrl: 'https://shop.example/spring' }, { auth: 'secret' })).json()) as { id: string };
        const personal = (await (await fx.post(`/v1/qr/campaigns/${campaign.id}/recipients`, [{ recipient_ref: 'R-1', customer_id: 'C-9' }], { auth: 'secret' })).json()) as { codes: { code: string }[] };
        const flyer = (await (await fx.post(`/v1/qr/campaigns/${campaign.id}/codes`, {}, { auth: 'secret' })).json()) as { codes: { code: string }[] };
        const scan = (code: string, ua: string) => fx.fetch(`/q/${code}`, { redirect: 'manual', headers: { 'user-agent': ua } });
        const res = await scan(personal.codes[0].code, IPHONE);
        const token = new URL(res.headers.get('location')!).searchParams.get('ot_scan')!;
        const flyerToken = new URL((await scan(flyer.codes[0].code, IPHONE)).headers.get('location')!).searchParams.get('ot_scan')!;
        // Its visitor lands with the token and is a logged-in customer.
        const land = { type: 'page', anonymousId: 'a-7', userId: 'C-7', messageId: 'land-1', timestamp: new Date().toISOString(), context: { omnitrail: { v: 1, scanToken: flyerToken, consent: 'granted' } } };
        expect((await fx.post('/v1/batch', { batch: [land] }, { headers: { origin: 'https://shop.example' } })).status).toBe(200);
        expect((await fx.store.personOf(fx.site.id, { kind: 'scan', value: flyerToken }))?.identifiers.some((i) => i.value === 'C-7')).toBe(true);
        // A mail-security scanner opening the link is no scan (and no message).
        await scan(flyer.codes[0].code, 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)');
        deliver(fx.store);
        await rx.until(2);
        await new Promise((r) => setTimeout(r, 150));
        expect(rx.got).toHaveLength(2);
        type Scan = { type: string; data: { scan: Record<string, unknown>; person: { userIds: string[] } | null } };
        const [a, b] = rx.got.map((g) => new Webhook(secret).verify(g.body, g.headers as Record<string, string>) as Scan);
        expect(a.type).toBe('qr.scanned');
        expect(a.data.scan).toMatchObject({ code: personal.codes[0].code, campaignId: campaign.id, campaignName: 'Spring letter', recipientRef: 'R-1', personalised: true, device: 'mobile' });
        expect(a.data.person?.userIds).toEqual(['C-9']);
        expect(b.data.scan).toMatchObject({ code: flyer.codes[0].code, recipientRef: null, personalised: false });
        // A flyer's scan names nobody, even once its visitor lands and logs in.
        expect(b.data.person).toBeNull();
        expect(rx.got.map((g) => g.body).join('')).not.toContain(token);
      } finally {
        await cleanup(rx);
      }
    }));

  it('an identify call that joins a new browser to a customer reaches the endpoint once; repeats, anonymous and bot calls do not', () =>
    withCollector(async (fx) => {
      const rx = await receiver();
      try {
        const { secret } = await addWebhook(fx, rx.url, ['person.identified']);
        const headers = { origin: 'https://shop.example' };
        const ctx = { omnitrail: { v: 1, consent: 'granted' } };
        const identify = (id: string, anon: string, extra: Record<string, unknown>) => fx.post('/v1/batch', { batch: [{ type: 'identify', messageId: id, anonymousId: anon, timestamp: iso(T), context: ctx, ...extra }] }, { headers });
        // The customer logs in in a new browser: one message.
        expect((await identify('i-1', 'a-1', { userId: 'C-1', traits: { email: 'jane@shop.example', plan: 'gold' } })).status).toBe(200);
        // Stitched (every read waits for the background pass), the same login again is no news…
        expect((await fx.store.personOf(fx.site.id, { kind: 'user', value: 'C-1' }))?.identifiers.some((i) => i.value === 'a-1')).toBe(true);
        await identify('i-2', 'a-1', { userId: 'C-1' });
        // …an identify without a name, or from a bot, is none either…
        await identify('i-3', 'a-2', { traits: { plan: 'free' } });
        await fx.post('/v1/batch', { batch: [{ type: 'identify', messageId: 'i-4', anonymousId: 'a-3', userId: 'C-3', timestamp: iso(T), context: { ...ctx, userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' } }] }, { headers: { ...headers, 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' } });
        // …but the same customer in a second browser (an e-mail trait alone names them too) is.
        await identify('i-5', 'a-4', { traits: { email: 'jane@shop.example' } });
        deliver(fx.store);
        await rx.until(2);
        await new Promise((r) => setTimeout(r, 150));
        expect(rx.got).toHaveLength(2);
        type Identified = { type: string; data: { identify: Record<string, unknown>; person: { personId: string; userIds: string[] } } };
        const [a, b] = rx.got.map((g) => new Webhook(secret).verify(g.body, g.headers as Record<string, string>) as Identified);
        expect(a.type).toBe('person.identified');
        expect(a.data.identify).toMatchObject({ messageId: 'i-1', userId: 'C-1', anonymousId: 'a-1', traits: { plan: 'gold' } });
        expect(a.data.person.userIds).toEqual(['C-1']);
        expect(b.data.identify).toMatchObject({ messageId: 'i-5', userId: null, anonymousId: 'a-4' });
        expect(b.data.person).toEqual(a.data.person);
        expect(rx.got.map((g) => g.body).join('')).not.toContain('jane@shop.example');
      } finally {
        await cleanup(rx);
      }
    }));

  it('a failing endpoint is retried until it answers 2xx: nothing lost, nothing overtakes, the same webhook-id each time', () =>
    withCollector(async (fx) => {
      const rx = await receiver([500, 503]);
      try {
        const { secret } = await addWebhook(fx, rx.url);
        await fx.post('/v1/orders', { orders: [order('A-1'), order('A-2')] }, { auth: 'secret' });
        const attempts: { ok: boolean; error: string | null }[] = [];
        const failures: number[] = [];
        deliver(fx.store, { onAttempt: (a) => attempts.push(a), backoff: (n) => (failures.push(n), 0) });
        await rx.until(4);
        const ids = rx.got.map((g) => g.headers['webhook-id']);
        const orders = rx.got.map((g) => JSON.parse(g.body).data.order.orderId);
        expect(orders).toEqual(['A-1', 'A-1', 'A-1', 'A-2']);
        expect(ids[0]).toBe(ids[1]);
        expect(ids[1]).toBe(ids[2]);
        expect(ids[3]).not.toBe(ids[0]);
        expect(rx.got.map((g) => g.status)).toEqual([500, 503, 200, 200]);
        // The backoff hears the count of failures in a row; the receiver's answer is kept as the error.
        expect(failures).toEqual([1, 2]);
        expect(attempts[1]).toMatchObject({ ok: false, error: 'HTTP 503: nope 503' });
        for (const g of rx.got) expect(() => new Webhook(secret).verify(g.body, g.headers as Record<string, string>)).not.toThrow();
      } finally {
        await cleanup(rx);
      }
    }));

  it('no answer (connection refused) and redirects are failures with a reason; the webhook lists them and when it tries next', () =>
    withCollector(async (fx) => {
      const rx = await receiver([302], { location: 'https://elsewhere.example/' });
      const gone = await receiver();
      await gone.close();
      try {
        await addWebhook(fx, rx.url);
        await addWebhook(fx, gone.url);
        await fx.post('/v1/orders', order('R-1'), { auth: 'secret' });
        const t0 = Date.now();
        deliver(fx.store, { backoff: () => 60_000 });
        let list: { url: string; failures: number; nextAttemptAt: number | null; lastAttempt: { status: number; error: string } | null; pending: number }[] = [];
        for (let i = 0; i < 500; i++) {
          list = (await (await fx.get('/v1/webhooks')).json()).webhooks;
          if (list.every((w) => w.failures > 0)) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        // Listed in creation order (both may share a millisecond: rowid breaks the tie).
        const [redirected, refused] = list;
        expect([redirected.url, refused.url]).toEqual([rx.url, gone.url]);
        expect(redirected).toMatchObject({ failures: 1, pending: 1, lastAttempt: { status: 302 } });
        expect(redirected.lastAttempt!.error).toContain('redirect to https://elsewhere.example/ not followed');
        expect(refused).toMatchObject({ failures: 1, pending: 1, lastAttempt: { status: 0, error: 'connection refused (ECONNREFUSED)' } });
        expect(refused.nextAttemptAt).toBeGreaterThanOrEqual(t0 + 60_000);
        // Not retried before its time.
        expect(rx.got).toHaveLength(1);
      } finally {
        await cleanup(rx);
      }
    }));

  it('a cursor commit that fails (read-only database) reaches onError, not an unhandled rejection, and nothing is lost', () =>
    withCollector(async (fx) => {
      const rx = await receiver();
      try {
        await addWebhook(fx, rx.url);
        await fx.post('/v1/orders', { orders: [order('Q-1'), order('Q-2'), order('Q-3')] }, { auth: 'secret' });
        const errors: unknown[] = [];
        let attempts = 0;
        // The database turns read-only once Q-2 got its 2xx: Q-2's cursor commit then fails while
        // Q-3 is being sent (an unhandled rejection, ending the process, unless it is handled).
        deliver(fx.store, {
          onError: (e) => errors.push(e),
          backoff: () => 1_000,
          onAttempt: () => {
            if (++attempts === 2) fx.store.db.pragma('query_only = 1');
          },
        });
        await rx.until(3);
        for (let i = 0; i < 500 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
        expect(String(errors[0])).toMatch(/readonly/i);
        // Paused for 1 s after the store failed: the same messages are not sent again at every tick.
        await new Promise((r) => setTimeout(r, 100));
        expect(rx.got).toHaveLength(3);
        // Writable again: after the pause, the messages whose cursor was not committed go out again.
        fx.store.db.pragma('query_only = 0');
        await rx.until(5);
        expect(rx.got.map((g) => JSON.parse(g.body).data.order.orderId)).toEqual(['Q-1', 'Q-2', 'Q-3', 'Q-2', 'Q-3']);
      } finally {
        await cleanup(rx);
      }
    }));

  it('skip gives up on a message the receiver keeps refusing, and the next one goes out', () =>
    withCollector(async (fx) => {
      const rx = await receiver([400, 400, 400]);
      try {
        const { webhook } = await addWebhook(fx, rx.url);
        await fx.post('/v1/orders', { orders: [order('P-1'), order('P-2')] }, { auth: 'secret' });
        deliver(fx.store, { backoff: () => 20 });
        await rx.until(2);
        const res = await fx.post(`/v1/webhooks/${webhook.id}/skip`, {}, { auth: 'secret' });
        expect(await res.json()).toEqual({ skipped: expect.any(Number) });
        for (let i = 0; i < 500 && !rx.got.some((g) => JSON.parse(g.body).data.order.orderId === 'P-2' && g.status === 200); i++) {
          await new Promise((r) => setTimeout(r, 10));
        }
        const p2 = rx.got.filter((g) => JSON.parse(g.body).data.order.orderId === 'P-2');
        expect(p2.at(-1)?.status).toBe(200);
      } finally {
        await cleanup(rx);
      }
    }));

  it('an erasure before delivery leaves nothing to send and nothing in the outbox', () =>
    withCollector(async (fx) => {
      const rx = await receiver();
      try {
        await addWebhook(fx, rx.url);
        await fx.post('/v1/orders', order('E-1', { email: 'erase.me@shop.example' }), { auth: 'secret' });
        expect(fx.store.db.prepare('SELECT COUNT(*) FROM webhook_outbox').pluck().get()).toBe(1);
        const del = await fx.fetch('/v1/persons?email=erase.me@shop.example', { method: 'DELETE', headers: { authorization: fx.secretAuth } });
        expect(del.status).toBe(200);
        expect(fx.store.db.prepare('SELECT COUNT(*) FROM webhook_outbox').pluck().get()).toBe(0);
        await fx.post('/v1/orders', order('E-2'), { auth: 'secret' });
        deliver(fx.store);
        await rx.until(1);
        await new Promise((r) => setTimeout(r, 100));
        expect(rx.got.map((g) => JSON.parse(g.body).data.order.orderId)).toEqual(['E-2']);
      } finally {
        await cleanup(rx);
      }
    }));

  it('without a webhook no outbox row is written; a new webhook hears only what is committed after it', () =>
    withCollector(async (fx) => {
      await fx.post('/v1/orders', order('N-1'), { auth: 'secret' });
      expect(fx.store.db.prepare('SELECT COUNT(*) FROM webhook_outbox').pluck().get()).toBe(0);
      const rx = await receiver();
      try {
        await addWebhook(fx, rx.url, ['order.updated']);
        await fx.post('/v1/orders', order('N-2'), { auth: 'secret' });
        // Nobody subscribes to creations: no row for N-2 waits in the outbox.
        expect(fx.store.db.prepare('SELECT COUNT(*) FROM webhook_outbox').pluck().get()).toBe(0);
        await fx.post('/v1/orders', { order_id: 'N-1', status: 'cancelled', timestamp: iso(T + 1000) }, { auth: 'secret' });
        deliver(fx.store);
        await rx.until(1);
        await new Promise((r) => setTimeout(r, 100));
        // Subscribed to updates only: N-2's creation is not sent.
        expect(rx.got.map((g) => [JSON.parse(g.body).type, JSON.parse(g.body).data.order.orderId])).toEqual([['order.updated', 'N-1']]);
      } finally {
        await cleanup(rx);
      }
    }));

  it('a row leaves the outbox once every webhook that wants it has it: one waiting on other types keeps none of them', () =>
    withCollector(async (fx) => {
      const rx = await receiver();
      try {
        const scans = await addWebhook(fx, rx.url, ['qr.scanned']);
        await addWebhook(fx, rx.url, ['order.created']);
        for (const id of ['A', 'B', 'C']) await fx.post('/v1/orders', order(id), { auth: 'secret' });
        deliver(fx.store);
        await rx.until(3);
        const left = () => fx.store.db.prepare('SELECT COUNT(*) FROM webhook_outbox').pluck().get() as number;
        for (let i = 0; i < 500 && left() > 0; i++) await new Promise((r) => setTimeout(r, 10));
        expect(left()).toBe(0);
        // The scans webhook has not moved: the rows went without it, since it never wanted them.
        const cursorOf = (id: string) => fx.store.db.prepare('SELECT cursor FROM webhooks WHERE id = ?').pluck().get(id);
        expect(cursorOf(scans.webhook.id)).toBe(0);
      } finally {
        await cleanup(rx);
      }
    }));

  it('the cursor survives a restart: what was delivered is not sent again', () =>
    withCollector(async (fx) => {
      const rx = await receiver();
      try {
        await addWebhook(fx, rx.url);
        await fx.post('/v1/orders', order('K-1'), { auth: 'secret' });
        const stop = deliver(fx.store);
        await rx.until(1);
        await stop();
        await fx.store.close();
        const again = openSqliteStore(fx.dbPath, { flushMs: 1 });
        try {
          await again.putOrders(fx.site.id, [
            { orderId: 'K-2', source: 'server', ref: 'r2', channel: 'store', location: null, ts: T, revenue: 5, currency: 'EUR', status: 'completed', coupon: null, products: [], identifiers: [], qrCode: null, receivedAt: Date.now() },
          ]);
          deliver(again);
          await rx.until(2);
          await new Promise((r) => setTimeout(r, 100));
          expect(rx.got.map((g) => JSON.parse(g.body).data.order.orderId)).toEqual(['K-1', 'K-2']);
        } finally {
          await stops.pop()!();
          await again.close();
        }
      } finally {
        await cleanup(rx);
      }
    }));
});

describe('webhookBackoff', () => {
  it('grows from 5 s to 8 h, ±20 %, and stays at 8 h', () => {
    for (let i = 0; i < 50; i++) {
      expect(webhookBackoff(1)).toBeGreaterThanOrEqual(4_000);
      expect(webhookBackoff(1)).toBeLessThanOrEqual(6_000);
      expect(webhookBackoff(3)).toBeGreaterThanOrEqual(96_000);
      expect(webhookBackoff(3)).toBeLessThanOrEqual(144_000);
      expect(webhookBackoff(40)).toBeGreaterThanOrEqual(0.8 * 28_800_000);
      expect(webhookBackoff(40)).toBeLessThanOrEqual(1.2 * 28_800_000);
    }
  });
});
