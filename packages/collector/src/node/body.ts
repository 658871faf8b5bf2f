import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { Context } from 'hono';

/**
 * Read a request body straight from Node's `IncomingMessage`, with the byte limit enforced while
 * reading. Used by the Node adapter instead of `c.req.text()`: touching the body through the Web
 * `Request` makes @hono/node-server build a full undici Request (AbortController, web-stream
 * adapter) per request, which cost about a third of the ingest hot path in a profile.
 *
 * Same rules as hono's `bodyLimit`: a declared Content-Length over the limit is refused before
 * reading anything; otherwise bytes are counted as they arrive and reading stops at the limit.
 * With `gzip`, both the compressed and the decompressed byte counts are limited (zip bombs stop
 * at the limit). Returns `null` (too large), the text, or `undefined` when this is not a Node
 * request (the caller then falls back to the Web path).
 *
 * @example
 * createCollector({ store, readBody: readNodeBody });
 */
export function readNodeBody(c: Context, maxBytes: number, gzip = false): Promise<string | null> | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || typeof incoming.on !== 'function' || incoming.readableEnded || incoming.readableDidRead) return undefined;
  const cl = incoming.headers['content-length'];
  if (cl !== undefined && incoming.headers['transfer-encoding'] === undefined && Number(cl) > maxBytes) {
    return Promise.resolve(null);
  }
  if (!gzip) return collect(incoming, maxBytes, null);
  const gunzip = createGunzip();
  let raw = 0;
  const onRaw = (d: Buffer) => {
    raw += d.length;
    if (raw > maxBytes) {
      incoming.unpipe(gunzip);
      incoming.pause();
      gunzip.destroy(new TooLarge());
    }
  };
  incoming.on('data', onRaw);
  incoming.on('aborted', () => gunzip.destroy(new Error('client aborted the request body')));
  incoming.pipe(gunzip);
  return collect(gunzip, maxBytes, incoming).finally(() => incoming.off('data', onRaw));
}

class TooLarge extends Error {}

function collect(stream: Readable, maxBytes: number, source: IncomingMessage | null): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('aborted', onAborted);
    };
    const onData = (d: Buffer) => {
      size += d.length;
      if (size > maxBytes) {
        cleanup();
        // Stop reading: the rest is never buffered; Node closes the connection after the 413.
        if (source) {
          source.unpipe(stream as unknown as NodeJS.WritableStream);
          source.pause();
          stream.destroy();
        } else stream.pause();
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
      if (e instanceof TooLarge) resolve(null);
      else reject(e);
    };
    const onAborted = () => onError(new Error('client aborted the request body'));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('aborted', onAborted);
  });
}
