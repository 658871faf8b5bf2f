// Identity stitching with a shared store tablet: staff log every customer in on one device, so
// one raw component (identifiers joined by any link, refused ones included) grows to every
// customer the tablet ever saw. Each customer also logs in on their own phone, and 5 % of those
// events arrive late (up to an hour: an offline queue), which makes their links "late" against
// the tablet's component. Baseline, same run: the same stream with one device per customer at
// the counter (no shared component). Reported: µs of stitching per event, and the ratio.
// Before late links were decided from their persons (store/sqlite/identity-late.ts) each such
// link re-stitched the whole component: 20 000 customers took 485 s (12 ms per event, growing).
// Run: `pnpm bench` (builds first) or `node bench/shared-device.bench.mjs` after a build.
// Env: SHARED_CUSTOMERS (default 20 000), OMNITRAIL_DIST.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rng } from './lib/rng.mjs';

const root = new URL('..', import.meta.url).pathname;
const dist = process.env.OMNITRAIL_DIST ?? join(root, 'packages/collector/dist');
const CUSTOMERS = Number(process.env.SHARED_CUSTOMERS ?? 20_000);
/** Events per transaction: about a background pass of a live server. */
const TX = 5_000;

const base = Date.UTC(2026, 0, 1);
const event = (n, anon, user, ts) => ({
  siteId: 'bench', messageId: `m${n}`, type: 'identify', event: null, anonymousId: anon, userId: user, timestamp: ts, originalTimestamp: null,
  receivedAt: ts, sentAt: null, consent: 'granted', bot: false, ua: null, country: null, context: {}, properties: {}, traits: {},
});

/** The stream: per customer, a login at the counter, then one on their phone (5 % late). */
function stream(shared) {
  const r = rng(7);
  const out = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const ts = base + i * 60_000;
    out.push(event(out.length, shared ? 'tablet' : `counter-${i}`, `C${i}`, ts));
    const late = r() < 0.05 ? Math.floor(r() * 3_600_000) : 0;
    out.push(event(out.length, `phone-${i}`, `C${i}`, ts + 30_000 - late));
  }
  return out;
}

async function measure(identity, shared) {
  const { openSqliteStore, identityDeriver } = identity;
  const dir = mkdtempSync(join(tmpdir(), 'omnitrail-shared-bench-'));
  const store = openSqliteStore(join(dir, 'shared.db'), { cacheMb: 256 });
  const db = store.db;
  try {
    const events = stream(shared);
    const apply = db.transaction((chunk, first) => {
      for (let j = 0; j < chunk.length; j++) identityDeriver(db, chunk[j], first + j);
    });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += TX) apply(events.slice(i, i + TX), i + 1);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const count = (sql) => db.prepare(sql).pluck().get();
    return {
      scenario: shared ? 'one shared tablet' : 'baseline: a device per customer',
      customers: CUSTOMERS, events: events.length,
      'largest raw component': count('SELECT coalesce(max(size), 1) FROM identity_comps'),
      persons: count('SELECT count(DISTINCT person) FROM identity_ids'),
      refused: count("SELECT count(*) FROM identity_links WHERE status = 'refused'"),
      's': +(ms / 1000).toFixed(2),
      'µs/event': +((ms * 1000) / events.length).toFixed(1),
      'cpu µs/event': +((cpu.user + cpu.system) / events.length).toFixed(1),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run() {
  const identity = await import(pathToFileURL(join(dist, 'node.js')).href);
  await measure(identity, false); // warm-up (JIT, page cache)
  const baseline = await measure(identity, false);
  const shared = await measure(identity, true);
  shared['× baseline'] = +(shared['cpu µs/event'] / baseline['cpu µs/event']).toFixed(2);
  console.log(`\nIdentity stitching with a shared store tablet (${CUSTOMERS} customers, transactions of ${TX} events, 5 % of phone logins late)`);
  console.table([baseline, shared]);
  return [baseline, shared];
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
