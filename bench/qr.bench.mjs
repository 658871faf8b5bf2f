// QR scan latency: p99 of `GET /q/<code>` (record a durable `QR Code Scanned` event, then 302)
// against a bare Hono 302 on the same machine, in the same run, with the same load.
// Target: p99 ≤ 10 ms. Two phases per server: (1) a fixed request rate below saturation — the
// latency a scanning phone sees — and (2) saturation with many connections, where closed-loop
// latency is just connections ÷ throughput and the ratio to bare Hono is what matters.
// Run: `pnpm bench` (builds first) or `node bench/qr.bench.mjs` after a build.
// Env: QR_BENCH_SECONDS (default 10), QR_BENCH_RATE (req/s of phase 1, default 200),
// QR_BENCH_CONNECTIONS (phase 2, default 32), OMNITRAIL_DIST (default packages/collector/dist).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import autocannon from 'autocannon';

const root = new URL('..', import.meta.url).pathname;
// hono is the collector's dependency (pnpm keeps it out of the root): resolve it from there.
const fromCollector = createRequire(join(root, 'packages/collector/package.json'));
const { Hono } = fromCollector('hono');
const { serve } = fromCollector('@hono/node-server');
const dist = process.env.OMNITRAIL_DIST ?? join(root, 'packages/collector/dist');
const seconds = Number(process.env.QR_BENCH_SECONDS ?? 10);
const connections = Number(process.env.QR_BENCH_CONNECTIONS ?? 32);
const rate = Number(process.env.QR_BENCH_RATE ?? 200);
const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

function load(url, title, fixedRate) {
  const opts = fixedRate ? { connections: 8, overallRate: fixedRate } : { connections };
  return new Promise((resolve, reject) => {
    autocannon({ url, ...opts, duration: seconds, headers: { 'user-agent': UA }, title }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

function row(name, r) {
  return {
    name,
    'req/s': Math.round(r.requests.average),
    'p50 ms': r.latency.p50,
    'p99 ms': r.latency.p99,
    'max ms': r.latency.max,
    '3xx': r['3xx'] ?? r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

export async function run() {
  const { startServer, openSqliteStore } = await import(pathToFileURL(join(dist, 'node.js')).href);
  const dir = mkdtempSync(join(tmpdir(), 'omnitrail-qr-bench-'));
  const store = openSqliteStore(join(dir, 'bench.db'));
  const bare = new Hono().get('/q/:code', (c) => c.redirect('https://shop.example/spring?utm_source=qr&utm_medium=print&ot_scan=X', 302));
  let bareServer;
  let server;
  try {
    const { site } = await store.createSite({ name: 'Bench', origins: ['https://shop.example'] });
    const campaign = await store.createQrCampaign(site.id, {
      name: 'Bench',
      targetUrl: 'https://shop.example/spring',
      utm: { utm_source: 'qr', utm_medium: 'print', utm_campaign: 'bench' },
      baseUrl: 'http://127.0.0.1',
    });
    const [code] = await store.createSharedQrCodes(site.id, campaign.id, { count: 1 });
    server = await startServer({ store, port: 0, host: '127.0.0.1', quiet: true, rateLimit: false, qr: { scanLimitPerIp: false }, dashboard: false });
    bareServer = await new Promise((resolve) => {
      const s = serve({ fetch: bare.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    const barePort = bareServer.address().port;

    // Warm-up (JIT, page cache), then the measured runs back to back.
    await new Promise((r) => autocannon({ url: `${server.url}/q/${code.code}`, connections: 4, amount: 500, headers: { 'user-agent': UA } }, r));
    const before = await store.countEvents(site.id);
    const bareUrl = `http://127.0.0.1:${barePort}/q/${code.code}`;
    const qrUrl = `${server.url}/q/${code.code}`;
    const rows = [
      row(`bare Hono 302 @ ${rate}/s`, await load(bareUrl, 'bare', rate)),
      row(`/q/<code> @ ${rate}/s`, await load(qrUrl, 'qr', rate)),
      row(`bare Hono 302, ${connections} conns`, await load(bareUrl, 'bare')),
      row(`/q/<code>, ${connections} conns`, await load(qrUrl, 'qr')),
    ];
    const recorded = (await store.countEvents(site.id)) - before;
    console.log(`\nQR scan bench: ${seconds} s per run, Node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    console.table(rows);
    const ratio = (a, b) => (a / Math.max(b, 0.001)).toFixed(2);
    console.log(`fixed rate: p99 ${rows[1]['p99 ms']} ms vs bare ${rows[0]['p99 ms']} ms (${ratio(rows[1]['p99 ms'], rows[0]['p99 ms'])}×)`);
    console.log(`saturation: ${rows[3]['req/s']} vs ${rows[2]['req/s']} req/s (${ratio(rows[3]['req/s'], rows[2]['req/s'])} of bare)`);
    const redirects = rows[1]['3xx'] + rows[3]['3xx'];
    console.log(`scan events committed: ${recorded} for ${redirects} counted redirects (≥: requests in flight when a run stops are committed but not counted)`);
    console.log(`target p99 ≤ 10 ms at ${rate}/s: ${rows[1]['p99 ms'] <= 10 ? 'MET' : 'MISSED'} (${rows[1]['p99 ms']} ms)`);
    if (recorded < redirects) throw new Error('a 302 was sent without a committed scan event');
    return { rows, recorded };
  } finally {
    if (server) await server.close();
    if (bareServer) await new Promise((r) => bareServer.close(r));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
