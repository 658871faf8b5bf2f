/**
 * The collector's origin as the browser (and a phone scanning a printed code) sees it. Behind a
 * TLS-terminating reverse proxy (docs/deploy-subdomain.md) the request URL says `http://` while
 * the public name is `https://`; the proxy says so in `X-Forwarded-Proto`. Used as the default
 * base URL of QR codes when no public URL is configured: a code printed with `http://` would
 * lead to a port the proxy may not even listen on, for as long as the paper lives. Only an
 * upgrade to https is taken from the header, never a downgrade or another host.
 *
 * @example
 * requestOrigin(c) // 'https://t.shop.example' behind nginx with X-Forwarded-Proto: https
 */
export function requestOrigin(c: { req: { url: string; header(name: string): string | undefined } }): string {
  const url = new URL(c.req.url);
  const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return proto === 'https' ? `https://${url.host}` : url.origin;
}
