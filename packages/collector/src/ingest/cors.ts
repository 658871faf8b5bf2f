import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Site } from '../store/types';
import { reqHeader } from './headers';

/** Seconds browsers may cache a preflight answer (Chromium caps at 7200, Firefox at 86400). */
export const PREFLIGHT_MAX_AGE = 86_400;

/** Normalise a configured origin (`https://Shop.example/`) to the browser's serialisation. */
export function normaliseOrigin(o: string): string | null {
  if (o === '*') return '*';
  try {
    const u = new URL(o);
    return u.origin === 'null' ? null : u.origin;
  } catch {
    return null;
  }
}

const siteOrigins = new WeakMap<Site, Set<string>>();

/**
 * True when a browser on `origin` may send events with this site's write key: the site lists
 * the origin, or lists `*`.
 *
 * @example
 * originAllowed({ origins: ['https://shop.example/'] } as Site, 'https://shop.example') // true
 */
export function originAllowed(site: Site, origin: string): boolean {
  let set = siteOrigins.get(site);
  if (!set) {
    set = new Set();
    for (const o of site.origins) {
      const n = normaliseOrigin(o);
      if (n) set.add(n);
    }
    siteOrigins.set(site, set);
  }
  return set.has('*') || set.has(origin);
}

/**
 * Apply the ingest CORS policy for a request whose site is known: with an `Origin` header the
 * origin must be one of the site's origins (403 otherwise, without CORS headers, so the browser
 * shows a CORS failure and the page cannot read anything); the response then allows exactly that
 * origin, without credentials. Requests without `Origin` (server clients, curl) pass: the write
 * key is public, the origin list only stops other web pages from sending in a site's name.
 *
 * @example
 * const site = await resolveWriteKey(c, body);
 * applyIngestCors(c, site); // sets Access-Control-Allow-Origin or throws 403
 */
export function applyIngestCors(c: Context, site: Site): void {
  const origin = reqHeader(c, 'origin');
  c.header('Vary', 'Origin');
  if (!origin) return;
  if (!originAllowed(site, origin)) {
    throw new HTTPException(403, {
      message: `Origin ${origin} is not allowed for this site; add it with "omnitrail site update --origin <url> …" (the full list)`,
    });
  }
  c.header('Access-Control-Allow-Origin', origin);
  // Retry-After is not a CORS-safelisted response header: without this the SDK could not honour it.
  c.header('Access-Control-Expose-Headers', 'Retry-After');
}

/**
 * Let any page read an error that happened before the site was known (malformed JSON, unknown
 * key), so a browser SDK can see the 4xx and drop the batch instead of retrying it forever.
 * Nothing site-specific is in such a response.
 */
export function exposeEarlyError(c: Context): void {
  const origin = reqHeader(c, 'origin');
  c.header('Vary', 'Origin');
  if (origin) {
    c.header('Access-Control-Allow-Origin', origin);
    c.header('Access-Control-Expose-Headers', 'Retry-After');
  }
}

/**
 * Answer a CORS preflight for the write-key endpoints. With `?writeKey=` the site's own origin
 * list decides; without it (a Basic-auth request: the preflight carries no credentials) the
 * origin must be allowed by at least one site. The answer is cached by the browser for
 * {@link PREFLIGHT_MAX_AGE} seconds. The actual request is checked against its site again.
 *
 * @example
 * app.options('/v1/*', (c) => preflight(c, allowed));
 */
export function preflight(c: Context, allowed: boolean): Response {
  const origin = reqHeader(c, 'origin');
  const headers = new Headers({ Vary: 'Origin, Access-Control-Request-Headers' });
  if (origin && allowed) {
    headers.set('Access-Control-Allow-Origin', origin);
    headers.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
    // Echo what the browser asks for (e.g. analytics.js adds X-Retry-Count on retries): no
    // credentials are ever allowed, so extra request headers grant nothing.
    const asked = reqHeader(c, 'access-control-request-headers');
    headers.set('Access-Control-Allow-Headers', asked && asked.length <= 500 ? asked : 'Content-Type, Authorization');
    headers.set('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE));
  }
  return new Response(null, { status: 204, headers });
}
