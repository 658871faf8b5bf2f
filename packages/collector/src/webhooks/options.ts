import ipaddr from 'ipaddr.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../store/webhooks';

/** Host names that name this machine or a private network, never a public receiver. */
const LOCAL_NAMES = /(^|\.)(localhost|local|internal|home\.arpa|localdomain)$/i;

/**
 * True when `host` (a URL's hostname) is an IP address outside the public unicast space
 * (loopback, private, link-local — cloud metadata at 169.254.169.254 —, CGNAT, unique-local,
 * IPv4-mapped forms of those …) or a local-only name. ipaddr.js classifies the ranges.
 */
function isLocalHost(host: string): boolean {
  // `localhost.` and `crm.internal.` are the same names, fully qualified.
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (LOCAL_NAMES.test(name)) return true;
  if (!ipaddr.isValid(name)) return false;
  let addr = ipaddr.parse(name);
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) addr = v6.toIPv4Address();
    // IPv4-compatible `::a.b.c.d` (deprecated, ::/96): ipaddr.js calls it unicast, but where
    // ::/96 is still routed (sit0) it reaches the IPv4 address inside. Never a public receiver.
    else if (v6.parts.slice(0, 6).every((p) => p === 0)) return true;
  }
  return addr.range() !== 'unicast';
}

/**
 * True when `ip` is an address a public receiver can have (ipaddr.js range `unicast`, IPv4-mapped
 * IPv6 judged as its IPv4 address). False for anything else, including text that is not an IP.
 *
 * @example
 * isPublicAddress('93.184.216.34'); // true
 * isPublicAddress('::ffff:10.0.0.1'); // false
 */
export function isPublicAddress(ip: string): boolean {
  return ipaddr.isValid(ip) && !isLocalHost(ip);
}

/**
 * True when a URL names this machine or a private network by its host (an IP outside the public
 * space, or a local-only name); false for public hosts and for text that is not a URL. What a
 * name resolves to is not looked up.
 */
export function isPrivateUrl(url: string): boolean {
  try {
    return isLocalHost(new URL(url).hostname.replace(/^\[|\]$/g, ''));
  } catch {
    return false;
  }
}

/**
 * Checks a webhook endpoint URL and returns it normalised, or throws an Error that says what is
 * wrong. HTTPS is required: the body carries customer IDs and hashed contact data, which must
 * not cross a network in clear. Credentials in the URL are refused (they would be listed back in
 * clear).
 *
 * Receivers on this machine or a private network (`localhost`, 10.x, 192.168.x, 169.254.x, fd…)
 * are refused unless `allowLocal`: the API is open to every site's secret key, and such a URL
 * would let a site make the collector POST into the operator's network and read the answer back
 * from the webhook's last error (SSRF). The CLI, run by the operator, allows them (and plain http
 * for loopback). A public name that resolves to a private address is caught later, when the
 * connection is made (`node/public-fetch.ts`), for webhooks without `privateOk`.
 *
 * @example
 * checkWebhookUrl('https://crm.example/hooks/omnitrail'); // 'https://crm.example/hooks/omnitrail'
 */
export function checkWebhookUrl(input: string, opts: { allowLocal?: boolean } = {}): string {
  let u: URL;
  try {
    u = new URL(input);
  } catch {
    throw new Error(`webhook URL "${input}" is not an absolute URL (e.g. https://crm.example/hooks/omnitrail)`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`webhook URL must use https (got ${u.protocol})`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const local = isLocalHost(host);
  if (local && !opts.allowLocal) {
    throw new Error(`webhook URL points to this machine or a private network (${host}); only the operator can register such a receiver, with "omnitrail webhook add"`);
  }
  const loopback = host === 'localhost' || (ipaddr.isValid(host) && ipaddr.parse(host).range() === 'loopback');
  if (u.protocol === 'http:' && !(opts.allowLocal && loopback)) {
    throw new Error('webhook URL must use https (plain http is accepted only for a localhost receiver added with the CLI)');
  }
  if (u.username || u.password) throw new Error('webhook URL must not contain a user name or password; authenticate the body by its signature');
  if (u.hash) throw new Error('webhook URL must not contain a #fragment');
  if (input.length > 2000) throw new Error('webhook URL is longer than 2000 characters');
  return u.href;
}

/**
 * Checks the event types a webhook subscribes to (an array or a comma-separated string) and
 * returns them without repeats; none given means every type. Throws an Error naming the
 * unknown type and the valid ones.
 *
 * @example
 * checkWebhookEvents('order.created'); // ['order.created']
 */
export function checkWebhookEvents(input: unknown): WebhookEventType[] {
  if (input === undefined || input === null || input === '') return [...WEBHOOK_EVENT_TYPES];
  const list = typeof input === 'string' ? input.split(',').map((s) => s.trim()).filter(Boolean) : input;
  if (!Array.isArray(list) || list.length === 0) throw new Error(`events must be a list of event types (${WEBHOOK_EVENT_TYPES.join(', ')})`);
  for (const t of list) {
    if (!(WEBHOOK_EVENT_TYPES as readonly unknown[]).includes(t)) {
      throw new Error(`unknown webhook event type ${JSON.stringify(t)}; known: ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    }
  }
  return [...new Set(list as WebhookEventType[])];
}
