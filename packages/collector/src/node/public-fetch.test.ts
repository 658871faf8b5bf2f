import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { publicOnlyFetch, publicOnlyLookup, type Resolve } from './public-fetch';
import { receiver } from '../test-utils/webhook-receiver';
import { withCollector } from '../test-utils/harness';
import { startWebhookDeliverer } from '../webhooks/deliverer';

/** A resolver that answers every name with `addresses` (what a hostile or mistaken DNS record says). */
const resolveTo =
  (...addresses: string[]): Resolve =>
  (_host, options, cb) => {
    const list: LookupAddress[] = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if ((options as { all?: boolean }).all) cb(null, list);
    else cb(null, list[0].address, list[0].family);
  };

/** Calls the lookup as net.connect does; resolves with its error (or null) and answer. */
function look(resolve: Resolve, all: boolean) {
  return new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((done) =>
    publicOnlyLookup(resolve)('crm.example', { all }, (err, address) => done({ err, address })),
  );
}

describe('publicOnlyLookup', () => {
  it('passes public addresses through, in both answer shapes', async () => {
    expect(await look(resolveTo('93.184.216.34'), false)).toEqual({ err: null, address: '93.184.216.34' });
    const many = await look(resolveTo('93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'), true);
    expect(many.err).toBeNull();
    expect(many.address).toHaveLength(2);
  });

  it.each([
    ['loopback', ['127.0.0.1']],
    ['private', ['10.1.2.3']],
    ['cloud metadata (link-local)', ['169.254.169.254']],
    ['CGNAT', ['100.64.0.9']],
    ['unique-local IPv6', ['fd00::1']],
    ['IPv4-mapped private', ['::ffff:192.168.1.10']],
    ['IPv4-compatible (::/96)', ['::a00:5']],
    ['one private among public ones', ['93.184.216.34', '10.0.0.5']],
  ])('refuses a name that resolves to a %s address', async (_what, addresses) => {
    for (const all of [false, true]) {
      if (!all && addresses.length > 1) continue;
      const { err } = await look(resolveTo(...addresses), all);
      expect(err?.code).toBe('EPRIVATEADDR');
      expect(err?.message).toMatch(/^crm\.example has no public address \(it does not resolve, or resolves to a private or local one\): only the operator/);
      expect(err?.message).not.toContain(addresses.at(-1)!);
    }
  });

  it('answers a name that does not resolve exactly as one that resolves privately (no probing of internal DNS)', async () => {
    const fail: Resolve = (_h, _o, cb) => cb(Object.assign(new Error('getaddrinfo ENOTFOUND crm.example'), { code: 'ENOTFOUND' }), '');
    const missing = (await look(fail, false)).err;
    const internal = (await look(resolveTo('10.1.2.3'), false)).err;
    expect(missing?.code).toBe('EPRIVATEADDR');
    expect(missing?.message).toBe(internal?.message);
  });
});

describe('publicOnlyFetch', () => {
  it('never connects to a receiver on a private address, by name or by IP literal', async () => {
    const rx = await receiver();
    try {
      const port = new URL(rx.url).port;
      const guarded = publicOnlyFetch(resolveTo('127.0.0.1'));
      for (const url of [`http://hooks.shop.example:${port}/hooks`, rx.url, `http://[::ffff:127.0.0.1]:${port}/hooks`]) {
        const err = await guarded(url, { method: 'POST', body: '{}' }).then(
          () => null,
          (e: Error & { cause?: { code?: string } }) => e,
        );
        expect(err?.cause?.code, url).toBe('EPRIVATEADDR');
      }
      // The same request through plain fetch arrives: the guard, not the network, stopped it.
      expect((await fetch(rx.url, { method: 'POST', body: '{}' })).status).toBe(200);
      expect(rx.got).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });
});

describe('webhooks and private receivers', () => {
  it("a webhook registered without the operator's permission is refused at connect time; the operator's is delivered", () =>
    withCollector(async (fx) => {
      const rx = await receiver();
      const stops: (() => Promise<void>)[] = [];
      try {
        const port = new URL(rx.url).port;
        // Registered through the API: a public-looking name, which DNS answers with a private address.
        const api = await fx.post('/v1/webhooks', { url: `https://hooks.shop.example:${port}/hooks`, events: ['order.created'] }, { auth: 'secret' });
        expect(api.status).toBe(201);
        const apiHook = ((await api.json()) as { webhook: { id: string; privateOk: boolean } }).webhook;
        expect(apiHook.privateOk).toBe(false);
        const ops = await fx.store.createWebhook(fx.site.id, { url: rx.url, events: ['order.created'], privateOk: true });
        expect((await fx.post('/v1/orders', { order_id: 'S-1', channel: 'store', revenue: 5, currency: 'EUR' }, { auth: 'secret' })).status).toBe(200);

        const attempts: { webhookId: string; error: string | null }[] = [];
        stops.push(
          startWebhookDeliverer(fx.store, { pollMs: 10, backoff: () => 60_000, publicFetch: publicOnlyFetch(resolveTo('127.0.0.1')), onAttempt: (a) => attempts.push(a) }),
        );
        await rx.until(1);
        for (let i = 0; i < 500 && !attempts.some((a) => a.webhookId === apiHook.id); i++) await new Promise((r) => setTimeout(r, 10));
        expect(rx.got).toHaveLength(1);
        expect(JSON.parse(rx.got[0].body).data.order.orderId).toBe('S-1');
        const refused = attempts.find((a) => a.webhookId === apiHook.id);
        expect(refused?.error).toMatch(/^hooks\.shop\.example has no public address \(it does not resolve, or resolves to a private or local one\): only the operator may allow/);
        // The failure is recorded (committed) just after onAttempt hears of it.
        const listedApi = async () => (await fx.store.listWebhooks(fx.site.id)).find((w) => w.id === apiHook.id);
        for (let i = 0; i < 500 && !(await listedApi())?.lastAttempt; i++) await new Promise((r) => setTimeout(r, 10));
        const listed = await listedApi();
        expect(listed?.lastAttempt?.error).toBe(refused?.error);
        expect(listed?.pending).toBe(1);
        // The delivered message's cursor commit follows the receiver's 2xx (pipelined): wait for it.
        const pendingOf = async (id: string) => (await fx.store.listWebhooks(fx.site.id)).find((w) => w.id === id)?.pending;
        for (let i = 0; i < 500 && (await pendingOf(ops.webhook.id)) !== 0; i++) await new Promise((r) => setTimeout(r, 10));
        expect(await pendingOf(ops.webhook.id)).toBe(0);

        // The API's test message goes through the same guard.
        const test = await fx.post(`/v1/webhooks/${apiHook.id}/test`, {}, { auth: 'secret' });
        expect(((await test.json()) as { error: string }).error).toMatch(/has no public address/);
        expect(rx.got).toHaveLength(1);
      } finally {
        for (const s of stops) await s();
        await rx.close();
      }
    }, { webhookPublicFetch: publicOnlyFetch(resolveTo('127.0.0.1')) }));
});
