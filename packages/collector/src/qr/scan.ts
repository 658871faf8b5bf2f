import type { Context } from 'hono';
import type { CollectorDeps } from '../app';
import { createUaCache } from '../ingest/enrich';
import { reqHeader } from '../ingest/headers';
import { createRateLimiter } from '../ingest/rate-limit';
import type { AppEnv } from '../routes/auth';
import type { StoredEvent } from '../store/types';
import type { ResolvedQrCode } from '../store/qr';
import { isCodeString, normaliseCode } from './alphabet';
import { codeState } from './campaign';
import { friendlyPage, pageLanguage, STANDALONE_PAGE_HEADERS } from './pages';
import { createScanToken, DEFAULT_SCAN_TOKEN_TTL_MS } from './token';
import { buildRedirectUrl } from './url';

/** Name of the event a recorded scan appends to the event log. */
export const QR_SCANNED = 'QR Code Scanned';

/**
 * Builds the `QR Code Scanned` event of one scan. No raw IP and no raw user agent: only the
 * UA classes. The scan is carried by its token (`properties.scan_token`), which the identity
 * deriver links to the recipient of a personalised code.
 *
 * @example
 * const ev = scanEvent(resolved, token, Date.now(), ua, null);
 */
export function scanEvent(
  r: ResolvedQrCode,
  token: string,
  tokenExpiresAt: number,
  now: number,
  ua: StoredEvent['ua'],
  country: string | null,
): StoredEvent {
  return {
    siteId: r.code.siteId,
    messageId: `qr-scan-${token}`,
    type: 'track',
    event: QR_SCANNED,
    anonymousId: null,
    userId: null,
    timestamp: now,
    originalTimestamp: null,
    receivedAt: now,
    sentAt: null,
    consent: null,
    bot: false,
    ua,
    country,
    context: { omnitrail: { v: 1 } },
    properties: {
      code: r.code.code,
      campaign_id: r.campaign.id,
      campaign_name: r.campaign.name,
      recipient_ref: r.code.recipientRef,
      personalised: r.code.kind === 'personal',
      scan_token: token,
      // What the redirect adds to the landing URL: the scan touch is classified by the same source,
      // medium and campaign as the landing session (one campaign, one row in reports).
      utm: r.campaign.utm,
      scan_token_expires_at: new Date(tokenExpiresAt).toISOString(),
      ua_class: ua?.device ?? 'other',
      bot: false,
    },
    traits: {},
  };
}

/**
 * The public `GET|HEAD /q/<code>` handler.
 *
 * - Active code, real visitor: append a `QR Code Scanned` event and wait for its group commit
 *   (a scan is as durable as an ingested event), then 302 to the registered target + campaign
 *   UTM + `ot_scan` token.
 * - HEAD, requests without a User-Agent, link-preview and mail-security scanners (isbot plus
 *   `EXTRA_BOT_PATTERNS` in ingest/enrich.ts), clients over the per-IP scan limit: 302 to the
 *   target with UTM but no token, nothing recorded.
 * - Unknown code: friendly 404 page. Disabled / ended / not started: 302 to the campaign's
 *   fallback URL if it has one, else a friendly 410 (404 when not started) page.
 * - If storage fails, the visitor still reaches the shop (without a token) and the error is
 *   logged: a printed letter must never end on an error page because analytics hiccupped.
 *
 * Nothing of the request (rest of the path, query, headers) goes into any Location header.
 *
 * @example
 * app.get('/q/:code', createScanHandler(deps));
 */
export function createScanHandler(deps: CollectorDeps) {
  const { store, options } = deps;
  const ttl = options.qr?.scanTokenTtlMs ?? DEFAULT_SCAN_TOKEN_TTL_MS;
  const limit = options.qr?.scanLimitPerIp;
  const perIp = limit === false ? null : createRateLimiter(limit ?? { rate: 1, burst: 20 }, { now: deps.now });
  const uaOf = createUaCache();
  const logError = options.logError ?? ((err: unknown) => console.error('omnitrail: recording a QR scan failed', err));

  return async (c: Context<AppEnv>): Promise<Response> => {
    c.header('Cache-Control', 'no-store');
    c.header('X-Robots-Tag', 'noindex, nofollow');
    const code = normaliseCode(c.req.param('code') ?? '');
    const resolved = isCodeString(code, 4, 32) ? await store.resolveQrCode(code) : null;
    const lang = pageLanguage(reqHeader(c, 'accept-language'));
    if (!resolved) return c.html(friendlyPage('unknown', lang), 404, STANDALONE_PAGE_HEADERS);

    const now = deps.now();
    const { campaign } = resolved;
    const state = codeState(resolved.code, campaign, now);
    if (state !== 'active') {
      if (campaign.fallbackUrl) return redirect(c, campaign.fallbackUrl);
      return c.html(friendlyPage(state, lang), state === 'not-started' ? 404 : 410, STANDALONE_PAGE_HEADERS);
    }

    const target = resolved.code.targetUrl ?? campaign.targetUrl;
    const uaString = (reqHeader(c, 'user-agent') ?? '').trim();
    const ua = uaOf(uaString);
    const ip = options.clientIp ? options.clientIp(c) : null;
    // Every phone's camera app and browser sends a User-Agent; a request without one is a script.
    const record = c.req.method === 'GET' && uaString !== '' && !ua.bot && !(perIp && ip && perIp.take(`${ip} ${code}`) > 0);
    if (!record) return redirect(c, buildRedirectUrl(target, campaign.utm, null));

    const token = createScanToken(now, ttl);
    const expiresAt = now + ttl;
    try {
      const country = options.country ? options.country(c, ip) : null;
      await store.appendEvents([scanEvent(resolved, token, expiresAt, now, ua.ua, country)]);
    } catch (err) {
      logError(err, c);
      return redirect(c, buildRedirectUrl(target, campaign.utm, null));
    }
    return redirect(c, buildRedirectUrl(target, campaign.utm, token));
  };
}

function redirect(c: Context, location: string): Response {
  // `location` is always a URL#href we built: CR/LF and controls are percent-encoded by URL.
  c.header('Referrer-Policy', 'no-referrer');
  return c.redirect(location, 302);
}
