// Server CPU per request on the ingest hot path, as a ratio to a bare Hono endpoint.
// Throughput (bench/ingest.bench.mjs) depends on how busy the machine is; CPU time spent by the
// server process per request does much less, so this is the figure to compare across runs and
// machines ("per core"). Same server script as the ingest bench (its own process, SIGTERM drain);
// the server's process.cpuUsage() over the load window is divided by the requests answered.
//   (a) bare Hono POST → 204   (b) /v1/track, 1 event   (c) /v1/batch, 20 events
// Env: INGEST_CPU_SECONDS (default 5), INGEST_BENCH_CONNECTIONS (50), OMNITRAIL_DIST.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const root = new URL('..', import.meta.url).pathname;
const seconds = Number(process.env.INGEST_CPU_SECONDS ?? 5);
const connections = Number(process.env.INGEST_BENCH_CONNECTIONS ?? 50);
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

// The ingest bench's server prints `{url, writeKey}`; a preloaded snippet measures its CPU time
// from SIGUSR2 (sent once it listens, so start-up is excluded) to SIGTERM (before the drain).
const CPU_HOOK =
  "data:text/javascript,let t0=process.cpuUsage();process.on('SIGUSR2',()=>{t0=process.cpuUsage()});process.prependListener('SIGTERM',()=>{const u=process.cpuUsage(t0);process.stderr.write('@cpu '+(u.user+u.system)+'\\n')})";

function start(args) {
  const child = spawn(process.execPath, ['--import', CPU_HOOK, join(root, 'bench/lib/ingest-server.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, stderr: () => err, ...JSON.parse(line) });
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}

async function stop(srv) {
  srv.child.removeAllListeners('exit');
  const exited = new Promise((r) => srv.child.once('exit', r));
  srv.child.kill('SIGTERM');
  await exited;
  const m = /@cpu (\d+)/.exec(srv.stderr());
  return m ? Number(m[1]) : NaN;
}

let n = 0;
const event = () => ({
  type: 'track',
  event: 'Product Viewed',
  messageId: randomUUID(),
  anonymousId: `anon-${n % 20_000}`,
  timestamp: new Date().toISOString(),
  properties: { product_id: `p-${n++ % 5000}`, price: 19.99, currency: 'EUR' },
  context: {
    page: { url: 'https://shop.example/p/1', path: '/p/1', referrer: 'https://www.google.com/', title: 'Product' },
    userAgent: UA,
    locale: 'de-DE',
    library: { name: 'omnitrail', version: '0.1.0' },
    omnitrail: { v: 1, consent: 'granted', sessionId: `s-${n % 3000}` },
  },
});

async function run(label, mode, path, perRequest, dir) {
  const srv = await start(mode === 'bare' ? ['bare'] : ['collector', join(dir, `${label}.db`)]);
  srv.child.kill('SIGUSR2');
  await new Promise((r) => setTimeout(r, 100));
  const auth = 'Basic ' + Buffer.from(`${srv.writeKey}:`).toString('base64');
  const body = () => JSON.stringify(perRequest === 1 ? event() : { batch: Array.from({ length: perRequest }, event), sentAt: new Date().toISOString() });
  const r = await autocannon({
    url: srv.url,
    connections,
    duration: seconds,
    requests: [{ method: 'POST', path, headers: { 'content-type': 'application/json', authorization: auth }, setupRequest: (req) => ({ ...req, body: body() }) }],
  });
  const cpuUs = await stop(srv);
  const ok = r['2xx'];
  return { label, requests: ok, non2xx: r.non2xx, 'req/s': Math.round(r.requests.average), 'CPU µs/req': Math.round(cpuUs / ok), 'events/CPU-s': Math.round((ok * perRequest) / (cpuUs / 1e6)) };
}

const dir = mkdtempSync(join(tmpdir(), 'omnitrail-cpu-'));
try {
  const rows = [];
  rows.push(await run('(a) bare', 'bare', '/', 1, dir));
  rows.push(await run('(b) track', 'collector', '/v1/track', 1, dir));
  rows.push(await run('(c) batch 20', 'collector', '/v1/batch', 20, dir));
  const base = rows[0]['CPU µs/req'];
  for (const row of rows) row['× bare (req per CPU-s)'] = (base / row['CPU µs/req']).toFixed(2);
  console.table(rows);
  if (rows.some((r) => r.non2xx > 0)) throw new Error('non-2xx responses');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
