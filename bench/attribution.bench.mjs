// Attribution speed: the full attribution report (8 models side by side, 30-day range,
// 30-day lookback) over the generated shop — 100 k persons ≈ 5 M events, ≈ 50 k orders
// online and offline — and the same at 1/5 of the size to show the cost is linear.
// Targets: all models over 5 M events ≤ 3 s; Markov alone ≤ 1 s; memory bounded (persons
// are streamed: the engine keeps conversion paths, never events).
// Journeys are generated into memory first, so the timings are the report's alone; a last
// run streams generation → report to show peak memory without any pre-built array.
// Finally the real path: the same generated shop fed through the collector into SQLite
// (ingest, QR scans, handoffs, offline orders, stitching), then the report over `store.journeys`.
// Run: `pnpm bench` or `node bench/attribution.bench.mjs`. Env: ATTR_PERSONS (default 100000), ATTR_RUNS (default 3),
// ATTR_SQLITE_PERSONS (default 10000; 0 skips the SQLite part).
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rollup } from 'rollup';
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';

const root = new URL('..', import.meta.url).pathname;
const PERSONS = Number(process.env.ATTR_PERSONS ?? 100_000);
const RUNS = Number(process.env.ATTR_RUNS ?? 3);
const DAY = 864e5;

async function load() {
  // Written inside packages/collector so the bundle's bare imports (hono, better-sqlite3, …)
  // resolve from the collector's own node_modules; removed right after import.
  const out = mkdtempSync(join(root, 'packages/collector/.attr-bench-'));
  const bundle = await rollup({
    input: join(root, 'bench/lib/attribution-entry.ts'),
    onwarn: () => {},
    external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0') && !id.startsWith('@omnitrail/'),
    plugins: [
      nodeResolve({ extensions: ['.ts', '.tsx', '.mjs', '.js'], preferBuiltins: true }),
      typescript({
        tsconfig: join(root, 'tsconfig.json'),
        include: [join(root, 'bench/lib/*.ts'), join(root, 'packages/collector/src/**/*.ts'), join(root, 'packages/collector/src/**/*.tsx'), join(root, 'packages/schema/src/**/*.ts')],
        exclude: ['**/*.test.ts', '**/*.test.tsx'],
        compilerOptions: { noEmit: false, declaration: false, sourceMap: false, outDir: out },
        noEmitOnError: false,
        filterRoot: root,
      }),
    ],
  });
  await bundle.write({ file: join(out, 'attr.mjs'), format: 'es' });
  await bundle.close();
  try {
    return await import(pathToFileURL(join(out, 'attr.mjs')).href);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const { attribute, summarise, parseReportParams, generateJourneys, seedDemo, openSqliteStore, attributionReport } = await load();
const end = Date.UTC(2026, 2, 31);
const params = parseReportParams({ from: '2026-03-01', to: '2026-03-30' }, end);
const opts = { from: params.from, to: params.to, lookbackMs: params.lookbackMs, halfLifeMs: params.halfLifeMs };
const mb = (b) => Math.round(b / 1048576);

function build(persons) {
  const stats = { events: 0, orders: 0, persons: 0 };
  const journeys = [...generateJourneys({ seed: 42, persons, now: end, days: 60, stats })];
  return { journeys, stats };
}

/** Median wall time and median CPU time (user + system) of RUNS runs: on a shared machine CPU
 * time is what the report costs, wall time what a user waits. */
async function time(fn) {
  const wall = [];
  const cpu = [];
  let last;
  for (let k = 0; k < RUNS; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    last = await fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const med = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { ms: med(wall), cpu: med(cpu), result: last };
}

const rows = [];
for (const persons of [Math.round(PERSONS / 5), PERSONS]) {
  const { journeys, stats } = build(persons);
  global.gc?.();
  const full = await time(async () => summarise(await attribute(journeys, opts), params, 'bench'));
  const markov = await time(() => attribute(journeys, { ...opts, models: ['markov'] }));
  const heur = await time(() => attribute(journeys, { ...opts, models: ['first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based'] }));
  const r = full.result;
  rows.push({
    persons: persons.toLocaleString('en'),
    'events (M)': (stats.events / 1e6).toFixed(2),
    'orders (all time)': stats.orders,
    'conversions in range': r.totals.conversions,
    'all 8 models: wall s': (full.ms / 1000).toFixed(2),
    'cpu s': (full.cpu / 1000).toFixed(2),
    'Markov only: wall s': (markov.ms / 1000).toFixed(2),
    'cpu s ': (markov.cpu / 1000).toFixed(2),
    '6 rule-based: wall s': (heur.ms / 1000).toFixed(2),
    'cpu s  ': (heur.cpu / 1000).toFixed(2),
  });
}
console.table(rows);
const [small, big] = rows;
console.log(`Linearity: ${big['events (M)']} M / ${small['events (M)']} M events = ${(Number(big['events (M)']) / Number(small['events (M)'])).toFixed(2)}× data, ` +
  `${(Number(big['cpu s']) / Number(small['cpu s'])).toFixed(2)}× CPU time (all models). Load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores.`);

// Streaming: generate and attribute person by person; sample the heap while it runs.
global.gc?.();
const heap0 = process.memoryUsage().heapUsed;
let peak = heap0;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 20);
const stats = { events: 0, orders: 0, persons: 0 };
async function* stream() {
  let n = 0;
  for (const j of generateJourneys({ seed: 42, persons: PERSONS, now: end, days: 60, stats })) {
    yield j;
    // Yield to the timer now and then, as a database-backed journeys() does between chunks.
    if (++n % 2000 === 0) await new Promise((r) => setImmediate(r));
  }
}
const t0 = performance.now();
const res = await attribute(stream(), opts);
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().heapUsed);
console.log(`Streaming ${(stats.events / 1e6).toFixed(2)} M events (generation included): ${((performance.now() - t0) / 1000).toFixed(2)} s, ` +
  `${res.orders.length} conversions credited, peak heap +${mb(peak - heap0)} MB over the start (no journey array held).`);
console.log(`Markov removal effects: ${Object.entries(res.removalEffects).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')} …`);

// The real path: generated shop → collector → SQLite → stitched journeys → report.
const SQL_PERSONS = Number(process.env.ATTR_SQLITE_PERSONS ?? 10_000);
if (SQL_PERSONS > 0) {
  const dir = mkdtempSync(join(tmpdir(), 'omnitrail-attr-sqlite-'));
  const store = openSqliteStore(join(dir, 'bench.db'));
  try {
    const created = await store.createSite({ name: 'bench', origins: ['https://shop.example', 'http://localhost:8787'] });
    const s0 = performance.now();
    const seeded = await seedDemo(store, created, { persons: SQL_PERSONS, now: end, seed: 42, days: 60 });
    const seedS = (performance.now() - s0) / 1000;
    const site = { id: created.site.id, rules: [] };
    const r = await time(() => attributionReport(store, site, params));
    const gen = summarise(await attribute(generateJourneys({ seed: 42, persons: SQL_PERSONS, now: end, days: 60 }), opts), params, 'gen');
    const same = JSON.stringify(r.result.rows) === JSON.stringify(gen.rows);
    console.log(`SQLite: ${SQL_PERSONS} persons, ${seeded.events} events ingested + ${seeded.scans} scans + ${seeded.orders} offline orders in ${seedS.toFixed(1)} s; ` +
      `attribution report over store.journeys: ${(r.ms / 1000).toFixed(2)} s wall, ${(r.cpu / 1000).toFixed(2)} s CPU, ${r.result.totals.conversions} conversions; ` +
      `identical to the generator's journeys: ${same ? 'yes' : 'NO'}.`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
