/** Imported HMAC keys by secret (importing costs more than signing a message). */
const keys = new Map<string, Promise<CryptoKey>>();

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
  let key = keys.get(secret);
  if (!key) {
    const raw = atob(secret.startsWith('whsec_') ? secret.slice(6) : secret);
    key = crypto.subtle.importKey('raw', Uint8Array.from(raw, (ch) => ch.charCodeAt(0)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    // A handful of webhooks per collector: the cache stays small; a removed webhook's key is
    // dropped with the oldest entries.
    if (keys.size >= 100) keys.delete(keys.keys().next().value!);
    keys.set(secret, key);
  }
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await key, new TextEncoder().encode(`${msgId}.${timestampSec}.${body}`)));
  let bin = '';
  for (const b of mac) bin += String.fromCharCode(b);
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': `v1,${btoa(bin)}`,
  };
}
