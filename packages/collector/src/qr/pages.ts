import { html } from 'hono/html';
import type { CodeState } from './campaign';

const TEXT: Record<Exclude<CodeState, 'active'> | 'unknown', { title: string; body: string }> = {
  unknown: { title: 'This code is not known', body: 'We could not find this QR code. Please check that the whole code was scanned, or visit the shop directly.' },
  disabled: { title: 'This code is no longer active', body: 'The campaign behind this QR code has been switched off. Thank you for your interest!' },
  'not-started': { title: 'This campaign has not started yet', body: 'This QR code becomes active when the campaign starts. Please try again later.' },
  ended: { title: 'This campaign has ended', body: 'The offer behind this QR code is over. Thank you for your interest!' },
};

const TEXT_DE: typeof TEXT = {
  unknown: { title: 'Dieser Code ist uns nicht bekannt', body: 'Wir konnten diesen QR-Code nicht finden. Bitte prüfen Sie, ob der ganze Code gescannt wurde, oder besuchen Sie den Shop direkt.' },
  disabled: { title: 'Dieser Code ist nicht mehr aktiv', body: 'Die Aktion hinter diesem QR-Code wurde beendet. Vielen Dank für Ihr Interesse!' },
  'not-started': { title: 'Diese Aktion hat noch nicht begonnen', body: 'Dieser QR-Code wird mit dem Start der Aktion aktiv. Bitte versuchen Sie es später noch einmal.' },
  ended: { title: 'Diese Aktion ist beendet', body: 'Das Angebot hinter diesem QR-Code ist abgelaufen. Vielen Dank für Ihr Interesse!' },
};

/**
 * Headers of the collector's standalone HTML pages outside the dashboard (the friendly pages of
 * `/q/<code>`, the API's printable sheet): no script, no plugin, no form, inline styles only,
 * never framed (clickjacking), no MIME sniffing, no referrer.
 *
 * @example
 * return c.html(friendlyPage('ended'), 410, STANDALONE_PAGE_HEADERS);
 */
export const STANDALONE_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Language of the friendly page from `Accept-Language`: German when preferred, else English.
 *
 * @example
 * pageLanguage('de-DE,de;q=0.9,en;q=0.8') // 'de'
 */
export function pageLanguage(acceptLanguage: string | undefined): 'de' | 'en' {
  const first = (acceptLanguage ?? '').split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('de') ? 'de' : 'en';
}

/**
 * The friendly page for a code that cannot be followed. It echoes nothing from the request
 * (no code, no query), so it cannot be used to reflect content.
 *
 * @example
 * c.html(friendlyPage('ended'), 410)
 */
export function friendlyPage(state: Exclude<CodeState, 'active'> | 'unknown', lang: 'de' | 'en' = 'en'): string {
  const t = (lang === 'de' ? TEXT_DE : TEXT)[state];
  return String(html`<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${t.title}</title><link rel="icon" href="data:,">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1.25rem;color:#222}h1{font-size:1.4rem}</style>
</head><body><h1>${t.title}</h1><p>${t.body}</p></body></html>`);
}
