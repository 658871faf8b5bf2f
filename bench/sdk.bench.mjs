// SDK bench: (1) bytes every shop visitor pays — our five import combinations beside the same
// "init + one event" bundle of @segment/analytics-next, @snowplow/browser-tracker, posthog-js
// (slim) and @plausible-analytics/tracker, all built in this run with the same rollup + terser
// settings and compressed with brotli (q11) and gzip (-9); (2) main-thread cost of `track()` in
// Chromium with the script-tag build against a real collector: median and p99 µs over 10 000
// calls (10 per task, as a busy page), and every long task (> 50 ms) seen meanwhile.
// Run: `pnpm bench` (builds first) or `node bench/sdk.bench.mjs` after a build.
// Env: SDK_BENCH_CALLS (default 10000).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { bundleSize, measureSdk, repoRoot } from '../packages/sdk/scripts/bundle-size.mjs';

const CALLS = Number(process.env.SDK_BENCH_CALLS ?? 10_000);

/** Runs in the page: 10 track() calls per task, timed one by one, while observing long tasks. */
const MEASURE = async (calls) => {
  const longTasks = [];
  new PerformanceObserver((l) => longTasks.push(...l.getEntries().map((e) => Math.round(e.duration)))).observe({ type: 'longtask' });
  const samples = new Float64Array(calls);
  const ch = new MessageChannel();
  let i = 0;
  const t0 = performance.now();
  await new Promise((done) => {
    ch.port1.onmessage = () => {
      for (let k = 0; k < 10 && i < calls; k++, i++) {
        const s = performance.now();
        window.omnitrail.track('Bench Event', { i, sku: 'sku-' + (i % 50), price: 19.99 });
        samples[i] = performance.now() - s;
      }
      if (i < calls) ch.port2.postMessage(0);
      else done();
    };
    ch.port2.postMessage(0);
  });
  const wall = performance.now() - t0;
  // Let the queue writes and sends run, and the long-task observer report.
  await window.omnitrail.flush();
  await new Promise((res) => setTimeout(res, 1500));
  const seen = [...longTasks];
  // Same calls in one synchronous burst: total time / calls (not limited by timer resolution).
  const b0 = performance.now();
  for (let j = 0; j < calls; j++) window.omnitrail.track('Burst Event', { j });
  const burst = performance.now() - b0;
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    isolated: crossOriginIsolated,
    median: sorted[Math.floor(calls / 2)] * 1000,
    p99: sorted[Math.floor(calls * 0.99)] * 1000,
    max: sorted[calls - 1] * 1000,
    mean: (burst / calls) * 1000,
    wallMs: wall,
    longTasks: seen,
  };
};
const kb = (n) => (n / 1000).toFixed(2);

// ── 1. sizes ────────────────────────────────────────────────────────────────────────────────
const COMPETITORS = {
  '@plausible-analytics/tracker': { code: `import { init, track } from '@plausible-analytics/tracker'; init({ domain: 'shop.example' }); track('Signup', {});` },
  '@snowplow/browser-tracker': {
    code: `import { newTracker, trackSelfDescribingEvent } from '@snowplow/browser-tracker';
newTracker('sp', 'https://c.example', { appId: 'shop' }); trackSelfDescribingEvent({ event: { schema: 'iglu:com.acme/signup/jsonschema/1-0-0', data: {} } });`,
  },
  '@segment/analytics-next': {
    code: `import { AnalyticsBrowser } from '@segment/analytics-next'; AnalyticsBrowser.load({ writeKey: 'k' }).track('Signup');`,
    split: true,
  },
  'posthog-js (slim)': {
    code: `import posthog from 'posthog-js/dist/module.slim.js'; posthog.init('k', { api_host: 'https://c.example' }); posthog.capture('Signup');`,
  },
};

console.log('SDK size, "init + one event", minified (repo terser settings), bytes');
const rows = [];
for (const [name, r] of Object.entries(await measureSdk())) {
  rows.push({ bundle: `omnitrail: ${name}`, brotli: r.brotli, gzip: r.gzip, minified: r.raw, 'brotli KB': kb(r.brotli) });
}
for (const [name, c] of Object.entries(COMPETITORS)) {
  const r = await bundleSize(c.code, { resolveDir: repoRoot, split: c.split });
  rows.push({
    bundle: name + (c.split ? ' (entry; total with lazy chunks)' : ''),
    brotli: r.brotli,
    gzip: r.gzip,
    minified: r.raw,
    'brotli KB': kb(r.brotli) + (c.split ? ` (${kb(r.total)})` : ''),
  });
}
console.table(rows);

// ── 2. main-thread cost of track() in Chromium ──────────────────────────────────────────────
const { openSqliteStore, startServer } = await import(pathToFileURL(join(repoRoot, 'packages/collector/dist/node.js')).href);
const tmp = mkdtempSync(join(tmpdir(), 'ot-sdk-bench-'));
const PAGE = 'http://localhost:4174';
const store = openSqliteStore(join(tmp, 'bench.db'));
await store.migrate();
const { site } = await store.createSite({ name: 'bench', origins: [PAGE] });
const server = await startServer({ store, port: 0, host: '127.0.0.1', quiet: true, rateLimit: false });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--disable-quic', '--no-first-run',
    // Pages come from request routing (public address space), the collector from loopback.
    '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights',
  ],
});
try {
  const context = await browser.newContext();
  const script = readFileSync(join(repoRoot, 'packages/sdk/dist/omnitrail.min.js'));
  // Cross-origin isolation gives performance.now() 5 µs resolution instead of 100 µs.
  const isolation = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
  await context.route(`${PAGE}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/control') return route.fulfill({ status: 200, contentType: 'text/html', headers: isolation, body: '<!doctype html><title>control</title>' });
    if (path === '/omnitrail.min.js') return route.fulfill({ status: 200, contentType: 'text/javascript', headers: isolation, body: script });
    return route.fulfill({
      status: 200,
      contentType: 'text/html',
      headers: isolation,
      body: `<!doctype html><title>bench</title><script async src="/omnitrail.min.js" data-write-key="${site.writeKey}" data-endpoint="${server.url.replace(/\/$/, '')}"></script>`,
    });
  });
  const measure = async (path) => {
    const page = await context.newPage();
    page.on('crash', () => console.error('page crashed'));
    await page.goto(`${PAGE}${path}`);
    if (path === '/') await page.waitForFunction(() => typeof window.omnitrail?.flush === 'function');
    else await page.evaluate(() => (window.omnitrail = { track() {}, flush: async () => {} }));
    const r = await page.evaluate(MEASURE, CALLS);
    await page.close();
    return r;
  };
  // Control: the same loop calling a no-op on an empty page. Long tasks it sees are the machine's
  // (other processes on shared cores), not the SDK's.
  const control = await measure('/control');
  const r = await measure('/');
  console.log(`\ntrack() main-thread cost in Chromium (${(await browser.version())}, script-tag build + IndexedDB queue, ${CALLS} calls, 10 per task)`);
  const row = (label, r) => ({
      run: label,
      'median µs': r.median.toFixed(1),
      'p99 µs': r.p99.toFixed(1),
      'max µs': r.max.toFixed(1),
      'mean µs (sync burst)': r.mean.toFixed(1),
      'long tasks (> 50 ms)': r.longTasks.length ? r.longTasks.join(', ') + ' ms' : 'none',
      'timer resolution': r.isolated ? '5 µs (cross-origin isolated)' : '100 µs',
  });
  console.table([row('omnitrail.track()', r), row('control: no-op', control)]);
  console.log('(the one-task burst of the last column is itself a long task by design; it is measured after the observer window)');
} finally {
  await browser.close();
  await server.close();
  await store.close();
  rmSync(tmp, { recursive: true, force: true });
}
