// Retention purge vs ingest: p99 of `/v1/track` (one event per request, fixed rate) while nothing
// else runs, then while `runRetention` deletes a large backlog of old events in the same process
// (which is how `omnitrail serve` runs it). The ratio of the two p99s is the figure to watch.
// Run: `pnpm bench` (builds first) or `node bench/retention.bench.mjs` after a build.
// Env: RETENTION_BENCH_ROWS (old events to purge, default 1 000 000), RETENTION_BENCH_RATE (req/s,
// default 500), RETENTION_BENCH_SECONDS (baseline run, default 8), OMNITRAIL_DIST.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';

const root = new URL('..', import.meta.url).pathname;
const dist = process.env.OMNITRAIL_DIST ?? join(root, 'packages/collector/dist');
const ROWS = Number(process.env.RETENTION_BENCH_ROWS ?? 1_000_000);
const RATE = Number(process.env.RETENTION_BENCH_RATE ?? 500);
const SECONDS = Number(process.env.RETENTION_BENCH_SECONDS ?? 8);
const DAY = 86_400_000;

function load(url, writeKey, seconds, onDone) {
  let n = 0;
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      {
        url,
        method: 'POST',
        connections: 8,
        overallRate: RATE,
        duration: seconds,
        headers: { 'content-type': 'application/json', authorization: 'Basic ' + Buffer.from(writeKey + ':').toString('base64') },
        requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ type: 'track', event: 'Bench', anonymousId: 'a-' + (n % 1000), messageId: `r-${process.pid}-${n++}` }) }) }],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    onDone?.(inst);
  });
}

export async function run() {
  const { startServer, openSqliteStore } = await import(pathToFileURL(join(dist, 'node.js')).href);
  const dir = mkdtempSync(join(tmpdir(), 'omnitrail-retention-bench-'));
  const store = openSqliteStore(join(dir, 'bench.db'));
  let server;
  try {
    const { site } = await store.createSite({ name: 'Bench', origins: ['*'], settings: { retentionDays: 396 } });
    // Prefill old events directly (one transaction): 400–800 days old, all past the 396-day retention.
    const now = Date.now();
    const t0 = performance.now();
    const ins = store.db.prepare(
      `INSERT INTO events (site_id, mid_hash, message_id, type, event, anonymous_id, anon_hash, ts, received_at, context, properties, traits)
       VALUES (?, ?, ?, 'track', 'Old', ?, ?, ?, ?, '{}', '{}', '{}')`,
    );
    store.db.transaction(() => {
      for (let i = 0; i < ROWS; i++) {
        const ts = now - (400 + (i % 400)) * DAY - i;
        ins.run(site.id, i * 7919, `old-${i}`, `a-${i % 50_000}`, i % 50_000, ts, ts);
      }
    })();
    const prefillS = (performance.now() - t0) / 1000;
    // As a production start does: load the dedup filter and seal the prefilled generations' keys
    // before traffic; and let identity stitching catch up with the prefilled rows, or the
    // baseline would measure that catch-up (passes of up to 250 000 events) instead of ingest.
    store.warmUp();
    await store.stitched();

    server = await startServer({ store, port: 0, host: '127.0.0.1', quiet: true, rateLimit: false, dashboard: false });
    const url = `${server.url}/v1/track`;
    await load(url, site.writeKey, 2); // warm-up
    const base = await load(url, site.writeKey, SECONDS);

    // Purge while the same load runs; the load stops when the purge is done.
    let inst;
    const during = load(url, site.writeKey, 600, (i) => (inst = i));
    const p0 = performance.now();
    const r = await store.runRetention(site.id);
    const purgeS = (performance.now() - p0) / 1000;
    inst.stop();
    const loaded = await during;

    const rows = [
      { run: 'ingest alone', 'req/s': Math.round(base.requests.average), 'p50 ms': base.latency.p50, 'p99 ms': base.latency.p99, 'max ms': base.latency.max, errors: base.errors + base.non2xx },
      { run: 'ingest during purge', 'req/s': Math.round(loaded.requests.average), 'p50 ms': loaded.latency.p50, 'p99 ms': loaded.latency.p99, 'max ms': loaded.latency.max, errors: loaded.errors + loaded.non2xx },
    ];
    console.log(`\nRetention bench: ${ROWS} old events prefilled in ${prefillS.toFixed(1)} s; /v1/track at ${RATE} req/s, Node ${process.version}`);
    console.table(rows);
    console.log(`purge: ${r.deleted} events in ${purgeS.toFixed(1)} s (${Math.round(r.deleted / purgeS)} rows/s, ${r.batches} batches)`);
    console.log(`ingest p99 during purge: ${rows[1]['p99 ms']} ms vs ${rows[0]['p99 ms']} ms alone (${(rows[1]['p99 ms'] / Math.max(rows[0]['p99 ms'], 0.001)).toFixed(2)}×)`);
    if (r.deleted !== ROWS) throw new Error(`expected ${ROWS} deleted, got ${r.deleted}`);
    return { rows, deleted: r.deleted, purgeS };
  } finally {
    if (server) await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
