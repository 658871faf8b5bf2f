import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';

/**
 * The request body of an admin route as a JSON object (`{}` when empty); 400 with a clear
 * message otherwise.
 *
 * @example
 * const body = await jsonBody(c); // { name: 'Spring flyer', … }
 */
export async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (!text) return {};
  try {
    const v = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v;
  } catch {
    /* fall through */
  }
  throw new HTTPException(400, { message: 'Request body must be a JSON object' });
}
