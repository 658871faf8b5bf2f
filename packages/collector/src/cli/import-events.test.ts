import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { startServer } from '../node/server';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index';
import { tempDbPath } from '../test-utils/harness';
import { run, type ImportIo } from './import';
import { historicEvent } from './import-events';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io: ImportIo = { out: (l) => out.push(l), err: (l) => err.push(l), progress: { isTTY: false, write: () => true } };
  return { io, out, err };
}

async function setup(content: string | Buffer, name: string) {
  const db = tempDbPath();
  const store = openSqliteStore(db);
  const { site } = await store.createSite({ name: 'Shop', origins: ['*'] });
  await store.close();
  const file = join(dirname(db), name);
  writeFileSync(file, content);
  return { db, file, siteId: site.id, writeKey: site.writeKey };
}

const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString();
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
// 90 days ago, as an export holds it: `timestamp` already clock-corrected by the old collector,
// `sentAt`/`receivedAt` from that day (correcting again by today's clock would move it to today).
const T = Math.floor((Date.now() - 90 * DAY) / 1000) * 1000;

const LINES = [
  JSON.stringify({ type: 'page', messageId: 'm-page', anonymousId: 'a-1', name: 'Home', timestamp: iso(T), originalTimestamp: iso(T - 3_600_000), sentAt: iso(T - 3_599_000), receivedAt: iso(T + 1000), context: { ip: '203.0.113.9', userAgent: UA, page: { url: 'https://shop.example/?utm_source=news', path: '/' } } }),
  '',
  JSON.stringify({ type: 'identify', messageId: 'm-identify', anonymousId: 'a-1', userId: 'C-1', timestamp: iso(T + 60_000), traits: { email: 'Jane@Example.com' } }),
  JSON.stringify({ type: 'track', messageId: 'm-order', anonymousId: 'a-1', event: 'Order Completed', timestamp: iso(T + 120_000), properties: { order_id: 'W-1', revenue: 50, currency: 'EUR' } }),
  // RudderStack-style: no `timestamp`, only the client's time and the old send/receive times.
  JSON.stringify({ type: 'track', messageId: 'm-orig', anonymousId: 'a-2', event: 'Viewed', originalTimestamp: iso(T), sentAt: iso(T + 5000), receivedAt: iso(T + 2000) }), // line 5
  JSON.stringify({ type: 'track', messageId: 'm-notime', anonymousId: 'a-3', event: 'Viewed' }), // line 6
  '{"type":"track",', // line 7
  JSON.stringify({ type: 'track', messageId: 'm-old', anonymousId: 'a-4', event: 'Viewed', timestamp: '2001-01-01T00:00:00Z' }), // line 8
  JSON.stringify({ type: 'track', messageId: 'm-anon', event: 'Viewed', timestamp: iso(T) }), // line 9
  '[1]', // line 10
  JSON.stringify({ batch: [{ type: 'track' }] }), // line 11
].join('\r\n');

const REJECTS = [
  'line 6 (m-notime): no "timestamp" or "originalTimestamp": an imported event needs the time it happened',
  expect.stringMatching(/^line 7: not valid JSON \(/),
  expect.stringMatching(/^line 8 \(m-old\): timestamp is older than the site's retention \(760 days\)/),
  'line 9 (m-anon): anonymousId or userId is required',
  'line 10: not a JSON object (one event per line)',
  'line 11: a {"batch": […]} request body: write one event per line',
];

function eventRow(store: SqliteStore, mid: string) {
  return store.db.prepare('SELECT ts, sent_at, original_timestamp, ua_browser, context, traits FROM events WHERE message_id = ?').get(mid) as
    | { ts: number; sent_at: string | null; original_timestamp: string; ua_browser: string | null; context: string; traits: string }
    | undefined;
}

describe('omnitrail import events', () => {
  it('stores an export with the times it happened, stitched and derived as live events, and rejects the rest by line', async () => {
    const { db, file, siteId } = await setup(LINES, 'export.ndjson');
    const rejects = join(dirname(db), 'rejects.csv');
    const a = capture();
    expect(await run(['events', file, '--db', db, '--rejects', rejects], a.io)).toBe(3);
    // Each in the order it was found: the file's own checks at once, the collector's per batch.
    expect(a.err).toHaveLength(REJECTS.length);
    expect(a.err).toEqual(expect.arrayContaining(REJECTS));
    expect(a.out[0]).toMatch(/^events: 10 events: 4 imported, 0 already stored, 6 rejected in [\d.]+ s \(\d+ events\/s\)$/);
    expect(readFileSync(rejects, 'utf8').split('\n')[1]).toBe('6,m-notime,"no ""timestamp"" or ""originalTimestamp"": an imported event needs the time it happened"');

    const store = openSqliteStore(db);
    try {
      const page = eventRow(store, 'm-page')!;
      expect(page.ts).toBe(T); // not T + (now − sentAt), which live ingest would make of it
      expect(page.sent_at).toBeNull();
      expect(page.ua_browser).toBe('Chrome');
      expect(page.context).not.toContain('203.0.113.9');
      expect(eventRow(store, 'm-orig')!.ts).toBe(T - 3000);
      // PII hashed as at ingest; the identify stitched the browser to the customer.
      expect(eventRow(store, 'm-identify')!.traits).not.toMatch(/jane/i);
      const person = await store.personOf(siteId, { kind: 'user', value: 'C-1' });
      expect(person!.identifiers).toContainEqual({ kind: 'anon', value: 'a-1' });
      // The web order was derived from its event, at the event's time.
      expect(await store.getOrder(siteId, 'W-1')).toMatchObject({ revenue: 50, ts: T + 120_000 });
    } finally {
      await store.close();
    }

    // Re-running the same export stores nothing twice.
    const b = capture();
    expect(await run(['events', file, '--db', db], b.io)).toBe(3);
    expect(b.out[0]).toMatch(/^events: 10 events: 0 imported, 4 already stored, 6 rejected/);
    const again = openSqliteStore(db);
    expect(again.db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(4);
    await again.close();
  });

  it('reads a gzipped JSON array and posts it to a running collector in requests under its limits', async () => {
    const events = Array.from({ length: 1500 }, (_, i) => ({
      type: 'track',
      messageId: `h-${i}`,
      anonymousId: `a-${i % 50}`,
      event: 'Product Viewed',
      timestamp: iso(T + i * 1000),
      sentAt: iso(T + i * 1000 + 500),
      properties: { product_id: `p-${i}`, note: 'x'.repeat(500) },
    }));
    events.push({ ...events[0], messageId: 'h-big', properties: { product_id: 'big', note: 'x'.repeat(40_000) } });
    const { db, file, siteId, writeKey } = await setup(gzipSync(JSON.stringify(events, null, 1)), 'export.json.gz');
    const store = openSqliteStore(db);
    const requests: number[] = [];
    const server = await startServer({ store, port: 0, host: '127.0.0.1', quiet: true, rateLimit: false });
    const seen = (r: Request) => requests.push(Number(r.headers.get('content-length')));
    const origFetch = globalThis.fetch;
    globalThis.fetch = (input, init) => (seen(new Request(input, init)), origFetch(input, init));
    try {
      const a = capture();
      const code = await run(['events', file, '--url', server.url, '--write-key', writeKey, '--batch', '2000'], a.io);
      expect(code).toBe(3);
      expect(a.err).toEqual(['line 1501 (h-big): event is larger than 32 KB']); // in an array, "line" is the item's position
      expect(a.out[0]).toMatch(/^events: 1501 events: 1500 imported, 0 already stored, 1 rejected/);
      // ~780 KB of events went in two requests, each under the 500 KB body limit.
      expect(requests.length).toBe(2);
      for (const n of requests) expect(n).toBeLessThanOrEqual(500 * 1024);
      expect(store.db.prepare('SELECT count(*), min(ts), max(ts) FROM events WHERE site_id = ?').raw().get(siteId)).toEqual([1500, T, T + 1499 * 1000]);
      const b = capture();
      expect(await run(['events', file, '--url', server.url, '--write-key', writeKey], b.io)).toBe(3);
      expect(b.out[0]).toMatch(/^events: 1501 events: 0 imported, 1500 already stored, 1 rejected/);
      const bad = capture();
      expect(await run(['events', file, '--url', server.url, '--write-key', 'wk_wrong'], bad.io)).toBe(1);
      expect(bad.err[0]).toMatch(/\/v1\/batch answered 401/);
    } finally {
      globalThis.fetch = origFetch;
      await server.close();
      await store.close();
    }
  });

  it('reads every file of an archive directory in name order, and names the file of each rejection', async () => {
    const ev = (mid: string, t: number) => JSON.stringify({ type: 'track', messageId: mid, anonymousId: 'a-1', event: 'Viewed', timestamp: iso(t) });
    const { db, file: single } = await setup(JSON.stringify({ type: 'track', event: 'x', timestamp: iso(T) }), 'one.ndjson');
    const root = join(dirname(db), 'archive');
    mkdirSync(join(root, '2026', '03', '02'), { recursive: true });
    mkdirSync(join(root, '2026', '03', '01'), { recursive: true });
    writeFileSync(join(root, '2026', '03', '01', 'h10.gz'), gzipSync([ev('d-1', T), 'nope'].join('\n')));
    writeFileSync(join(root, '2026', '03', '02', 'h09.json'), [ev('d-2', T + 1000), ev('d-1', T)].join('\n'));
    writeFileSync(join(root, '.DS_Store'), 'not an export');
    const rejects = join(dirname(db), 'rejects.csv');
    const c = capture();
    expect(await run(['events', root, single, '--db', db, '--rejects', rejects], c.io)).toBe(3);
    const h10 = join(root, '2026', '03', '01', 'h10.gz');
    expect(c.err).toEqual([expect.stringMatching(new RegExp(`^${h10.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line 2: not valid JSON`)), `${single} line 1: anonymousId or userId is required`]);
    expect(c.out[0]).toMatch(/^events: 5 events: 2 imported, 1 already stored, 2 rejected/);
    expect(readFileSync(rejects, 'utf8').split('\n')[0]).toBe('file,line,id,reason');
    expect(readFileSync(rejects, 'utf8')).toContain(`${single},1,,anonymousId or userId is required`);
    const missing = capture();
    expect(await run(['events', join(root, 'nope'), '--db', db], missing.io)).toBe(1);
    expect(missing.err[0]).toContain('no such file or directory');
  });

  it('refuses options that belong to the CSV imports, and keys of the wrong kind', async () => {
    const { db, file } = await setup(LINES, 'e.ndjson');
    for (const [args, msg] of [
      [['events', file, '--db', db, '--map', 'a=b'], '--map applies to orders and touchpoints, not events'],
      [['events', file, '--db', db, '--dry-run'], '--dry-run applies to orders and touchpoints, not events'],
      [['events', file, '--url', 'http://127.0.0.1:1', '--secret-key', 'sk_x'], '--secret-key applies to orders and touchpoints, not events'],
      [['events', file, '--url', 'http://127.0.0.1:1'], '--url needs --write-key (or $OMNITRAIL_WRITE_KEY) for events'],
      [['orders', file, '--db', db, '--write-key', 'wk_x'], '--write-key applies to events; orders and touchpoints use --secret-key'],
      [['visits', file], 'expected "orders", "touchpoints" or "events", got "visits"'],
    ] as const) {
      const c = capture();
      c.io.env = {};
      expect(await run([...args], c.io)).toBe(2);
      expect(c.err[0]).toContain(msg);
    }
  });
});

describe('historicEvent', () => {
  it('keeps an export timestamp, corrects a bare originalTimestamp by the export’s own times, and drops sentAt', () => {
    const a: Record<string, unknown> = { timestamp: '2026-03-01T10:00:00Z', sentAt: '2026-03-01T10:00:05Z' };
    expect(historicEvent(a)).toBeNull();
    expect(a).toEqual({ timestamp: '2026-03-01T10:00:00Z' });
    const b: Record<string, unknown> = { originalTimestamp: '2026-03-01T10:00:00Z', sentAt: '2026-03-01T10:00:05Z', receivedAt: '2026-03-01T09:00:05Z' };
    historicEvent(b);
    expect(b.timestamp).toBe('2026-03-01T09:00:00.000Z');
    const c: Record<string, unknown> = { originalTimestamp: '2026-03-01T10:00:00Z' };
    historicEvent(c);
    expect(c).toEqual({ originalTimestamp: '2026-03-01T10:00:00Z' });
    expect(historicEvent({ sentAt: '2026-03-01T10:00:05Z' })).toMatch(/needs the time/);
  });
});

describe('omnitrail import events: re-runs', () => {
  it('stores an event without messageId once, however often its file is imported', async () => {
    const ev = (t: number) => JSON.stringify({ type: 'track', anonymousId: 'a-1', event: 'Viewed', timestamp: iso(t) });
    const { db, file } = await setup([ev(T), ev(T + 1000)].join('\n'), 'no-ids.ndjson');
    const a = capture();
    expect(await run(['events', file, '--db', db], a.io)).toBe(0);
    expect(a.out[0]).toMatch(/^events: 2 events: 2 imported, 0 already stored/);
    const b = capture();
    expect(await run(['events', file, '--db', db], b.io)).toBe(0);
    expect(b.out[0]).toMatch(/^events: 2 events: 0 imported, 2 already stored/);
    const store = openSqliteStore(db);
    expect(store.db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(2);
    await store.close();
  });
});

describe('omnitrail import events: archive directories', () => {
  it('follows symbolic links below a directory (to files and to folders) instead of skipping them silently', async () => {
    const ev = (mid: string) => JSON.stringify({ type: 'track', messageId: mid, anonymousId: 'a-1', event: 'Viewed', timestamp: iso(T) });
    const { db, file: elsewhere } = await setup(ev('s-file'), 'elsewhere.ndjson');
    const root = join(dirname(db), 'archive');
    const other = join(dirname(db), 'other-disk');
    mkdirSync(root, { recursive: true });
    mkdirSync(other, { recursive: true });
    writeFileSync(join(root, 'h01.ndjson'), ev('s-own'));
    writeFileSync(join(other, 'h03.ndjson'), ev('s-dir'));
    symlinkSync(elsewhere, join(root, 'h02.ndjson'));
    symlinkSync(other, join(root, 'more'));
    symlinkSync(root, join(other, 'loop')); // a cycle must not make it read forever
    const c = capture();
    expect(await run(['events', root, '--db', db], c.io)).toBe(0);
    expect(c.out[0]).toMatch(/^events: 3 events: 3 imported/);
  });
});

describe('omnitrail import events: broken files', () => {
  it('refuses a JSON array file that is not UTF-8, naming it', async () => {
    const arr = JSON.stringify([{ type: 'track', messageId: 'x-1', anonymousId: 'a-1', event: 'Caf\u00e9 Viewed', timestamp: iso(T) }]);
    const { db, file } = await setup(Buffer.from(arr, 'latin1'), 'latin1.json');
    const c = capture();
    expect(await run(['events', file, '--db', db], c.io)).toBe(1);
    expect(c.err).toEqual([`omnitrail import: ${file} is not valid UTF-8: an export is UTF-8 JSON; re-encode the file`]);
  });

  it('rejects a line that is not UTF-8 instead of storing it with U+FFFD in place of its letters', async () => {
    const ev = (mid: string, name: string) => JSON.stringify({ type: 'track', messageId: mid, anonymousId: 'a-1', event: name, timestamp: iso(T) });
    // A Latin-1 "é" (0xE9) in line 2, as a hand-made export from a Windows tool holds it.
    const latin1 = Buffer.from(ev('u-2', 'Caf\u00e9 Viewed'), 'latin1');
    const content = Buffer.concat([Buffer.from(ev('u-1', 'Caf\u00e9 Viewed') + '\n'), latin1, Buffer.from('\n' + ev('u-3', '\u2603 Viewed'))]);
    const { db, file } = await setup(content, 'latin1.ndjson');
    const c = capture();
    expect(await run(['events', file, '--db', db], c.io)).toBe(3);
    expect(c.err).toEqual(['line 2: not valid UTF-8 (an export is UTF-8 JSON; re-encode the file)']);
    const store = openSqliteStore(db);
    expect(store.db.prepare('SELECT event FROM events ORDER BY message_id').pluck().all()).toEqual(['Caf\u00e9 Viewed', '\u2603 Viewed']);
    await store.close();
  });

  it('names the file that cannot be read (a truncated gzip in an archive)', async () => {
    const ev = (mid: string) => JSON.stringify({ type: 'track', messageId: mid, anonymousId: 'a-1', event: 'Viewed', timestamp: iso(T) });
    const whole = gzipSync(Array.from({ length: 200 }, (_, i) => ev(`t-${i}`)).join('\n'));
    const { db } = await setup('', 'unused.ndjson');
    const root = join(dirname(db), 'archive');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'h01.ndjson'), ev('ok-1'));
    writeFileSync(join(root, 'h02.gz'), whole.subarray(0, whole.length - 40)); // an interrupted download
    const c = capture();
    expect(await run(['events', root, '--db', db], c.io)).toBe(1);
    expect(c.err).toEqual([expect.stringContaining(`${join(root, 'h02.gz')}: unexpected end of file`)]);
  });
});

describe('omnitrail import events --url', () => {
  it('posts to a collector served under a path prefix (behind a reverse proxy), not to the host root', async () => {
    const { file, writeKey } = await setup(JSON.stringify({ type: 'track', messageId: 'p-1', anonymousId: 'a-1', event: 'Viewed', timestamp: iso(T) }), 'one.ndjson');
    const urls: string[] = [];
    const origFetch = globalThis.fetch;
    globalThis.fetch = async (input) => (urls.push(String(input)), Response.json({ accepted: 1, duplicates: 0, rejected: [] }));
    try {
      for (const base of ['https://shop.example/omnitrail', 'https://shop.example/omnitrail/', 'https://t.shop.example']) {
        const c = capture();
        expect(await run(['events', file, '--url', base, '--write-key', writeKey], c.io)).toBe(0);
      }
    } finally {
      globalThis.fetch = origFetch;
    }
    expect(urls).toEqual(['https://shop.example/omnitrail/v1/batch', 'https://shop.example/omnitrail/v1/batch', 'https://t.shop.example/v1/batch']);
  });
});
