import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { createUaCache } from '../ingest/enrich';
import { LIMITS } from '../ingest/limits';
import { createMetrics } from '../ingest/metrics';
import { ingestEvents } from '../ingest/pipeline';
import { parseIsoTime } from '../ingest/time';
import type { Envelope } from '../ingest/validate';
import { siteCountry } from '../pii/index';
import { retentionDays } from '../privacy/retention-policy';
import type { Site, Store } from '../store/types';
import { batchWriter, collectorEndpoint, importBar, postWithRetry, type ImportSink, type ImportSummary, type RejectedRow } from './import-csv';

/**
 * The event backfill behind `omnitrail import events`: Segment-format events from an export
 * (NDJSON, gzip or not, as Segment and RudderStack archive them; or one JSON array) stored with
 * the time they happened, through the same validation, PII hashing and dedup as live ingest.
 */

/** Options of {@link importEvents}. */
export interface EventImportOptions {
  /** Read in this order. */
  files: string[];
  sink: ImportSink;
  /** Events per write (default 1000). */
  batchSize?: number;
  progress?: { write(s: string): unknown; isTTY?: boolean } | null;
  onReject?: (r: RejectedRow) => void;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Makes an exported event say when it happened, for an ingest whose "now" is today. Live ingest
 * corrects `timestamp` by (receivedAt − sentAt) for the device's clock skew; for an event sent
 * months ago that "skew" would be months and the event would land today. So:
 * - `timestamp` is kept as is: in Segment's and RudderStack's exports it is already the corrected
 *   time (`receivedAt − (sentAt − originalTimestamp)`);
 * - without it, `originalTimestamp` is corrected with the export's own `sentAt` and `receivedAt`
 *   when both are there (the same formula), else kept;
 * - `sentAt` is then dropped, so ingest corrects nothing more.
 * Returns a reason when the event has no time at all: a history without dates would pile up on
 * the day of the import. Mutates `raw` (a freshly parsed object).
 *
 * @example
 * const ev = { timestamp: '2026-03-01T10:00:00Z', sentAt: '2026-03-01T10:00:05Z' };
 * historicEvent(ev) // null; ev is now { timestamp: '2026-03-01T10:00:00Z' }
 */
export function historicEvent(raw: Record<string, unknown>): string | null {
  if (raw.timestamp === undefined || raw.timestamp === null) {
    const orig = raw.originalTimestamp;
    if (orig === undefined || orig === null) return 'no "timestamp" or "originalTimestamp": an imported event needs the time it happened';
    const o = typeof orig === 'string' ? parseIsoTime(orig) : NaN;
    const sent = typeof raw.sentAt === 'string' ? parseIsoTime(raw.sentAt) : NaN;
    const received = typeof raw.receivedAt === 'string' ? parseIsoTime(raw.receivedAt) : NaN;
    // An unreadable originalTimestamp is left for validation, which names the field.
    if (!Number.isNaN(o) && !Number.isNaN(sent) && !Number.isNaN(received)) raw.timestamp = new Date(o + (received - sent)).toISOString();
  }
  delete raw.sentAt;
  return null;
}

const IMPORT_ID_PREFIX = 'imp-';
/** A messageId made by {@link contentMessageId}: not in the file, so rejections do not show it. */
const MADE_ID = /^imp-[\w-]{43}$/;

/**
 * Gives an exported event without `messageId` one made from its content, so importing the file
 * again (or an overlapping export) finds it stored: live ingest would make a random one, and every
 * re-run would store the event once more. Two lines with the very same content are one event.
 * Mutates `raw`; call it before anything else changes the event.
 *
 * @example
 * const ev = { type: 'track', event: 'Viewed', anonymousId: 'a', timestamp: '2026-03-01T10:00:00Z' };
 * contentMessageId(ev) // ev.messageId is now 'imp-…', the same for every run
 */
export function contentMessageId(raw: Record<string, unknown>): void {
  if (raw.messageId !== undefined && raw.messageId !== null) return;
  raw.messageId = IMPORT_ID_PREFIX + createHash('sha256').update(JSON.stringify(raw)).digest('base64url');
}

/**
 * A sink storing events straight into a store, as `POST /v1/batch` would (no request context:
 * the events' own `context.userAgent` classifies them; no IP, so no country).
 *
 * @example
 * const sink = eventStoreSink(store, site);
 */
export function eventStoreSink(store: Store, site: Site, opts: { now?: () => number } = {}): ImportSink {
  const uaOf = createUaCache();
  const metrics = createMetrics();
  const defaultCountry = siteCountry(site.settings);
  return async (inputs, lines) => {
    const receivedAt = (opts.now ?? Date.now)();
    const env: Envelope = {
      siteId: site.id,
      receivedAt,
      sentAt: null,
      sentAtRaw: null,
      context: null,
      contextBytes: 0,
      endpointType: null,
      requestUa: null,
      uaOf,
      country: null,
      oldest: receivedAt - retentionDays(site.settings) * 86_400_000,
      contextPii: false,
    };
    const r = await ingestEvents(inputs, env, store, metrics, { defaultCountry });
    return { accepted: r.accepted, duplicates: r.duplicates, rejected: r.rejected.map((x) => ({ line: lines[x.index], id: x.messageId, reason: x.reason })), warnings: [] };
  };
}

/** Request body budget of one HTTP batch: under the collector's 500 KB, with room for the envelope. */
const HTTP_BATCH_BYTES = LIMITS.maxBodyBytes - 8 * 1024;

/**
 * A sink posting to a running collector's `POST /v1/batch` with the site's write key, in
 * requests under its body and count limits; 429/5xx/network errors are retried.
 *
 * @example
 * const sink = eventHttpSink('https://collector.shop.example', 'wk_…');
 */
export function eventHttpSink(url: string, writeKey: string): ImportSink {
  const endpoint = collectorEndpoint(url, '/v1/batch');
  const auth = 'Basic ' + Buffer.from(`${writeKey}:`).toString('base64');
  return async (inputs, lines) => {
    const out = { accepted: 0, duplicates: 0, rejected: [] as RejectedRow[], warnings: [] };
    let chunk: unknown[] = [];
    let chunkLines: number[] = [];
    let bytes = 0;
    const post = async () => {
      if (!chunk.length) return;
      const res = (await postWithRetry(endpoint, auth, { batch: chunk })) as { accepted: number; duplicates: number; rejected: { index: number; messageId?: string; reason: string }[] };
      out.accepted += res.accepted;
      out.duplicates += res.duplicates;
      for (const x of res.rejected) out.rejected.push({ line: chunkLines[x.index], id: x.messageId, reason: x.reason });
      chunk = [];
      chunkLines = [];
      bytes = 0;
    };
    for (let i = 0; i < inputs.length; i++) {
      const size = Buffer.byteLength(JSON.stringify(inputs[i])) + 1; // with its comma in the batch
      if (size - 1 > LIMITS.maxEventBytes) {
        // Alone it could still push a request over 500 KB, and the collector refuses it anyway.
        const id = inputs[i].messageId;
        out.rejected.push({ line: lines[i], id: typeof id === 'string' ? id : undefined, reason: `event is larger than ${LIMITS.maxEventBytes / 1024} KB` });
        continue;
      }
      if (bytes + size > HTTP_BATCH_BYTES || chunk.length >= LIMITS.maxBatchEvents) await post();
      chunk.push(inputs[i]);
      chunkLines.push(lines[i]);
      bytes += size;
    }
    await post();
    out.rejected.sort((a, b) => a.line - b.line);
    return out;
  };
}

function startsWithGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** The first non-blank character of the (decompressed) file: `[` means one JSON array. */
async function firstChar(stream: Readable): Promise<string> {
  for await (const chunk of stream) {
    const m = /[^\s\uFEFF]/.exec(String(chunk));
    if (m) return m[0];
  }
  return '';
}

/**
 * The lines of a byte stream, as bytes (without the `\n`). Split before decoding so that each
 * line can be decoded strictly: a decoding stream would put U+FFFD in place of every byte that is
 * not UTF-8, and the event would be stored with its letters (or its ids) silently changed.
 */
async function* byteLines(stream: Readable): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let from = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, from)) {
      parts.push(chunk.subarray(from, nl));
      yield parts.length === 1 ? parts[0] : Buffer.concat(parts);
      parts = [];
      from = nl + 1;
    }
    if (from < chunk.length) parts.push(chunk.subarray(from));
  }
  if (parts.length) yield Buffer.concat(parts);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Rejection refs of file `i` start at `i * FILE_REF` (refs are `FILE_REF * file + line`). */
const FILE_REF = 2 ** 32;

/**
 * Imports every event of `files` (in order) through `sink`, in batches, one batch in flight while
 * the next is read. NDJSON is streamed (line numbers in rejections); a file holding one JSON
 * array is read whole (item numbers in rejections). Gzip is recognised by its magic bytes. With
 * several files (a Segment archive is one file per hour), each rejection names its file.
 *
 * @example
 * const summary = await importEvents({ files: ['segment-export.json.gz'], sink: eventStoreSink(store, site) });
 */
export async function importEvents(opts: EventImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const batchSize = Math.max(1, Math.min(opts.batchSize ?? 1000, 10_000));
  const sizes = opts.files.map((f) => statSync(f).size);
  const summary: ImportSummary = { kind: 'events', rows: 0, records: 0, accepted: 0, duplicates: 0, rejected: [], warnings: [], ms: 0 };
  const many = opts.files.length > 1;
  const reject = (r0: RejectedRow) => {
    const r = r0.id !== undefined && MADE_ID.test(r0.id) ? { ...r0, id: undefined } : r0;
    const named = many ? { ...r, file: opts.files[Math.floor(r.line / FILE_REF)], line: r.line % FILE_REF } : r;
    summary.rejected.push(named);
    opts.onReject?.(named);
  };
  const bar = importBar(opts.progress, 'events', sizes.reduce((a, b) => a + b, 0));
  const writer = batchWriter(opts.sink, batchSize, summary, reject);
  const add = async (v: unknown, ref: number) => {
    summary.records++;
    if (!isObject(v)) return reject({ line: ref, reason: 'not a JSON object (one event per line)' });
    if (Array.isArray(v.batch) && v.type === undefined) return reject({ line: ref, reason: 'a {"batch": […]} request body: write one event per line' });
    contentMessageId(v);
    const why = historicEvent(v);
    if (why) return reject({ line: ref, id: typeof v.messageId === 'string' ? v.messageId : undefined, reason: why });
    await writer.push(v, ref);
  };

  let before = 0; // bytes of the files already read
  const readFile = async (file: string, base: number) => {
    const gzip = startsWithGzip(file);
    const open = () => {
      const raw = createReadStream(file);
      const bytes = (gzip ? raw.pipe(createGunzip()) : raw) as Readable;
      return { raw, bytes };
    };
    const probe = open();
    const first = await firstChar(probe.bytes.setEncoding('utf8')).finally(() => probe.raw.destroy());
    if (first === '[') {
      // One JSON array: exports of a few thousand events. Big histories come as NDJSON.
      const buf = gzip ? gunzipSync(readFileSync(file)) : readFileSync(file);
      let all: string;
      try {
        all = strictUtf8.decode(buf); // as for NDJSON lines: never store U+FFFD in place of letters
      } catch {
        throw new Error(`${file} is not valid UTF-8: an export is UTF-8 JSON; re-encode the file`);
      }
      let items: unknown;
      try {
        items = JSON.parse(all.replace(/^\uFEFF/, ''));
      } catch (e) {
        throw new Error(`${file} starts with "[" but is not a valid JSON array (${(e as Error).message.slice(0, 200)}); big exports are easier as NDJSON, one event per line`);
      }
      for (const [i, item] of (items as unknown[]).entries()) {
        summary.rows++;
        await add(item, base + i + 1);
      }
      return;
    }
    const input = open();
    try {
      let line = 0;
      for await (const bytes of byteLines(input.bytes)) {
        line++;
        let l: string;
        try {
          l = strictUtf8.decode(bytes);
        } catch {
          summary.rows++;
          summary.records++;
          reject({ line: base + line, reason: 'not valid UTF-8 (an export is UTF-8 JSON; re-encode the file)' });
          continue;
        }
        const s = line === 1 ? l.replace(/^\uFEFF/, '').trim() : l.trim();
        if (!s) continue;
        summary.rows++;
        let v: unknown;
        try {
          v = JSON.parse(s);
        } catch (e) {
          summary.records++;
          reject({ line: base + line, reason: `not valid JSON (${(e as Error).message.slice(0, 120)})` });
          continue;
        }
        await add(v, base + line);
        if (bar && (summary.rows & 1023) === 0) bar.update(before + input.raw.bytesRead, summary.rows, summary.rejected.length);
      }
    } finally {
      input.raw.destroy();
    }
  };

  try {
    for (const [i, file] of opts.files.entries()) {
      await readFile(file, i * FILE_REF).catch((e: Error) => {
        // A gunzip or read error says nothing of where: in an archive of thousands of files,
        // the user must know which one to fetch again.
        throw e.message.startsWith(file) ? e : new Error(`${file}: ${e.message}`);
      });
      before += sizes[i];
    }
    await writer.finish();
  } finally {
    await writer.settle();
    bar?.stop(summary.rows, summary.rejected.length);
  }
  summary.ms = Date.now() - started;
  return summary;
}
