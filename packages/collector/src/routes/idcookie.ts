import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { setCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import type { CollectorDeps } from '../app';
import { originAllowed } from '../ingest/cors';
import { resolveWriteKey, type AppEnv } from './auth';

/** Cookie holding the SDK's anonymous ID (the same name the SDK writes and reads). */
export const ID_COOKIE = 'ot_id';

/** Chrome caps cookie lifetime at 400 days (RFC 6265bis); a longer Max-Age is clipped anyway. */
const MAX_AGE = 400 * 24 * 3600;

/** Anonymous IDs the SDK makes (UUIDv7) and any Segment-style ID: word characters and dashes. */
const VALID_ID = /^[\w-]{8,100}$/;

const isIp = (host: string) => /^[\d.]+$/.test(host) || host.includes(':');

/** True when `host` is `domain` or one of its subdomains (RFC 6265 domain-match). */
export function domainMatches(host: string, domain: string): boolean {
  return host === domain || host.endsWith('.' + domain);
}

/**
 * The `Domain` attribute for the refreshed ID cookie, or `undefined` for a host-only cookie.
 * The domain the SDK asks for (the page's registrable domain) must cover both the collector's
 * host and the page's origin: the collector never sets cookies for a site it is not part of.
 *
 * @example
 * cookieDomainFor('t.shop.example', 'www.shop.example', 'shop.example') // 'shop.example'
 * cookieDomainFor('127.0.0.1', '127.0.0.1', undefined) // undefined (host-only)
 */
export function cookieDomainFor(collectorHost: string, pageHost: string | null, requested: unknown): string | undefined {
  if (requested === undefined || requested === null || requested === '' || isIp(collectorHost)) return undefined;
  const d = String(requested).toLowerCase().replace(/^\./, '');
  if (!d.includes('.') || !domainMatches(collectorHost, d) || (pageHost !== null && !domainMatches(pageHost, d))) {
    throw new HTTPException(400, {
      message: `Cookie domain "${d}" must cover both the collector (${collectorHost}) and the page (${pageHost}); serve the collector from a subdomain of the shop`,
    });
  }
  return d;
}

/**
 * `POST /v1/id?writeKey=…` with body `{ anonymousId, domain? }`: re-sets the SDK's ID cookie
 * from the server.
 *
 * Why: Safari's Intelligent Tracking Prevention caps cookies written by script
 * (`document.cookie`) at 7 days, so a weekly shopper would get a new visitor ID every week.
 * Cookies set by an HTTP response keep their `Max-Age` when the response comes from the site
 * itself. A collector on the shop's own subdomain (`t.shop.example` for `www.shop.example`:
 * same registrable domain, served by the shop's own infrastructure) is first-party, so its
 * `Set-Cookie` lives up to 400 days. Safari (16.4+) still caps server-set cookies at 7 days when
 * the responding server is third-party in disguise: a CNAME to a tracking vendor, or an IP
 * address whose first half differs from the page's. So deploy the collector behind the shop's
 * own domain and reverse proxy, not as a CNAME to somebody else's host.
 *
 * The cookie is deliberately not `HttpOnly`: the SDK must read it with `document.cookie` to
 * restore the ID. It holds only the random anonymous ID, nothing else. The SDK calls this once
 * per session, only with consent `granted`, and only when the collector is same-site.
 *
 * @example
 * app.route('/', idCookieRoutes(deps));
 * // fetch('https://t.shop.example/v1/id?writeKey=wk_…', { method: 'POST', credentials: 'include',
 * //   body: JSON.stringify({ anonymousId, domain: 'shop.example' }) }) → 204 + Set-Cookie: ot_id=…
 */
export function idCookieRoutes(_deps: CollectorDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // The body is three short strings; refuse anything bigger while reading.
  const small = bodyLimit({
    maxSize: 4 * 1024,
    onError: () => {
      throw new HTTPException(413, { message: 'Request body larger than 4 KB' });
    },
  });
  app.post('/v1/id', small, async (c) => {
    const origin = c.req.header('origin') ?? null;
    let body: { anonymousId?: unknown; domain?: unknown; writeKey?: unknown };
    try {
      // text/plain keeps the browser request simple (no preflight); the body is JSON anyway.
      body = JSON.parse(await c.req.text());
      if (!body || typeof body !== 'object') throw new Error();
    } catch {
      throw new HTTPException(400, { message: 'Body must be JSON: {"anonymousId": "…", "domain": "shop.example"}' });
    }
    const site = await resolveWriteKey(c, body);
    if (origin) {
      if (!originAllowed(site, origin)) throw new HTTPException(403, { message: `Origin ${origin} is not allowed for this site` });
      // A credentialed request needs the exact origin and Allow-Credentials, never `*`.
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Allow-Credentials', 'true');
      c.header('Vary', 'Origin');
    }
    const id = body.anonymousId;
    if (typeof id !== 'string' || !VALID_ID.test(id)) {
      throw new HTTPException(400, { message: 'anonymousId must be 8–100 letters, digits, "_" or "-"' });
    }
    const url = new URL(c.req.url);
    let pageHost: string | null = null;
    if (origin) {
      try {
        pageHost = new URL(origin).hostname;
      } catch {
        throw new HTTPException(400, { message: `Malformed Origin ${origin}` });
      }
    }
    const domain = cookieDomainFor(url.hostname, pageHost, body.domain);
    setCookie(c, ID_COOKIE, id, {
      path: '/',
      maxAge: MAX_AGE,
      sameSite: 'Lax',
      domain,
      secure: url.protocol === 'https:' || (origin?.startsWith('https:') ?? false),
    });
    return c.body(null, 204);
  });
  return app;
}
