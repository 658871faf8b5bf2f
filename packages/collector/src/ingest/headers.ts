import type { Context } from 'hono';

type NodeEnv = { incoming?: { headers?: Record<string, string | string[] | undefined> } } | undefined;

/**
 * A request header by lower-case name. On Node it reads the already-parsed header object of the
 * `IncomingMessage` (duck-typed, no `node:*` import): `c.req.header()` would make
 * @hono/node-server build an undici `Headers` object per request, a measurable share of the
 * ingest hot path. Elsewhere (Workers, `app.request()`) it is `c.req.header()`.
 *
 * @example
 * const origin = reqHeader(c, 'origin');
 */
export function reqHeader(c: Context, name: string): string | undefined {
  const h = (c.env as NodeEnv)?.incoming?.headers;
  if (h) {
    const v = h[name];
    return Array.isArray(v) ? v.join(', ') : v;
  }
  return c.req.header(name);
}
