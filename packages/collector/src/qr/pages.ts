import { html } from 'hono/html';
import type { CodeState } from './campaign';

const TEXT: Record<Exclude<CodeState, 'active'> | 'unknown', { title: string; body: string }> = {
  unknown: { title: 'This code is not known', body: 'We could not find this QR code. Please check that the whole code was scanned, or visit the shop directly.' },
  disabled: { title: 'This code is no longer active', body: 'The campaign behind this QR code has been switched off. Thank you for your interest!' },
  'not-started': { title: 'This campaign has not started yet', body: 'This QR code becomes active when the campaign starts. Please try again later.' },
  ended: { title: 'This campaign has ended', body: 'The offer behind this QR code is over. Thank you for your interest!' },
};

/**
 * The friendly page for a code that cannot be followed. It echoes nothing from the request
 * (no code, no query), so it cannot be used to reflect content.
 *
 * @example
 * c.html(friendlyPage('ended'), 410)
 */
export function friendlyPage(state: Exclude<CodeState, 'active'> | 'unknown'): string {
  const t = TEXT[state];
  return String(html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${t.title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1.25rem;color:#222}h1{font-size:1.4rem}</style>
</head><body><h1>${t.title}</h1><p>${t.body}</p></body></html>`);
}
