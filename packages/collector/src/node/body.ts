import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/**
 * Read a request body straight from Node's `IncomingMessage`, with the byte limit enforced while
 * reading. Used by the Node adapter instead of `c.req.text()`: touching the body through the Web
 * `Request` makes @hono/node-server build a full undici Request (AbortController, web-stream
 * adapter) per request, which costs a third of the ingest hot path.
 *
 * Same rules as hono's `bodyLimit`: a declared Content-Length over the limit is refused before
 * reading anything; otherwise bytes are counted as they arrive and reading stops at the limit.
 * Returns `null` (too large), the text, or `undefined` when this is not a Node request (the
 * caller then falls back to the Web path).
 *
 * @example
 * createCollector({ store, readBody: readNodeBody });
 */
export function readNodeBody(c: Context, maxBytes: number): Promise<string | null> | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || typeof incoming.on !== 'function' || incoming.readableEnded || incoming.readableDidRead) return undefined;
  const cl = incoming.headers['content-length'];
  if (cl !== undefined && incoming.headers['transfer-encoding'] === undefined && Number(cl) > maxBytes) {
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('aborted', onAborted);
    };
    const onData = (d: Buffer) => {
      size += d.length;
      if (size > maxBytes) {
        cleanup();
        // Stop reading: the rest is never buffered; Node closes the connection after the 413.
        incoming.pause();
        resolve(null);
        return;
      }
      chunks.push(d);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onAborted = () => onError(new Error('client aborted the request body'));
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('aborted', onAborted);
  });
}
