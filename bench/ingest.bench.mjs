// Collector ingest throughput (issue 2): autocannon, 127.0.0.1, 50 connections, the server in
// its own process (bench/lib/ingest-server.mjs) so load generator and server each get a core.
//   (a) bare Hono POST returning 204 (the HTTP ceiling)
//   (b) /v1/track, one event per request
//   (c) /v1/batch, 20 events per request
//   (d) (c) again after the database holds 5 M events (prefilled by direct SQL, bench/lib/prefill.mjs)
// Every event has a fresh random UUIDv4 messageId (a foreign client's worst case) and a
// browser-like context + user agent. Targets: (b) ≥ 0.5×(a) req/s; (c) ≥ 40 000 durable
// events/s with p99 ≤ 50 ms; (d) ≥ 0.8×(c). After each collector run the server is stopped
// with SIGTERM and the stored events are counted: every 2xx must be in the database.
// Run: `pnpm bench` (builds first) or `node bench/ingest.bench.mjs` after a build.
// Env: INGEST_BENCH_SECONDS (default 10), INGEST_BENCH_CONNECTIONS (50),
//      INGEST_BENCH_PREFILL (events before (d), default 5000000), OMNITRAIL_DIST,
//      INGEST_BENCH_FRESH=1 to rebuild the prefilled database instead of reusing the copy kept
//      in the temp dir (keyed by event count and schema version) from an earlier run.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdtempSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { ensureDedupSnapshot, prefill, sdkContext } from './lib/prefill.mjs';

const root = new URL('..', import.meta.url).pathname;
const dist = process.env.OMNITRAIL_DIST ?? join(root, 'packages/collector/dist');
// The same better-sqlite3 build the collector picks for this Node (store/sqlite/driver.ts).
const Database = (await import(pathToFileURL(join(dist, 'node.js')).href)).sqliteDriver();
const seconds = Number(process.env.INGEST_BENCH_SECONDS ?? 10);
const connections = Number(process.env.INGEST_BENCH_CONNECTIONS ?? 50);
const prefillTo = Number(process.env.INGEST_BENCH_PREFILL ?? 5_000_000);
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

function startServer(args) {
  const child = spawn(process.execPath, [join(root, 'bench/lib/ingest-server.mjs'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, ...JSON.parse(line) });
    });
    child.once('exit', (code) => reject(new Error(`bench server exited (${code}) before listening: ${out}`)));
  });
}

function stopServer(srv) {
  return new Promise((resolve, reject) => {
    srv.child.removeAllListeners('exit');
    srv.child.once("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`bench server ${srv.url} exited with ${code ?? signal}`))));
    srv.child.kill('SIGTERM');
  });
}

let seq = 0;
function event(i) {
  const n = seq++;
  return {
    type: 'track',
    event: 'Product Viewed',
    messageId: randomUUID(),
    anonymousId: `anon-${n % 20_000}`,
    timestamp: new Date().toISOString(),
    properties: { product_id: `p-${n % 5000}`, price: 19.99, currency: 'EUR', position: i },
    context: { ...sdkContext(n), userAgent: UA },
  };
}

function load(srv, path, perRequest) {
  const auth = 'Basic ' + Buffer.from(`${srv.writeKey}:`).toString('base64');
  const body = () =>
    JSON.stringify(perRequest === 1 ? event(0) : { batch: Array.from({ length: perRequest }, (_, i) => event(i)), sentAt: new Date().toISOString() });
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: srv.url,
        connections,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            path,
            headers: { 'content-type': 'application/json', authorization: auth },
            setupRequest: (req) => ({ ...req, body: body() }),
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
}

function row(name, r, perRequest, base) {
  const ok = r['2xx'];
  const rps = ok / r.duration;
  return {
    run: name,
    'req/s': Math.round(rps),
    'events/s': perRequest ? Math.round(rps * perRequest) : '-',
    'p50 ms': r.latency.p50,
    'p99 ms': r.latency.p99,
    'ratio to (a)': base ? +(rps / base).toFixed(2) : 1,
    'non-2xx': r.non2xx + r.errors + r.timeouts,
    _ok: ok,
  };
}

function schemaVersion(dbPath) {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true });
  } finally {
    db.close();
  }
}

function storedEvents(dbPath) {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM events').pluck().get();
  } finally {
    db.close();
  }
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'omnitrail-ingest-bench-'));
  const dbPath = join(dir, 'ingest.db');
  const t0 = performance.now();
  try {
    let srv = await startServer(['bare']);
    const a = row('(a) bare Hono POST → 204', await load(srv, '/v1/track', 1), 0, 0);
    await stopServer(srv);
    const base = a['req/s'];

    // (b) and (c) each on a fresh database in a fresh server process, like (d): the same cold
    // caches (identity deriver, page cache), so (c) vs (d) differs only by the 5 M stored events.
    srv = await startServer(['collector', dbPath]);
    const b = row('(b) /v1/track, 1 event', await load(srv, '/v1/track', 1), 1, base);
    await stopServer(srv);
    const dbC = join(dir, 'batch.db');
    srv = await startServer(['collector', dbC]);
    const c = row('(c) /v1/batch, 20 events', await load(srv, '/v1/batch', 20), 20, base);
    await stopServer(srv);
    const acked = b._ok + c._ok * 20;
    const stored = storedEvents(dbPath) + storedEvents(dbC);
    if (stored < acked) throw new Error(`durability: ${acked} events acknowledged but only ${stored} stored`);

    // (d) runs on a copy of a database prefilled with `prefillTo` events by direct SQL.
    const version = schemaVersion(dbPath);
    const template = join(tmpdir(), `omnitrail-ingest-bench-${prefillTo}-v${version}.db`);
    let prefillInfo = null;
    if (!existsSync(template) || process.env.INGEST_BENCH_FRESH) {
      const building = join(dir, 'template.db');
      const s = await startServer(['collector', building]); // creates the schema and the bench site
      await stopServer(s);
      prefillInfo = await prefill(building, s.siteId, prefillTo);
      renameSync(building, template);
    }
    await ensureDedupSnapshot(template);
    const bigDb = join(dir, 'big.db');
    copyFileSync(template, bigDb);
    // Write the 4–5 GB copy back to disk now, so its writeback does not compete with (d)'s fsyncs.
    const fd = openSync(bigDb, 'r');
    fsyncSync(fd);
    closeSync(fd);
    const before = storedEvents(bigDb);
    srv = await startServer(['collector', bigDb]);
    const d = row(`(d) /v1/batch, 20 events, ${(before / 1e6).toFixed(1)} M stored`, await load(srv, '/v1/batch', 20), 20, base);
    await stopServer(srv);
    const after = storedEvents(bigDb);
    if (after - before < d._ok * 20) throw new Error(`durability: ${d._ok * 20} events acknowledged in (d) but ${after - before} stored`);

    const rows = [a, b, c, d];
    console.log(
      `\nIngest bench: ${seconds} s per run, ${connections} connections, Node ${process.version}, ` +
        `load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}, database for (d) ${(statSync(bigDb).size / 1e9).toFixed(2)} GB`,
    );
    console.table(rows.map(({ _ok, ...r }) => r));
    console.log(
      prefillInfo
        ? `prefill: ${prefillTo} events by direct SQL in ${prefillInfo.seconds.toFixed(0)} s (${Math.round(prefillInfo.rowsPerSec)} rows/s), kept as ${template}`
        : `prefill: reused ${template} (INGEST_BENCH_FRESH=1 rebuilds it)`,
    );
    console.log(`durability: ${acked + d._ok * 20} events acknowledged, all stored (${after} rows)`);
    const verdict = (ok) => (ok ? 'MET' : 'MISSED');
    console.log(`target (b) ≥ 0.5×(a) req/s: ${verdict(b['ratio to (a)'] >= 0.5)} (${b['ratio to (a)']})`);
    console.log(`target (c) ≥ 40 000 events/s, p99 ≤ 50 ms: ${verdict(c['events/s'] >= 40_000 && c['p99 ms'] <= 50)} (${c['events/s']}/s, p99 ${c['p99 ms']} ms)`);
    console.log(`target (d) ≥ 0.8×(c): ${verdict(d['events/s'] >= 0.8 * c['events/s'])} (${(d['events/s'] / c['events/s']).toFixed(2)})`);
    console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
