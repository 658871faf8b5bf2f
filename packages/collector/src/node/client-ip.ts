import type { Context } from 'hono';
import { isPublicAddress } from '../webhooks/options';
import { reqHeader } from '../ingest/headers';

/** How many reverse proxies in front of the collector are trusted to append `X-Forwarded-For`. */
export type TrustProxy = boolean | number;

function socketAddress(c: Context): string | null {
  // @hono/node-server puts the Node request under `c.env.incoming` (HttpBindings).
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? null;
}

/** `::ffff:203.0.113.7` → `203.0.113.7`, so one client has one bucket whatever the socket family. */
function unmap(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

// An X-Forwarded-For entry with the client's source port: Azure App Service and Application
// Gateway write `203.0.113.7:52341` and `[2001:db8::7]:52341`. Keeping the port would make every
// connection a new client: a fresh rate-limit bucket and, in cookieless mode, a new visitor.
const V4_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;
const V6_BRACKETS = /^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$/;

/** The address of one X-Forwarded-For entry, without a source port or IPv6 brackets. */
function withoutPort(entry: string): string {
  const m = V4_PORT.exec(entry) ?? V6_BRACKETS.exec(entry);
  return m ? m[1] : entry;
}

/**
 * Build the client-IP function the collector uses for rate limiting. The address comes from the
 * socket; `X-Forwarded-For` is read only when `trustProxy` is set, and then from the right: with
 * N trusted proxies the client is the N-th entry from the end (entries further left were written
 * by the client itself and can be forged), or the leftmost when the header has fewer than N
 * entries. The IP is used transiently and never stored.
 *
 * `onProxyIgnored` is called once, the first time a request carries `X-Forwarded-For` from a
 * loopback or private socket address while no proxy is trusted: the collector most likely sits
 * behind a reverse proxy without `--trust-proxy`, so every client shares the proxy's rate-limit
 * bucket and dashboard login lockout.
 *
 * @example
 * createCollector({ store, clientIp: clientIpResolver(1) }); // one proxy (nginx, a load balancer)
 */
export function clientIpResolver(trustProxy: TrustProxy = false, onProxyIgnored?: (socketIp: string) => void): (c: Context) => string | null {
  const hops = trustProxy === true ? 1 : typeof trustProxy === 'number' && trustProxy > 0 ? Math.floor(trustProxy) : 0;
  let warn = hops === 0 ? onProxyIgnored : undefined;
  return (c) => {
    if (warn && reqHeader(c, 'x-forwarded-for')) {
      const a = socketAddress(c);
      if (a && !isPublicAddress(unmap(a))) {
        warn(unmap(a));
        warn = undefined;
      }
    }
    if (hops > 0) {
      const xff = reqHeader(c, 'x-forwarded-for');
      if (xff) {
        const parts = xff.split(',');
        // Fewer entries than trusted proxies: the request passed fewer of them (e.g. it reached
        // the inner proxy without the CDN), so every entry was written by a trusted proxy and the
        // leftmost is the client — as Express's `trust proxy` count does. Falling back to the
        // socket here would put every such client in the proxy's one rate-limit bucket.
        const entry = parts[Math.max(0, parts.length - hops)].trim();
        if (entry) return unmap(withoutPort(entry));
      }
    }
    const a = socketAddress(c);
    return a ? unmap(a) : null;
  };
}
