import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { reqHeader } from './headers';

/**
 * Read a JSON request body. Accepts `application/json` and `text/plain` holding JSON (what
 * `navigator.sendBeacon` and no-preflight `fetch` send), or no content type at all (a Blob
 * without type). The size limit is enforced before this runs, while reading, by hono's
 * `bodyLimit` middleware on the route. Throws 415 / 400 `HTTPException`s whose message says
 * what to fix. `limits.read` is the runtime's direct reader (see `CollectorOptions.readBody`);
 * it enforces the same limit while reading. Gzip bodies are limited after decompression too.
 *
 * @example
 * const body = await readJsonBody(c, { maxBytes: 512_000, tooLarge: () => { throw new HTTPException(413) } });
 */
export async function readJsonBody(
  c: Context,
  limits: {
    maxBytes: number;
    tooLarge: () => never;
    read?: (c: Context, maxBytes: number, gzip: boolean) => Promise<string | null> | undefined;
    /** Sees the body text before it is parsed (ingest's PII pre-check: `bodyHasAtSign`). */
    onText?: (text: string) => void;
  },
): Promise<unknown> {
  const ct = reqHeader(c, 'content-type');
  if (ct) {
    const semi = ct.indexOf(';');
    const mime = (semi === -1 ? ct : ct.slice(0, semi)).trim().toLowerCase();
    if (mime !== 'application/json' && mime !== 'text/plain' && !mime.endsWith('+json')) {
      throw new HTTPException(415, {
        message: `Content-Type ${mime} is not supported: send JSON as application/json or text/plain`,
      });
    }
  }
  // Segment's HTTP API accepts gzip bodies (analytics-python, -go and others can send them).
  const enc = reqHeader(c, 'content-encoding')?.trim().toLowerCase();
  const gzip = enc === 'gzip' || enc === 'x-gzip';
  if (enc && enc !== 'identity' && !gzip) {
    throw new HTTPException(415, { message: `Content-Encoding ${enc} is not supported: send the body uncompressed or gzip` });
  }
  const direct = limits.read?.(c, limits.maxBytes, gzip);
  let text: string;
  if (direct) {
    let t: string | null;
    try {
      t = await direct;
    } catch {
      throw new HTTPException(400, { message: gzip ? 'Request body is not valid gzip or was cut off' : 'Request body was not received completely' });
    }
    if (t === null) return limits.tooLarge();
    text = t;
  } else if (gzip) {
    const t = await gunzipText(c.req.raw.body, limits.maxBytes);
    if (t === null) return limits.tooLarge();
    text = t;
  } else text = await c.req.text();
  // A UTF-8 byte order mark (a JSON file saved by Windows Notepad, sent with curl --data-binary @file):
  // RFC 8259 §8.1 lets parsers ignore it; JSON.parse would refuse it with an invisible "Unexpected token".
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) throw new HTTPException(400, { message: 'Request body is empty: expected a JSON object' });
  limits.onText?.(text);
  try {
    return JSON.parse(text);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new HTTPException(400, { message: `Request body is not valid JSON (${detail.slice(0, 200)})` });
  }
}

/**
 * Decompress a gzip body with the Web `DecompressionStream`, counting decompressed bytes: a
 * small body that inflates past `maxBytes` (a zip bomb) is refused without inflating the rest.
 * Resolves null when too large; throws a 400 on corrupt data.
 */
async function gunzipText(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<string | null> {
  if (!body) return '';
  const reader = body.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        return null;
      }
      chunks.push(value);
    }
  } catch {
    throw new HTTPException(400, { message: 'Request body is not valid gzip or was cut off' });
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const ch of chunks) {
    all.set(ch, at);
    at += ch.length;
  }
  return new TextDecoder().decode(all);
}
