import { webhookHeaders } from './sign';

/** What the usual network failures mean, for the webhook's last error (CLI, dashboard, API). */
const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed TLS certificate in chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not verifiable',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate is for another host',
};

/** What one POST to a webhook endpoint gave: `status` 0 when no HTTP response came back. */
export interface WebhookAttempt {
  ok: boolean;
  status: number;
  error: string | null;
}

/** Options of {@link sendWebhook}. */
export interface SendWebhookOptions {
  /** Longest wait for the response headers (ms). Default 10 000. */
  timeoutMs?: number;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Aborts the request (shutdown). */
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * The fetch for one webhook: `publicFetch` (connects only to public addresses) unless the
 * operator registered it and so may point it at a private network (`privateOk`).
 *
 * @example
 * sendWebhook(w.url, w.secret, id, body, { fetch: fetchFor(w, { publicFetch: publicOnlyFetch() }) });
 */
export function fetchFor(w: { privateOk: boolean }, o: { fetch?: typeof fetch; publicFetch?: typeof fetch }): typeof fetch | undefined {
  return w.privateOk ? o.fetch : (o.publicFetch ?? o.fetch);
}

/**
 * POSTs one signed message and says how it went; never throws. Only a 2xx counts as delivered.
 * Redirects are not followed: a signed body goes only to the registered URL.
 *
 * @example
 * const r = await sendWebhook('https://crm.example/hooks', secret, 'msg_42', body);
 * if (!r.ok) console.log(r.status, r.error);
 */
export async function sendWebhook(url: string, secret: string, msgId: string, body: string, opts: SendWebhookOptions = {}): Promise<WebhookAttempt> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const headers = await webhookHeaders(secret, msgId, Math.floor((opts.now ?? Date.now)() / 1000), body);
  const signals = [AbortSignal.timeout(timeoutMs), ...(opts.signal ? [opts.signal] : [])];
  try {
    const res = await (opts.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'Omnitrail-Webhooks/1' },
      body,
      redirect: 'manual',
      signal: AbortSignal.any(signals),
    });
    if (res.status >= 200 && res.status < 300) {
      await res.body?.cancel();
      return { ok: true, status: res.status, error: null };
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      return { ok: false, status: res.status, error: `redirect to ${res.headers.get('location') ?? '?'} not followed: register the final URL` };
    }
    const text = (await res.text().catch(() => '')).replace(/\s+/g, ' ').trim().slice(0, 200);
    return { ok: false, status: res.status, error: `HTTP ${res.status}${text ? `: ${text}` : ''}` };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError') return { ok: false, status: 0, error: `no response within ${timeoutMs} ms` };
    const code = err.cause?.code;
    // A receiver refused by the private-network guard (node/public-fetch.ts): its message says why.
    if (code === 'EPRIVATEADDR') return { ok: false, status: 0, error: err.cause!.message ?? code };
    const plain = code && NETWORK_ERRORS[code];
    return { ok: false, status: 0, error: plain ? `${plain} (${code})` : (code ?? err.cause?.message ?? err.message) };
  }
}
