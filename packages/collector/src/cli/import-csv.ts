import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { Transform } from 'node:stream';
import { parse } from 'csv-parse';
import cliProgress from 'cli-progress';
import { applyOrders, applyTouchpoints, type OfflineStore, type RecordWarning } from '../orders/apply';
import { textDecoder, utf8Checker, type CsvEncoding } from '../orders/csv-encoding';
import { createPiiMemo } from '../orders/identifiers';
import { isBlank } from '../orders/parse';
import { OrderGrouper, resolveColumns, rowToFields, sniffDelimiter, type ImportKind } from './import-rows';

/**
 * The CSV import engine behind `omnitrail import`: streaming parse, column mapping, line-item
 * grouping, batched writes to a store or a collector over HTTP, progress bar.
 */

/** A rejected CSV row. */
export interface RejectedRow {
  /** The file, when an import reads several. */
  file?: string;
  line: number;
  id?: string;
  reason: string;
}

/** Result of {@link importCsv}. */
export interface ImportSummary {
  kind: ImportKind | 'events';
  rows: number;
  records: number;
  accepted: number;
  duplicates: number;
  rejected: RejectedRow[];
  warnings: RecordWarning[];
  ms: number;
}

/** Writes one batch somewhere; `lines[i]` is the CSV line of `inputs[i]`. */
export type ImportSink = (
  inputs: Record<string, unknown>[],
  lines: number[],
) => Promise<{ accepted: number; duplicates: number; rejected: RejectedRow[]; warnings: RecordWarning[] }>;

/** Options of {@link importCsv}. */
export interface ImportOptions {
  kind: ImportKind;
  file: string;
  sink: ImportSink;
  mappings?: Record<string, string>;
  /** Channel for order rows without one. */
  channel?: string;
  /** ISO 4217 currency for order rows without one (a currency column still wins). */
  currency?: string;
  delimiter?: string;
  /** `auto` (default): UTF-8 when the whole file is valid UTF-8, else Windows-1252. */
  encoding?: CsvEncoding;
  batchSize?: number;
  /** Progress bar target; none when absent. */
  progress?: { write(s: string): unknown; isTTY?: boolean } | null;
  onReject?: (r: RejectedRow) => void;
}

/** SHA-256 hex of the UTF-8 bytes of `s`, synchronously (what `sha256Hex` computes with Web Crypto). */
export const sha256HexSync = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** A sink writing straight into a store (same code path as the HTTP API). */
export function storeSink(
  store: OfflineStore,
  siteId: string,
  kind: ImportKind,
  opts: { defaultCountry?: string; now?: () => number; dryRun?: boolean } = {},
): ImportSink {
  const apply = kind === 'orders' ? applyOrders : applyTouchpoints;
  // node:crypto hashes synchronously (~1 µs) where a Web Crypto digest costs ~15 µs of async
  // hops; the digest is the same SHA-256 hex, so imported values match every other entry point.
  const piiMemo = createPiiMemo(200_000, sha256HexSync);
  return async (inputs, lines) => {
    const r = await apply(store, siteId, inputs, { now: (opts.now ?? Date.now)(), defaultCountry: opts.defaultCountry, indexOf: (i) => lines[i], piiMemo, dryRun: opts.dryRun });
    return {
      accepted: r.accepted,
      duplicates: r.duplicates,
      rejected: r.rejected.map((x) => ({ line: x.index, id: 'order_id' in x ? x.order_id : 'touchpoint_id' in x ? x.touchpoint_id : undefined, reason: x.reason })),
      warnings: r.warnings,
    };
  };
}

/** A sink posting to a running collector (`POST /v1/orders` / `/v1/touchpoints`), retrying 429/5xx/network errors. */
export function httpSink(url: string, secretKey: string, kind: ImportKind, opts: { defaultCountry?: string } = {}): ImportSink {
  const endpoint = collectorEndpoint(url, `/v1/${kind}`);
  if (opts.defaultCountry) endpoint.searchParams.set('defaultCountry', opts.defaultCountry);
  return async (inputs, lines) => {
    const body = (await postWithRetry(endpoint, `Bearer ${secretKey}`, { [kind]: inputs })) as {
      accepted: number;
      duplicates: number;
      rejected: { index: number; order_id?: string; touchpoint_id?: string; reason: string }[];
      warnings?: RecordWarning[];
    };
    return {
      accepted: body.accepted,
      duplicates: body.duplicates,
      rejected: body.rejected.map((x) => ({ line: lines[x.index], id: x.order_id ?? x.touchpoint_id, reason: x.reason })),
      warnings: (body.warnings ?? []).map((w) => ({ ...w, index: lines[w.index] })),
    };
  };
}

/**
 * The URL of `path` (`/v1/…`) on the collector at `base`, under its path when it has one: a
 * collector behind a reverse proxy at `https://shop.example/omnitrail` takes its API there, and
 * `new URL('/v1/batch', base)` would post to the shop's own root instead.
 *
 * @example
 * collectorEndpoint('https://shop.example/omnitrail', '/v1/batch').href // 'https://shop.example/omnitrail/v1/batch'
 */
export function collectorEndpoint(base: string, path: string): URL {
  const u = new URL(base);
  u.pathname = u.pathname.replace(/\/+$/, '') + path;
  u.search = '';
  u.hash = '';
  return u;
}

/**
 * POSTs `body` as JSON and returns the parsed 2xx answer. Network errors, 429 and 5xx are
 * retried (Retry-After honoured, else backoff with jitter) up to six attempts; any other status
 * throws with the collector's message. Shared by every import sink that talks HTTP.
 *
 * @example
 * const res = await postWithRetry(new URL('/v1/orders', url), `Bearer ${secretKey}`, { orders });
 */
export async function postWithRetry(endpoint: URL, authorization: string, body: unknown): Promise<unknown> {
  const text = JSON.stringify(body);
  for (let attempt = 0; ; attempt++) {
    let res: Response | null = null;
    try {
      res = await fetch(endpoint, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: text });
    } catch (e) {
      if (attempt >= 5) throw new Error(`cannot reach ${endpoint.origin}: ${(e as Error).message}`);
    }
    if (res && res.ok) return res.json();
    if (res && res.status !== 429 && res.status < 500) {
      const answer = await res.text();
      let msg = answer;
      try {
        msg = (JSON.parse(answer) as { message?: string }).message ?? answer;
      } catch {
        /* not JSON */
      }
      throw new Error(`${endpoint.pathname} answered ${res.status}: ${msg}`);
    }
    if (attempt >= 5) throw new Error(`${endpoint.pathname} answered ${res?.status} after ${attempt + 1} attempts`);
    const retryAfter = Number(res?.headers.get('retry-after'));
    const wait = retryAfter > 0 ? retryAfter * 1000 : Math.min(10_000, 200 * 2 ** attempt) * (0.5 + Math.random() / 2);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** The import progress bar over a file's bytes (rows, rate and rejections beside it). */
export interface ImportBar {
  update(bytes: number, rows: number, rejected: number): void;
  stop(rows: number, rejected: number): void;
}

/**
 * A progress bar on `stream` labelled `label`, over `total` bytes; null without a stream.
 *
 * @example
 * const bar = importBar(process.stderr, 'events', statSync(file).size);
 */
export function importBar(stream: ImportOptions['progress'], label: string, total: number): ImportBar | null {
  if (!stream) return null;
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WritableStream,
      format: `${label} |{bar}| {percentage}% | {rows} rows | {rate} rows/s | {rejected} rejected | ETA {eta_formatted}`,
      noTTYOutput: true,
      notTTYSchedule: 2000,
      fps: 5,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const size = Math.max(total, 1);
  const payload = (rows: number, rejected: number) => ({ rows, rate: Math.round(rows / Math.max((Date.now() - started) / 1000, 0.001)), rejected });
  bar.start(size, 0, payload(0, 0));
  return {
    update: (bytes, rows, rejected) => bar.update(Math.min(bytes, size), payload(rows, rejected)),
    stop(rows, rejected) {
      bar.update(size, payload(rows, rejected));
      bar.stop();
    },
  };
}

/** Batches records for a sink; see {@link batchWriter}. */
export interface BatchWriter {
  /** Adds a record (from `line` of the file); writes a full batch, waiting for the one before. */
  push(input: Record<string, unknown>, line: number): Promise<void>;
  /** Writes what is left and waits for every write. */
  finish(): Promise<void>;
  /** After a failure: waits for the write in flight, ignoring its outcome. */
  settle(): Promise<void>;
}

/**
 * Collects records into batches of `batchSize` and writes them through `sink`, one batch in
 * flight while the next fills (reading the file overlaps with the database or network),
 * counting the outcome into `summary` and passing rejections to `reject`.
 *
 * @example
 * const writer = batchWriter(sink, 1000, summary, reject);
 * for (const [i, r] of records.entries()) await writer.push(r, i + 2);
 * await writer.finish();
 */
export function batchWriter(sink: ImportSink, batchSize: number, summary: ImportSummary, reject: (r: RejectedRow) => void): BatchWriter {
  let batch: Record<string, unknown>[] = [];
  let lines: number[] = [];
  let inFlight: Promise<void> | null = null;
  const send = async (inputs: Record<string, unknown>[], ls: number[]) => {
    const r = await sink(inputs, ls);
    summary.accepted += r.accepted;
    summary.duplicates += r.duplicates;
    r.rejected.forEach(reject);
    summary.warnings.push(...r.warnings);
  };
  return {
    async push(input, line) {
      batch.push(input);
      lines.push(line);
      if (batch.length < batchSize) return;
      const [b, l] = [batch, lines];
      batch = [];
      lines = [];
      if (inFlight) await inFlight;
      inFlight = send(b, l);
    },
    async finish() {
      if (inFlight) await inFlight;
      inFlight = null;
      const [b, l] = [batch, lines];
      batch = [];
      lines = [];
      if (b.length) await send(b, l);
    },
    async settle() {
      if (inFlight) await inFlight.catch(() => {});
    },
  };
}

/** UTF-8 when the whole file is valid UTF-8 (one streaming pass), else Windows-1252 (see `orders/csv-encoding.ts`). */
async function detectEncoding(file: string): Promise<'utf8' | 'windows-1252'> {
  const check = utf8Checker();
  for await (const chunk of createReadStream(file)) if (!check(chunk as Buffer, true)) return 'windows-1252';
  return check(undefined, false) ? 'utf8' : 'windows-1252';
}

function readHead(file: string, bytes = 65536): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Stream a CSV file into a sink in batches: parse (csv-parse, streaming), map columns, group
 * line items, write batch N while batch N+1 is parsed. Never holds the file in memory.
 *
 * @example
 * const summary = await importCsv({ kind: 'orders', file: 'pos.csv', sink: storeSink(store, site.id, 'orders') });
 */
export async function importCsv(opts: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const batchSize = Math.max(1, Math.min(opts.batchSize ?? 1000, 10_000));
  const size = statSync(opts.file).size;
  const delimiter = opts.delimiter ?? sniffDelimiter(readHead(opts.file).replace(/^\uFEFF/, ''));
  const encoding = opts.encoding && opts.encoding !== 'auto' ? opts.encoding : await detectEncoding(opts.file);
  const input = createReadStream(opts.file);
  const decode = textDecoder(encoding);
  const parser = input
    .pipe(
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          const text = decode(chunk, true);
          done(null, text.length ? text : undefined);
        },
        flush(done) {
          const text = decode(undefined, false);
          done(null, text.length ? text : undefined);
        },
      }),
    )
    .pipe(parse({ delimiter, bom: true, info: true, skip_empty_lines: true, relax_column_count: true }));
  const summary: ImportSummary = { kind: opts.kind, rows: 0, records: 0, accepted: 0, duplicates: 0, rejected: [], warnings: [], ms: 0 };
  const reject = (r: RejectedRow) => {
    summary.rejected.push(r);
    opts.onReject?.(r);
  };

  const bar = importBar(opts.progress, opts.kind, size);

  let columns: Record<string, number> | null = null;
  const writer = batchWriter(opts.sink, batchSize, summary, reject);
  const grouper = opts.kind === 'orders' ? new OrderGrouper() : null;

  const enqueue = async (rec: { input: Record<string, unknown>; line: number; error?: string }) => {
    summary.records++;
    if (rec.error) return reject({ line: rec.line, id: rec.input.order_id as string | undefined, reason: rec.error });
    if (opts.channel && rec.input.channel === undefined && opts.kind === 'orders') rec.input.channel = opts.channel;
    // An empty currency cell counts as none: the till wrote no currency for that row either.
    if (opts.currency && opts.kind === 'orders' && isBlank(rec.input.currency)) rec.input.currency = opts.currency;
    await writer.push(rec.input, rec.line);
  };

  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!columns) {
        const r = resolveColumns(record, opts.mappings ?? {}, opts.kind);
        if (r.missing.length) throw new Error(`column(s) not in the header: ${r.missing.join(', ')} (header: ${record.join(', ')})`);
        const key = opts.kind === 'orders' ? 'order_id' : 'type';
        if (r.columns[key] === undefined) {
          throw new Error(`no ${key} column: name one "${key}" or map it, e.g. --map ${key}=${record[0] ?? 'Column'} (header: ${record.join(', ')})`);
        }
        columns = r.columns;
        continue;
      }
      summary.rows++;
      const fields = rowToFields(record, columns);
      if (grouper) {
        const done = grouper.push(fields, info.lines);
        if (done) await enqueue(done);
      } else await enqueue({ input: fields, line: info.lines });
      if (bar && (summary.rows & 1023) === 0) bar.update(input.bytesRead, summary.rows, summary.rejected.length);
    }
    const last = grouper?.flush();
    if (last) await enqueue(last);
    await writer.finish();
  } finally {
    await writer.settle();
    bar?.stop(summary.rows, summary.rejected.length);
    input.destroy();
  }
  if (!columns) throw new Error('the file is empty (a header row is required)');
  summary.ms = Date.now() - started;
  return summary;
}
