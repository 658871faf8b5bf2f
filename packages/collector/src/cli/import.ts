import { createWriteStream, readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { csvEncoding } from '../orders/csv-encoding';
import { siteCountry } from '../pii/index';
import { httpSink, importCsv, storeSink, type ImportSink, type ImportSummary, type RejectedRow } from './import-csv';
import { eventHttpSink, eventStoreSink, importEvents } from './import-events';
import { parseMappings, type ImportKind } from './import-rows';
import { CliError, stdio, type CliIo } from './io';
import { openExistingStore } from './store';

export const IMPORT_HELP = `Usage: omnitrail import <orders|touchpoints> <file.csv> [options]
       omnitrail import events <file.ndjson|file.json|file.gz|directory>… [options]

Import offline orders or touchpoints from a CSV file (header row required). Re-running the
same file is safe: orders are idempotent per order_id, touchpoints per touchpoint_id (or a
hash of the row). Rejected rows are reported with their line number and reason; the good
rows are imported anyway. Consecutive order rows with the same order_id (and status) are
line items of one order (product_id, sku, product_name, price, quantity, category columns).

Target (one of):
  --db <file>              SQLite database (default: $OMNITRAIL_DB or ./omnitrail.db)
  --site <id>              site in that database (default: the only site)
  --url <collector-url>    send through the HTTP API instead, with --secret-key
  --secret-key <key>       the site's secret key (HTTP mode; or $OMNITRAIL_SECRET_KEY)

Options:
  --map <field=Column>     map a CSV column to a field (repeatable), e.g. --map order_id=Bestellnr
                           orders: order_id channel location timestamp revenue currency status coupon
                             products(JSON) product_id sku product_name price quantity category
                           touchpoints: touchpoint_id type name timestamp location note staff channel
                             appointment_at
                           both: userId email phone email_sha256 phone_sha256 loyaltyId anonymousId
                             handoffCode qrCode scanToken ext.<name>
                           Columns named like a field (Order ID, customer_id, E-Mail…) map themselves.
  --default-country <CC>   country of national phone numbers, e.g. DE (default: site setting)
  --channel <name>         channel of orders whose row has none (default: store)
  --currency <code>        ISO 4217 currency of orders whose row has none, e.g. EUR (a currency
                           column still wins); without it such orders have no currency
  --delimiter <char>       field delimiter (default: guessed from the header: , ; tab |)
  --encoding <enc>         auto (default: UTF-8 if the file is valid UTF-8, else Windows-1252),
                           utf8, or windows-1252 (alias latin1: old Excel and POS exports, € intact)
  --batch <n>              records per write (default 1000; at most 1000 over HTTP)
  --rejects <file>         also write every rejected row to this CSV (line,id,reason)
  --dry-run                validate every row (codes included) against the database, write nothing
  --progress, --no-progress  progress bar on stderr (default: when stderr is a terminal)
  -h, --help               show this help

Times: ISO-8601 (2026-03-01 10:15, 2026-03-01T10:15:00+01:00), day-first dotted dates
(01.03.2026 10:15) or ms since epoch; without a zone they are read as UTC. Slashed dates
(01/03/2026: March 1 or January 3?) are rejected, never guessed.

Events (backfill history from Segment, RudderStack or your own export): one Segment-format event
per line (NDJSON, as Segment's S3/GCS archives hold them; gzip recognised), or one JSON array
(rejections then give the item's position as its "line"). Several files, or directories (every
file below them, in name order), are read one after the other; rejections then name the file.
Each event goes through the same checks, PII hashing and dedup by messageId as live ingest, so
re-running a file or overlapping exports stores nothing twice. Every event needs its time:
"timestamp" is kept as is (an export's timestamp is already clock-corrected), else
"originalTimestamp" is corrected by the export's own sentAt/receivedAt. Events older than the
site's retention are rejected. Targets: --db/--site as above, or --url with --write-key (the
site's public write key; $OMNITRAIL_WRITE_KEY), which posts to /v1/batch in requests under its
limits (so --batch may exceed 1000 there). Only --batch, --rejects and --progress apply.
Derived data is as for live events: orders from "Order Completed", QR scans, touchpoints, and
the webhooks that follow them (remove a webhook first if its receiver must not get history).

Exit status: 0 all rows imported; 3 some rows rejected (the rest was imported); 2 usage error; 1 other error.`;

/**
 * Every file below `dir`, hidden ones (and hidden folders) skipped. Symbolic links are followed,
 * to files and to folders: an archive assembled from several disks is often links, and skipping
 * them would import part of the history without a word. `seen` holds the real paths of the
 * folders walked, so a link back up the tree is read once.
 */
function filesBelow(dir: string, seen: Set<string>, out: string[]): void {
  const real = realpathSync(dir);
  if (seen.has(real)) return;
  seen.add(real);
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (d.name.startsWith('.')) continue;
    const path = join(dir, d.name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) throw new Error(`no such file or directory: ${path} (a broken link?)`);
    if (st.isDirectory()) filesBelow(path, seen, out);
    else if (st.isFile()) out.push(path);
  }
}

/**
 * The files of an event import: each path as given, a directory as every file below it (a
 * Segment S3 archive copied down: one file per hour, in nested date folders), in name order,
 * hidden files skipped, links followed. Throws when a path does not exist.
 */
function eventFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!statSync(p, { throwIfNoEntry: false })) throw new Error(`no such file or directory: ${p}`);
    if (!statSync(p).isDirectory()) {
      out.push(p);
      continue;
    }
    const below: string[] = [];
    filesBelow(p, new Set(), below);
    out.push(...below.sort());
  }
  return out;
}

/** One line for `omnitrail --help`. */
export const summary = 'import offline orders or touchpoints from a CSV file, or backfill events';

/** The CLI's io, plus where the progress bar goes (default: process.stderr). */
export type ImportIo = CliIo & { progress?: { write(s: string): unknown; isTTY?: boolean }; env?: Record<string, string | undefined> };

/**
 * An ISO 4217 code, upper-cased, or null when `s` is none. Stricter than a CSV cell (any three
 * letters): a typo here would stamp a wrong currency on every order of the file.
 */
function isoCurrency(s: string): string | null {
  const code = s.trim().toUpperCase();
  return /^[A-Z]{3}$/.test(code) && Intl.supportedValuesOf('currency').includes(code) ? code : null;
}

/** Rejected rows printed to stderr before the rest goes to `--rejects` only. */
const PRINT_REJECTS = 50;

const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * `omnitrail import <orders|touchpoints> <file.csv> [options]`. Returns the exit code.
 *
 * @example
 * const code = await run(['orders', 'pos.csv', '--db', 'omnitrail.db', '--map', 'order_id=Bestellnr']);
 */
export async function run(argv: string[], io: ImportIo = stdio): Promise<number> {
  const env = io.env ?? process.env;
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        site: { type: 'string' },
        url: { type: 'string' },
        'secret-key': { type: 'string' },
        'write-key': { type: 'string' },
        map: { type: 'string', multiple: true },
        'default-country': { type: 'string' },
        channel: { type: 'string' },
        currency: { type: 'string' },
        delimiter: { type: 'string' },
        encoding: { type: 'string' },
        batch: { type: 'string' },
        rejects: { type: 'string' },
        'dry-run': { type: 'boolean' },
        progress: { type: 'boolean' },
        'no-progress': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.err(`omnitrail import: ${(e as Error).message}\nRun "omnitrail import --help".`);
    return 2;
  }
  const v = args.values;
  if (v.help) {
    io.out(IMPORT_HELP);
    return 0;
  }
  const [kindArg, file, ...extra] = args.positionals;
  const fail = (msg: string, code = 2) => {
    io.err(`omnitrail import: ${msg}`);
    return code;
  };
  if (kindArg !== 'orders' && kindArg !== 'touchpoints' && kindArg !== 'events') {
    return fail(`expected "orders", "touchpoints" or "events", got ${JSON.stringify(kindArg ?? '')} (see --help)`);
  }
  const events = kindArg === 'events';
  if (!events && (!file || extra.length)) return fail('expected exactly one CSV file (see --help)');
  if (!file) return fail('expected an NDJSON or JSON file, several, or a directory (see --help)');
  let files: string[] = [];
  if (events) {
    try {
      files = eventFiles([file, ...extra]);
    } catch (e) {
      return fail((e as Error).message, 1);
    }
    if (!files.length) return fail(`no files in ${[file, ...extra].join(', ')}`, 1);
  }
  if (events) {
    const csvOnly = (['map', 'default-country', 'channel', 'currency', 'delimiter', 'encoding', 'dry-run', 'secret-key'] as const).find((k) => v[k] !== undefined);
    if (csvOnly) return fail(`--${csvOnly} applies to orders and touchpoints, not events (see --help)`);
  } else if (v['write-key'] !== undefined) return fail('--write-key applies to events; orders and touchpoints use --secret-key');
  const country = v['default-country'];
  if (country !== undefined && !/^[A-Za-z]{2}$/.test(country)) return fail('--default-country must be a two-letter country code such as DE');
  const currency = v.currency === undefined ? undefined : isoCurrency(v.currency);
  if (currency === null) return fail(`--currency must be an ISO 4217 currency code such as EUR, got ${JSON.stringify(v.currency)}`);
  if (currency && kindArg !== 'orders') return fail('--currency applies to orders only');
  const batchSize = v.batch === undefined ? 1000 : Number(v.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) return fail('--batch must be 1–10000');
  if (v.delimiter !== undefined && v.delimiter.replace('\\t', '\t').length !== 1) return fail('--delimiter must be one character');
  const encoding = csvEncoding(v.encoding);
  if (!encoding) return fail('--encoding must be auto, utf8 or windows-1252 (latin1)');
  let mappings: Record<string, string> = {};
  try {
    if (!events) mappings = parseMappings(v.map ?? [], kindArg);
  } catch (e) {
    return fail((e as Error).message);
  }

  let sink: ImportSink;
  let close = async () => {};
  const url = v.url ?? env.OMNITRAIL_URL;
  if (url) {
    if (events) {
      const key = v['write-key'] ?? env.OMNITRAIL_WRITE_KEY;
      if (!key) return fail('--url needs --write-key (or $OMNITRAIL_WRITE_KEY) for events');
      sink = eventHttpSink(url, key);
    } else {
      const key = v['secret-key'] ?? env.OMNITRAIL_SECRET_KEY;
      if (!key) return fail('--url needs --secret-key (or $OMNITRAIL_SECRET_KEY)');
      if (batchSize > 1000) return fail('--batch over HTTP is at most 1000');
      if (v['dry-run']) return fail('--dry-run works on a database (--db), not over HTTP');
      sink = httpSink(url!, key, kindArg, { defaultCountry: country?.toUpperCase() });
    }
  } else {
    const dbPath = v.db ?? env.OMNITRAIL_DB ?? './omnitrail.db';
    let store;
    try {
      // A bulk import updates random pages of the identity tables all over a growing file; a
      // 1 GiB page cache (allocated only as it fills) keeps a 1 M-row import's working set in memory.
      store = openExistingStore(dbPath, { cacheMb: 1024 });
    } catch (e) {
      if (e instanceof CliError) return fail(e.message, 1);
      return fail(`cannot open ${dbPath}: ${(e as Error).message}`, 1);
    }
    close = () => store.close();
    const sites = await store.listSites();
    const site = v.site ? sites.find((s) => s.id === v.site || s.name === v.site) : sites.length === 1 ? sites[0] : undefined;
    if (!site) {
      await close();
      const list = sites.map((s) => `${s.id} (${s.name})`).join(', ') || 'none — create one with "omnitrail site create"';
      return fail(v.site ? `no site ${v.site} in ${dbPath}; sites: ${list}` : `choose a site with --site; sites in ${dbPath}: ${list}`);
    }
    sink = events
      ? eventStoreSink(store, site)
      : storeSink(store, site.id, kindArg, { defaultCountry: country?.toUpperCase() ?? siteCountry(site.settings), dryRun: v['dry-run'] });
  }

  const rejectsOut = v.rejects ? createWriteStream(v.rejects) : null;
  const named = files.length > 1; // rejections name their file
  rejectsOut?.write(named ? 'file,line,id,reason\n' : 'line,id,reason\n');
  let printed = 0;
  const onReject = (r: RejectedRow) => {
    rejectsOut?.write(`${named ? csvCell(r.file ?? '') + ',' : ''}${r.line},${csvCell(r.id ?? '')},${csvCell(r.reason)}\n`);
    if (printed < PRINT_REJECTS) io.err(`${r.file ? `${r.file} ` : ''}line ${r.line}${r.id ? ` (${r.id})` : ''}: ${r.reason}`);
    else if (printed === PRINT_REJECTS) io.err(`… more rejected rows${v.rejects ? ` in ${v.rejects}` : '; use --rejects <file> to list them all'}`);
    printed++;
  };
  const progressStream = io.progress ?? process.stderr;
  const showProgress = v['no-progress'] ? false : (v.progress ?? !!progressStream.isTTY);

  try {
    const progress = showProgress ? progressStream : null;
    const s: ImportSummary = events
      ? await importEvents({ files, sink, batchSize, progress, onReject })
      : await importCsv({
          kind: kindArg,
          file,
          sink,
          mappings,
          channel: kindArg === 'orders' ? v.channel : undefined,
          currency,
          delimiter: v.delimiter?.replace('\\t', '\t'),
          encoding,
          batchSize,
          progress,
          onReject,
        });
    const secs = s.ms / 1000;
    const rate = Math.round(s.rows / Math.max(secs, 0.001));
    const warned = s.warnings.length ? `, ${s.warnings.length} warnings (e.g. line ${s.warnings[0].index}: ${s.warnings[0].warning})` : '';
    io.out(
      v['dry-run']
        ? `${kindArg} (dry run, nothing written): ${s.rows} rows → ${s.records} ${kindArg}: ${s.accepted} valid, ${s.rejected.length} rejected${warned} in ${secs.toFixed(1)} s`
        : events
          ? `events: ${s.records} events: ${s.accepted} imported, ${s.duplicates} already stored, ${s.rejected.length} rejected in ${secs.toFixed(1)} s (${rate} events/s)`
          : `${kindArg}: ${s.rows} rows → ${s.records} ${kindArg}: ${s.accepted} imported, ${s.duplicates} unchanged, ${s.rejected.length} rejected${warned} in ${secs.toFixed(1)} s (${rate} rows/s)`,
    );
    return s.rejected.length ? 3 : 0;
  } catch (e) {
    return fail((e as Error).message, 1);
  } finally {
    await new Promise<void>((r) => (rejectsOut ? rejectsOut.end(r) : r()));
    await close();
  }
}
