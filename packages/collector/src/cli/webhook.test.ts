import { expect, test } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { run as serve } from './serve';
import { run as webhook } from './webhook';
import type { CliIo } from './io';
import { tempDbPath } from '../test-utils/harness';
import { receiver } from '../test-utils/webhook-receiver';
import { openSqliteStore } from '../store/sqlite/index';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(...l.split('\n')), err: (l) => err.push(...l.split('\n')) };
  return { io, out, err };
}

async function withSite(): Promise<string> {
  const db = tempDbPath();
  const s = openSqliteStore(db);
  await s.createSite({ name: 'Shop', origins: ['https://shop.example'] });
  await s.close();
  return db;
}

test('webhook add / list / remove, and what a mistake prints', async () => {
  const db = await withSite();
  let c = capture();
  expect(await webhook(['add', '--url', 'https://crm.example/hooks', '--events', 'order.created', '--json', '--db', db], c.io)).toBe(0);
  const created = JSON.parse(c.out.join(''));
  expect(created).toMatchObject({ webhook: { url: 'https://crm.example/hooks', events: ['order.created'] }, secret: expect.stringMatching(/^whsec_/) });

  c = capture();
  expect(await webhook(['list', '--db', db], c.io)).toBe(0);
  expect(c.out.join('\n')).toContain(`${created.webhook.id}  https://crm.example/hooks`);
  expect(c.out.join('\n')).toContain('events order.created; 0 pending; ok, last delivery –');
  expect(c.out.join('\n')).not.toContain(created.secret);

  await expect(webhook(['add', '--db', db], capture().io)).rejects.toThrow('--url is required');
  await expect(webhook(['add', '--url', 'http://crm.example/h', '--db', db], capture().io)).rejects.toThrow(/must use https/);
  await expect(webhook(['add', '--url', 'http://10.0.0.5/h', '--db', db], capture().io)).rejects.toThrow(/must use https/);
  // The operator may register a receiver on a private network (the API may not).
  expect(await webhook(['add', '--url', 'https://10.0.0.5/h', '--db', db], capture().io)).toBe(0);
  await expect(webhook(['add', '--url', 'https://crm.example/h', '--events', 'order.paid', '--db', db], capture().io)).rejects.toThrow(/unknown webhook event type "order.paid"/);
  await expect(webhook(['remove', '--db', db], capture().io)).rejects.toThrow('needs the webhook id');
  await expect(webhook(['remove', 'wh_nope', '--db', db], capture().io)).rejects.toThrow('no webhook wh_nope');
  await expect(webhook(['frobnicate', '--db', db], capture().io)).rejects.toThrow('unknown subcommand');

  c = capture();
  expect(await webhook(['remove', created.webhook.id, '--db', db], c.io)).toBe(0);
  c = capture();
  await webhook(['list', '--json', '--db', db], c.io);
  expect(JSON.parse(c.out.join('')).map((w: { url: string }) => w.url)).toEqual(['https://10.0.0.5/h']);
});

test('a running "omnitrail serve" delivers to a webhook added by the CLI on the same database; "webhook test" reaches it too', async () => {
  const db = tempDbPath();
  const rx = await receiver();
  const lines: string[] = [];
  const done = serve(['--port', '0', '--db', db], { out: (l) => lines.push(...l.split('\n')), err: (l) => lines.push('ERR ' + l) });
  try {
    let url: string | undefined;
    for (let i = 0; i < 400 && !url; i++) {
      url = lines.map((l) => /listening on (http:\/\/\S+)/.exec(l)?.[1]).find(Boolean);
      await new Promise((r) => setTimeout(r, 25));
    }
    const secretKey = /secret key\s+(sk_\S+)/.exec(lines.join('\n'))![1];
    const c = capture();
    await webhook(['add', '--url', rx.url, '--json', '--db', db], c.io);
    const { webhook: wh, secret } = JSON.parse(c.out.join(''));

    const t = capture();
    expect(await webhook(['test', wh.id, '--db', db], t.io)).toBe(0);
    expect(t.out.join('\n')).toContain('test message delivered');

    const res = await fetch(`${url}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ order_id: 'CLI-1', channel: 'phone', revenue: 12, currency: 'EUR', userId: 'U-9' }),
    });
    expect(res.status).toBe(200);
    await rx.until(2);
    const body = new Webhook(secret).verify(rx.got[1].body, rx.got[1].headers as Record<string, string>) as { type: string; data: { order: { orderId: string; channel: string }; person: { userIds: string[] } } };
    expect(body.type).toBe('order.created');
    expect(body.data.order).toMatchObject({ orderId: 'CLI-1', channel: 'phone' });
    expect(body.data.person.userIds).toEqual(['U-9']);
  } finally {
    process.emit('SIGINT');
    expect(await done).toBe(0);
    await rx.close();
  }
  expect(lines.join('\n')).toContain('stopped cleanly');
});

test('webhook allow-private: the operator lets an API-registered webhook reach a private network, and takes it back; secret and backlog kept', async () => {
  const db = await withSite();
  const s = openSqliteStore(db);
  const site = (await s.listSites())[0];
  // As the API (or an upgrade from before the check) left it: no private receivers.
  const { webhook: w } = await s.createWebhook(site.id, { url: 'https://crm.corp.example/hooks', events: ['order.created'] });
  const secretBefore = await s.webhookSecret(site.id, w.id);
  await s.close();
  let c = capture();
  expect(await webhook(['allow-private', w.id, '--db', db], c.io)).toBe(0);
  expect(c.out).toEqual([`webhook ${w.id} may reach this machine and private networks`]);
  c = capture();
  await webhook(['list', '--json', '--db', db], c.io);
  expect(JSON.parse(c.out.join(''))[0]).toMatchObject({ id: w.id, privateOk: true });
  c = capture();
  expect(await webhook(['allow-private', w.id, '--off', '--db', db], c.io)).toBe(0);
  expect(c.out).toEqual([`webhook ${w.id} reaches public addresses only`]);
  const again = openSqliteStore(db);
  expect((await again.listWebhooks(site.id))[0].privateOk).toBe(false);
  expect(await again.webhookSecret(site.id, w.id)).toBe(secretBefore);
  await again.close();
  await expect(webhook(['allow-private', '--db', db], capture().io)).rejects.toThrow('needs the webhook id');
  await expect(webhook(['allow-private', 'wh_nope', '--db', db], capture().io)).rejects.toThrow('no webhook wh_nope');
});
