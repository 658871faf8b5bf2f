import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { afterEach, expect, test } from 'vitest';
import { startServer, type RunningServer } from './server';
import { tempDbPath } from '../test-utils/harness';

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
