import { expect, test } from 'vitest';
import { Hono } from 'hono';
import { clientIpResolver } from './client-ip';

async function ipOf(trust: boolean | number, xff: string | null, socket = '::ffff:10.0.0.1') {
  const app = new Hono();
  const resolve = clientIpResolver(trust);
  app.get('/', (c) => c.text(String(resolve(c))));
  const headers: Record<string, string> = xff ? { 'x-forwarded-for': xff } : {};
  const res = await app.request('/', { headers }, { incoming: { socket: { remoteAddress: socket } } });
  return res.text();
}

test('without trustProxy the socket address is used and X-Forwarded-For is ignored', async () => {
  expect(await ipOf(false, '203.0.113.5')).toBe('10.0.0.1');
});

test('with one trusted proxy the last X-Forwarded-For entry is the client (left entries are forgeable)', async () => {
  expect(await ipOf(true, '6.6.6.6, 203.0.113.5')).toBe('203.0.113.5');
  expect(await ipOf(1, '203.0.113.5')).toBe('203.0.113.5');
});

test('with two proxies the second entry from the right', async () => {
  expect(await ipOf(2, '6.6.6.6, 203.0.113.5, 10.1.1.1')).toBe('203.0.113.5');
});

test('trusted but no header: the socket', async () => {
  expect(await ipOf(true, null, '198.51.100.2')).toBe('198.51.100.2');
});

test('fewer entries than trusted proxies (the CDN was bypassed): the leftmost entry, not the proxy socket', async () => {
  // Two proxies configured (CDN + nginx), but this request reached nginx directly: nginx wrote
  // the only entry, the client's address. The socket is nginx itself, shared by every client.
  expect(await ipOf(2, '203.0.113.5', '127.0.0.1')).toBe('203.0.113.5');
  expect(await ipOf(3, '203.0.113.5, 10.1.1.1', '127.0.0.1')).toBe('203.0.113.5');
});

test('an X-Forwarded-For entry with a source port (Azure) is the address alone', async () => {
  expect(await ipOf(1, '203.0.113.5:52341')).toBe('203.0.113.5');
  expect(await ipOf(1, '[2001:db8::7]:52341')).toBe('2001:db8::7');
  expect(await ipOf(1, '[2001:db8::7]')).toBe('2001:db8::7');
  expect(await ipOf(1, '2001:db8::7')).toBe('2001:db8::7');
  expect(await ipOf(1, '::ffff:203.0.113.5')).toBe('203.0.113.5');
});

test('X-Forwarded-For from a local proxy while no proxy is trusted: onProxyIgnored hears it once', async () => {
  const heard: string[] = [];
  const app = new Hono();
  const resolve = clientIpResolver(false, (ip) => heard.push(ip));
  app.get('/', (c) => c.text(String(resolve(c))));
  const ask = (xff: string | null, socket: string) =>
    app.request('/', { headers: xff ? { 'x-forwarded-for': xff } : {} }, { incoming: { socket: { remoteAddress: socket } } });
  // A public client that sends the header itself (nothing in between): no hint.
  await ask('6.6.6.6', '93.184.216.34');
  // No header: no proxy.
  await ask(null, '127.0.0.1');
  expect(heard).toEqual([]);
  await ask('203.0.113.5', '::ffff:127.0.0.1');
  await ask('203.0.113.6', '10.0.0.2');
  expect(heard).toEqual(['127.0.0.1']);
  // Trusted: the header is used, nothing to say.
  const trusted: string[] = [];
  const r2 = clientIpResolver(1, (ip) => trusted.push(ip));
  const app2 = new Hono();
  app2.get('/', (c) => c.text(String(r2(c))));
  await app2.request('/', { headers: { 'x-forwarded-for': '203.0.113.5' } }, { incoming: { socket: { remoteAddress: '127.0.0.1' } } });
  expect(trusted).toEqual([]);
});
