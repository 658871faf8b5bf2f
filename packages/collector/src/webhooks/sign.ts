/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the signed content is
 * `<webhook-id>.<webhook-timestamp>.<body>`, HMAC-SHA256 with the secret's base64 part as key,
 * sent as `webhook-signature: v1,<base64>`. Receivers verify with any Standard Webhooks library
 * (`standardwebhooks` on npm, Svix's SDKs). WebCrypto only, so it runs on edge runtimes too.
 *
 * @example
 * const headers = await webhookHeaders(secret, 'msg_42', Math.floor(Date.now() / 1000), body);
 */
export async function webhookHeaders(secret: string, msgId: string, timestampSec: number, body: string): Promise<Record<string, string>> {
  const raw = atob(secret.startsWith('whsec_') ? secret.slice(6) : secret);
  const keyBytes = Uint8Array.from(raw, (ch) => ch.charCodeAt(0));
  const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${msgId}.${timestampSec}.${body}`)));
  let bin = '';
  for (const b of mac) bin += String.fromCharCode(b);
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': `v1,${btoa(bin)}`,
  };
}
