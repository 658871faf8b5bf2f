import { describe, expect } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { eachTransport } from '../test-utils/harness';
import { receiver } from '../test-utils/webhook-receiver';

describe('/v1/webhooks', () => {
  eachTransport('needs the secret key: a write key or none gets 401 and nothing is created', async (fx) => {
    for (const auth of ['none', 'write'] as const) {
      expect((await fx.post('/v1/webhooks', { url: 'https://crm.example/h' }, { auth })).status).toBe(401);
      expect((await fx.get('/v1/webhooks', { auth })).status).toBe(401);
    }
    expect(await fx.store.listWebhooks()).toEqual([]);
  });

  eachTransport('bad input gets a 400 that says what is wrong', async (fx) => {
    const cases: [unknown, RegExp][] = [
      [{}, /url is required/],
      [{ url: 'crm.example/h' }, /not an absolute URL/],
      [{ url: 'http://crm.example/h' }, /must use https/],
      [{ url: 'ftp://crm.example/h' }, /must use https/],
      [{ url: 'https://user:pw@crm.example/h' }, /user name or password/],
      [{ url: 'https://crm.example/h', events: ['order.deleted'] }, /unknown webhook event type "order.deleted"; known: order.created, order.updated, touchpoint.created/],
      [{ url: 'https://crm.example/h', events: [] }, /events must be a list/],
    ];
    for (const [body, message] of cases) {
      const res = await fx.post('/v1/webhooks', body, { auth: 'secret' });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await res.json()).message).toMatch(message);
    }
    const broken = await fx.fetch('/v1/webhooks', { method: 'POST', headers: { authorization: fx.secretAuth, 'content-type': 'application/json' }, body: '{"url":' });
    expect(broken.status).toBe(400);
    expect(await fx.store.listWebhooks()).toEqual([]);
    // A site's key cannot point the collector at the operator's machine or network (SSRF).
    for (const url of ['http://localhost:9999/h', 'https://localhost/h', 'https://shop.localhost/h', 'https://127.0.0.1/h', 'https://2130706433/h', 'https://10.1.2.3/h',
      'https://192.168.0.10/h', 'https://169.254.169.254/latest/meta-data', 'https://100.64.0.1/h', 'https://[::1]/h', 'https://[::ffff:127.0.0.1]/h', 'https://[fd00::1]/h', 'https://crm.internal/h',
      'https://localhost./h', 'https://crm.internal./h', 'https://[::127.0.0.1]/h', 'https://[::a00:1]/h']) {
      const r = await fx.post('/v1/webhooks', { url }, { auth: 'secret' });
      expect(r.status, url).toBe(400);
      expect((await r.json()).message, url).toMatch(/this machine or a private network/);
    }
    expect(await fx.store.listWebhooks()).toEqual([]);
    expect((await fx.post('/v1/webhooks', { url: 'https://93.184.216.34/h' }, { auth: 'secret' })).status).toBe(201);
  });

  eachTransport('create shows the secret once; list never shows it; delete; another site cannot see or touch it', async (fx) => {
    const res = await fx.post('/v1/webhooks', { url: 'https://crm.example/h', events: ['order.created'] }, { auth: 'secret' });
    expect(res.status).toBe(201);
    const { webhook, secret } = await res.json();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhook).toMatchObject({ url: 'https://crm.example/h', events: ['order.created'], pending: 0, failures: 0, lastAttempt: null });
    const listed = await (await fx.get('/v1/webhooks')).text();
    expect(listed).toContain(webhook.id);
    expect(listed).not.toContain(secret.slice(6, 20));

    const other = await fx.store.createSite({ name: 'Other shop', origins: ['https://other.example'] });
    const otherAuth = { authorization: `Bearer ${other.secretKey}` };
    expect(await (await fx.get('/v1/webhooks', { auth: 'none', headers: otherAuth })).json()).toEqual({ webhooks: [] });
    for (const [method, path] of [['DELETE', ''], ['POST', '/test'], ['POST', '/skip']]) {
      const r = await fx.fetch(`/v1/webhooks/${webhook.id}${path}`, { method, headers: otherAuth });
      expect(r.status, `${method} ${path}`).toBe(404);
    }
    expect(await fx.store.listWebhooks(fx.site.id)).toHaveLength(1);

    const del = await fx.fetch(`/v1/webhooks/${webhook.id}`, { method: 'DELETE', headers: { authorization: fx.secretAuth } });
    expect(del.status).toBe(204);
    expect(await fx.store.listWebhooks()).toEqual([]);
    expect((await fx.fetch(`/v1/webhooks/${webhook.id}`, { method: 'DELETE', headers: { authorization: fx.secretAuth } })).status).toBe(404);
  });

  eachTransport('test sends a signed webhook.test message now and reports the answer', async (fx) => {
    const rx = await receiver([200, 500]);
    try {
      // A receiver on 127.0.0.1 is the operator's to register (CLI); the API then tests it.
      const { webhook, secret } = await fx.store.createWebhook(fx.site.id, { url: rx.url, events: ['order.created'], privateOk: true });
      const ok = await fx.post(`/v1/webhooks/${webhook.id}/test`, {}, { auth: 'secret' });
      expect(await ok.json()).toEqual({ ok: true, status: 200, error: null });
      const body = new Webhook(secret).verify(rx.got[0].body, rx.got[0].headers as Record<string, string>);
      expect(body).toMatchObject({ type: 'webhook.test', data: { siteId: fx.site.id, webhookId: webhook.id } });
      const failed = await fx.post(`/v1/webhooks/${webhook.id}/test`, {}, { auth: 'secret' });
      expect(await failed.json()).toEqual({ ok: false, status: 500, error: 'HTTP 500: nope 500' });
    } finally {
      await rx.close();
    }
  });
});
