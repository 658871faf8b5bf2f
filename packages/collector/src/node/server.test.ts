import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { startServer, type RunningServer } from './server';
import { tempDbPath } from '../test-utils/harness';
import { openSqliteStore } from '../store/sqlite/index';

let srv: RunningServer | null = null;
afterEach(async () => {
  await srv?.close();
  srv = null;
});

/** GET `path` through `agent`; resolves with the status and headers, rejects with the socket error. */
function get(port: number, path: string, agent: Agent): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('close(): a request sent on a kept-alive connection just after close() is answered (Connection: close), not reset', async () => {
  srv = await startServer({ dbPath: tempDbPath(), port: 0, quiet: true });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const first = await get(srv.port, '/healthz', agent);
  expect(first.status).toBe(200);
  expect(first.headers.connection).toBe('keep-alive');
  const closed = srv.close();
  // The client's next request reuses the idle socket, as a busy client's does while the server stops.
  const second = await get(srv.port, '/healthz', agent);
  expect(second.status).toBe(200);
  expect(second.headers.connection).toBe('close');
  // No new connections while draining.
  await expect(get(srv.port, '/healthz', new Agent())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  await closed;
  agent.destroy();
});

test('close(): an idle kept-alive connection does not hold the shutdown (closed after the grace period)', async () => {
  srv = await startServer({ dbPath: tempDbPath(), port: 0, quiet: true, drainMs: 60_000 });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  expect((await get(srv.port, '/healthz', agent)).status).toBe(200);
  const socketClosed = new Promise<void>((resolve) => {
    const [socket] = Object.values(agent.freeSockets).flat();
    socket!.once('close', () => resolve());
  });
  // Resolves long before drainMs: the idle socket is swept after the 1 s grace.
  await srv.close();
  await socketClosed;
  agent.destroy();
}, 10_000);

test('close(): a request already in progress at close() and finishing after the grace is answered, and so is the next one its client sends on that socket', async () => {
  srv = await startServer({ dbPath: tempDbPath(), port: 0, quiet: true, drainMs: 8_000 });
  const { site } = await srv.store.createSite({ name: 's', origins: ['https://shop.example'] });
  const sock = connect(srv.port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let data = '';
  let ended = '';
  sock.on('data', (d) => (data += d.toString()));
  sock.on('error', (e: NodeJS.ErrnoException) => (ended ||= `error ${e.code}`));
  sock.on('close', () => (ended ||= 'closed'));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const body = JSON.stringify({ batch: [{ type: 'track', event: 'X', anonymousId: 'a1', messageId: 'm1' }] });
  // The headers arrive before close(), the body only after the 1 s grace: a slow upload.
  sock.write(`POST /v1/batch?writeKey=${site.writeKey} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`);
  await sleep(100);
  const closed = srv.close();
  await sleep(1_300);
  sock.write(body);
  for (let i = 0; i < 200 && !data.includes('\r\n\r\n'); i++) await sleep(20);
  expect(data).toMatch(/^HTTP\/1\.1 200/);
  // The client's next request, one round trip (60 ms) later on the same socket: answered, with close.
  const first = data.length;
  await sleep(60);
  sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  for (let i = 0; i < 200 && data.length === first; i++) await sleep(20);
  expect(data.slice(first)).toMatch(/^HTTP\/1\.1 200[^]*\r\nconnection: close\r\n/i);
  await closed;
  // The server's side is gone; the client hears the FIN in a later turn of the event loop.
  for (let i = 0; i < 100 && !ended; i++) await sleep(20);
  expect(ended).toBe('closed');
}, 20_000);

test('close(): a request pipelined behind one in progress at close() is answered too (both events stored once)', async () => {
  const dbPath = tempDbPath();
  srv = await startServer({ dbPath, port: 0, quiet: true, drainMs: 8_000 });
  const { site } = await srv.store.createSite({ name: 's', origins: ['https://shop.example'] });
  const sock = connect(srv.port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let data = '';
  sock.on('data', (d) => (data += d.toString()));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const post = (mid: string) => {
    const body = JSON.stringify({ batch: [{ type: 'track', event: 'X', anonymousId: 'a1', messageId: mid }] });
    return [`POST /v1/batch?writeKey=${site.writeKey} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`, body];
  };
  const [head1, body1] = post('m1');
  // m1's headers before close(); its body, with m2 pipelined right behind it, after.
  sock.write(head1);
  await sleep(100);
  const closed = srv.close();
  sock.write(body1 + post('m2').join(''));
  for (let i = 0; i < 200 && (data.match(/HTTP\/1\.1 200/g) ?? []).length < 2; i++) await sleep(20);
  expect((data.match(/HTTP\/1\.1 200/g) ?? []).length).toBe(2);
  await closed;
  const after = openSqliteStore(dbPath);
  expect(await after.countEvents(site.id)).toBe(2);
  await after.close();
}, 20_000);

test('close(): a socket that keeps receiving a request slowly is not cut by the idle sweep', async () => {
  srv = await startServer({ dbPath: tempDbPath(), port: 0, quiet: true, drainMs: 8_000 });
  const sock = connect(srv.port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let data = '';
  sock.on('data', (d) => (data += d.toString()));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const closed = srv.close();
  // Header lines trickle in, one every 400 ms, for 2 s: bytes keep arriving, so the socket is not idle.
  for (const line of ['GET /healthz HTTP/1.1\r\n', 'Host: x\r\n', 'Accept: */*\r\n', 'X-Slow: 1\r\n', 'X-Slow: 2\r\n', '\r\n']) {
    sock.write(line);
    await sleep(400);
  }
  for (let i = 0; i < 100 && !data.includes('\r\n\r\n'); i++) await sleep(20);
  expect(data).toMatch(/^HTTP\/1\.1 200/);
  await closed;
}, 20_000);
