// Event backfill throughput: `omnitrail import events <export.ndjson.gz>` exactly as a user runs
// it (the built CLI in a child process) on N generated Segment-export events: into a fresh SQLite
// file (--db), the same file again (every event a duplicate), and through a running collector
// (--url, POST /v1/batch; the server in its own process) as the same-run comparison.
// Run: `pnpm bench` (builds first) or `node bench/backfill.bench.mjs` after a build.
// Env: BACKFILL_BENCH_EVENTS (default 300 000), OMNITRAIL_DIST (collector dist directory).
//
// The events look like a Segment S3 archive: 90 days of a shop with 20 000 browsers, page views,
// product views, identify calls with an e-mail trait (hashed on the way in) and orders; random
// UUIDv4 messageIds, corrected `timestamp` plus `originalTimestamp`/`sentAt`/`receivedAt`, the
// client IP and user agent in `context`; one event per thousand without any time (rejected).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createGzip } from 'node:zlib';
import { runCli } from './lib/cli.mjs';
import { sdkContext } from './lib/prefill.mjs';

const root = new URL('..', import.meta.url).pathname;
const dist = process.env.OMNITRAIL_DIST ?? join(root, 'packages/collector/dist');
const EVENTS = Number(process.env.BACKFILL_BENCH_EVENTS ?? 300_000);
const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

async function writeExport(file, n) {
  const gz = createGzip();
  const done = new Promise((r, j) => gz.pipe(createWriteStream(file)).on('finish', r).on('error', j));
  const write = (s) => (gz.write(s) ? undefined : new Promise((r) => gz.once('drain', r)));
  const t0 = Date.now() - 90 * 86_400_000;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const at = t0 + Math.floor((i / n) * 89 * 86_400_000);
    const anon = `a-${(i * 7919) % 20_000}`;
    const kind = i % 100;
    const base = { messageId: randomUUID(), anonymousId: anon, context: { ...sdkContext(i), ip: `198.51.100.${i % 250}`, userAgent: UA } };
    const ev =
      kind < 70
        ? { ...base, type: 'page', name: 'Product', properties: { path: `/p/${i % 5000}` } }
        : kind < 95
          ? { ...base, type: 'track', event: 'Product Viewed', properties: { product_id: `p-${i % 5000}`, price: 19.99, currency: 'EUR' } }
          : kind < 99
            ? { ...base, type: 'identify', userId: `C-${anon}`, traits: { email: `kunde-${anon}@example-shop.de`, plan: 'gold' } }
            : { ...base, type: 'track', event: 'Order Completed', properties: { order_id: `W-${i}`, revenue: 49.9, currency: 'EUR', products: [{ product_id: `p-${i % 5000}`, price: 49.9, quantity: 1 }] } };
    if (i % 1000 === 999) bad++;
    else Object.assign(ev, { timestamp: new Date(at).toISOString(), originalTimestamp: new Date(at - 2000).toISOString(), sentAt: new Date(at - 1500).toISOString(), receivedAt: new Date(at + 500).toISOString() });
    await write(JSON.stringify(ev) + '\n');
  }
  gz.end();
  await done;
  return { bad };
}

function startServer(db) {
  const child = spawn(process.execPath, [join(root, 'bench/lib/ingest-server.mjs'), 'collector', db], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const l = out.split('\n').find((x) => x.startsWith('{'));
      if (l) resolve({ child, ...JSON.parse(l) });
    });
  });
}

export async function run() {
  const { openSqliteStore } = await import(pathToFileURL(join(dist, 'node.js')).href);
  const dir = mkdtempSync(join(tmpdir(), 'omnitrail-backfill-bench-'));
  try {
    const file = join(dir, 'export.ndjson.gz');
    const gen = await writeExport(file, EVENTS);
    const db = join(dir, 'direct.db');
    const store = openSqliteStore(db);
    await store.createSite({ name: 'Bench', origins: ['https://shop.example'] });
    await store.close();
    const args = ['import', 'events', file, '--db', db, '--no-progress', '--rejects', join(dir, 'rejects.csv')];
    const first = await runCli(args);
    const second = await runCli(args);

    const httpDb = join(dir, 'http.db');
    const srv = await startServer(httpDb);
    let http;
    try {
      http = await runCli(['import', 'events', file, '--url', srv.url, '--write-key', srv.writeKey, '--no-progress']);
    } finally {
      await new Promise((r) => (srv.child.once('exit', r), srv.child.kill('SIGTERM')));
    }
    const count = (path) => {
      const s = openSqliteStore(path);
      const n = s.db.prepare('SELECT count(*) FROM events').pluck().get();
      return s.close().then(() => n);
    };
    const [stored, storedHttp] = [await count(db), await count(httpDb)];
    const row = (name, r) => ({
      run: name,
      events: EVENTS,
      'total s': +(r.ms / 1000).toFixed(1),
      'events/s': Math.round(EVENTS / (r.ms / 1000)),
      'cli cpu s': +r.cpu.toFixed(1),
      'vs --url': +(http.ms / r.ms).toFixed(2),
      summary: r.out.replace(/^events: /, ''),
    });
    const result = [row('--db, first import', first), row('--db, re-run (all duplicates)', second), row('--url (POST /v1/batch)', http)];
    console.log(
      `\nEvent backfill (load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores): ${EVENTS} events (${(statSync(file).size / 1e6).toFixed(0)} MB gzip), ${gen.bad} without a time; stored ${stored} (--db) and ${storedHttp} (--url)`,
    );
    console.table(result);
    const want = EVENTS - gen.bad;
    if (stored !== want || storedHttp !== want) throw new Error(`expected ${want} events stored, found ${stored} / ${storedHttp}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
