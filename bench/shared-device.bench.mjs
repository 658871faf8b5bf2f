// Identity stitching with a shared store tablet: staff log every customer in on one device, so
// one raw component (identifiers joined by any link, refused ones included) grows to every
// customer the tablet ever saw. Each customer also logs in on their own phone, and 5 % of those
// events arrive late (up to an hour: an offline queue), which makes their links "late" against
// the tablet's component. Baseline, same run: the same stream with one device per customer at
// the counter (no shared component). Reported: µs of stitching per event, and the ratio.
// Before late links were decided from their persons (store/sqlite/identity-late.ts) each such
// link re-stitched the whole component: 20 000 customers took 485 s (12 ms per event, growing).
// A second table takes late links that still need a re-stitch (a cap refusal next to the
// person) through the store's background pass, which re-stitches each component once per pass.
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

/**
 * The re-stitch path through the real store and its background pass: the tablet's first
 * customer gave four e-mail addresses (cap 3), so a cap refusal sits next to that person and
 * their late logins cannot be decided from persons; each pass re-stitches the tablet's whole
 * component once (`deferRestitches`). Baseline: three addresses, no refusal, the same logins
 * decided from persons.
 */
async function restitchPath(identity, capRefusal) {
  const dir = mkdtempSync(join(tmpdir(), 'omnitrail-shared-bench-'));
  const store = identity.openSqliteStore(join(dir, 'hub.db'), { cacheMb: 256 });
  try {
    const { site } = await store.createSite({ name: 'bench', origins: ['*'] });
    let n = 0;
    const ev = (p) => ({ ...event(n++, null, null, 0), siteId: site.id, ...p });
    for (let i = 0; i < CUSTOMERS; i += 1_000) {
      await store.appendEvents(Array.from({ length: 1_000 }, (_, j) => ev({ anonymousId: 'tablet', userId: `C${i + j}`, timestamp: base + (i + j) * 60_000 })));
    }
    const emails = capRefusal ? 4 : 3;
    await store.appendEvents(Array.from({ length: emails }, (_, k) => ev({ userId: 'C0', traits: { email_sha256: `e${k}`.padEnd(64, '0') }, timestamp: base + CUSTOMERS * 60_000 + k })));
    await store.stitched();
    const PASSES = 20;
    const PER = 100;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let r = 0; r < PASSES; r++) {
      await store.appendEvents(Array.from({ length: PER }, (_, j) => ev({ anonymousId: `phone-${r}-${j}`, userId: 'C0', timestamp: base + 1_000 + r * PER + j })));
      await store.stitched();
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    return {
      scenario: capRefusal ? 'late logins next to a cap refusal (re-stitch)' : 'baseline: the same, no cap refusal (from persons)',
      'late links': PASSES * PER, passes: PASSES, s: +(ms / 1000).toFixed(2), 'ms/pass': +(ms / PASSES).toFixed(1),
      'cpu µs/link': +((cpu.user + cpu.system) / (PASSES * PER)).toFixed(0),
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
  const fromPersons = await restitchPath(identity, false);
  const restitched = await restitchPath(identity, true);
  restitched['× baseline'] = +(restitched['cpu µs/link'] / fromPersons['cpu µs/link']).toFixed(2);
  console.log(`\nLate links that need a re-stitch of the tablet's component (${CUSTOMERS} customers), through the store's background pass`);
  console.table([fromPersons, restitched]);
  return [baseline, shared, fromPersons, restitched];
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
