import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';

/**
 * Read a JSON request body. Accepts `application/json` and `text/plain` holding JSON (what
 * `navigator.sendBeacon` and no-preflight `fetch` send), or no content type at all (a Blob
 * without type). The size limit is enforced before this runs, while reading, by hono's
 * `bodyLimit` middleware on the route. Throws 415 / 400 `HTTPException`s whose message says
 * what to fix. `fast` is the runtime's direct reader (see `CollectorOptions.readBody`); it
 * enforces the same limit while reading.
 *
 * @example
 * const body = await readJsonBody(c); // unknown: a parsed JSON value
 */
export async function readJsonBody(
  c: Context,
  fast?: { read: (c: Context, maxBytes: number) => Promise<string | null> | undefined; maxBytes: number; tooLarge: () => never },
): Promise<unknown> {
  const ct = c.req.header('content-type');
  if (ct) {
    const semi = ct.indexOf(';');
    const mime = (semi === -1 ? ct : ct.slice(0, semi)).trim().toLowerCase();
    if (mime !== 'application/json' && mime !== 'text/plain' && !mime.endsWith('+json')) {
      throw new HTTPException(415, {
        message: `Content-Type ${mime} is not supported: send JSON as application/json or text/plain`,
      });
    }
  }
  const direct = fast?.read(c, fast.maxBytes);
  let text: string;
  if (direct) {
    let t: string | null;
    try {
      t = await direct;
    } catch {
      throw new HTTPException(400, { message: 'Request body was not received completely' });
    }
    if (t === null) return fast!.tooLarge();
    text = t;
  } else text = await c.req.text();
  if (text.length === 0) throw new HTTPException(400, { message: 'Request body is empty: expected a JSON object' });
  try {
    return JSON.parse(text);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new HTTPException(400, { message: `Request body is not valid JSON (${detail.slice(0, 200)})` });
  }
}
