import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { isPublicAddress } from '../webhooks/options';

/** `dns.lookup`'s shape, as `net.connect` calls it (`all: true` when it may try several addresses). */
export type Resolve = (
  hostname: string,
  options: LookupOneOptions | LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/** The error a refused address gives (its `code`); `webhooks/send.ts` shows its message. */
export const PRIVATE_ADDRESS = 'EPRIVATEADDR';

/**
 * The refusal, without the address, and the same whether the name resolves privately or not at
 * all: the message reaches whoever holds the site's secret key (the webhook's last error, the
 * test endpoint), and naming the address — or telling "internal name" from "no such name" —
 * would make the guard a lookup tool for the operator's internal DNS.
 */
function refusal(host: string): NodeJS.ErrnoException {
  return Object.assign(
    new Error(
      `${host} has no public address (it does not resolve, or resolves to a private or local one): only the operator may allow a private one for a webhook (omnitrail webhook allow-private <id>)`,
    ),
    { code: PRIVATE_ADDRESS },
  );
}

/**
 * A `lookup` for `net.connect` / `tls.connect` that fails when the name resolves to any address
 * outside the public unicast space, or does not resolve. Checking the address the socket is
 * about to use, not a separate lookup before the request, leaves no gap for a DNS answer that
 * changes in between (DNS rebinding).
 *
 * @example
 * net.connect({ host: 'crm.example', port: 443, lookup: publicOnlyLookup() });
 */
export function publicOnlyLookup(resolve: Resolve = dnsLookup as unknown as Resolve): LookupFunction {
  return ((hostname: string, options: LookupOneOptions | LookupAllOptions, callback: (...a: unknown[]) => void) => {
    resolve(hostname, options, (err, address, family) => {
      // A failed lookup says no more than a refused one (see refusal()).
      if (err) return callback(refusal(hostname), address, family);
      const list = Array.isArray(address) ? address.map((a) => a.address) : [address];
      const bad = list.find((a) => !isPublicAddress(a));
      if (bad !== undefined) return callback(refusal(hostname), address, family);
      callback(null, address, family);
    });
  }) as LookupFunction;
}

/**
 * A `fetch` that connects only to public addresses: for webhooks registered through the API or a
 * secret-key session (server-side request forgery into the operator's network). An IP literal
 * in the URL is checked directly; a name, at connect time by {@link publicOnlyLookup}. Built on
 * undici (the library behind Node's own `fetch`), whose connector takes a `lookup`.
 *
 * @example
 * startWebhookDeliverer(store, { publicFetch: publicOnlyFetch() });
 */
export function publicOnlyFetch(resolve?: Resolve): typeof fetch {
  // One agent (one connection pool) per process for the system resolver: `serve` asks for it
  // twice, for the deliverer and for the API's test messages.
  if (!resolve) return (shared ??= build());
  return build(resolve);
}

/** The fetch with the system resolver, made at first use. */
let shared: typeof fetch | undefined;

function build(resolve?: Resolve): typeof fetch {
  const dispatcher = new Agent({ connect: { lookup: publicOnlyLookup(resolve) } });
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0 && !isPublicAddress(host)) {
      throw new TypeError('fetch failed', { cause: refusal(host) });
    }
    return undiciFetch(url, { ...(init as object), dispatcher } as Parameters<typeof undiciFetch>[1]);
  }) as unknown as typeof fetch;
}
