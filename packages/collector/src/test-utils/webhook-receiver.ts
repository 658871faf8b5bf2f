import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a test receiver got. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/**
 * A real HTTP webhook receiver on 127.0.0.1 for tests: answers each request with the next status
 * of `statuses` (then 200), records what it got, and closes with `close()`.
 *
 * @example
 * const rx = await receiver([500, 500]);
 * // … rx.url, await rx.until(3), rx.got
 */
export async function receiver(statuses: number[] = [], extraHeaders: Record<string, string> = {}) {
  const got: Received[] = [];
  const plan = [...statuses];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const status = plan.shift() ?? 200;
      got.push({ headers: req.headers, body, status });
      res.writeHead(status, { 'content-type': 'text/plain', ...extraHeaders }).end(status < 300 ? 'ok' : `nope ${status}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    got,
    /** Resolves once `n` requests arrived (fails the test after ~10 s). */
    async until(n: number) {
      for (let i = 0; i < 1000 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      if (got.length < n) throw new Error(`receiver got ${got.length} requests, expected ${n}`);
    },
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
