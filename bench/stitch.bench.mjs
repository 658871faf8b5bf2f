// Identity stitching at scale: the identity deriver (the exact code the background stitching
// pass runs, store/sqlite/stitcher.ts) applied to a generated stream of 5 M events from ~1 M
// identifiers, in transactions of 250 000 events: the pass size when a backlog is caught up on an
// idle collector (`idlePass`: after a restart or an import). STITCH_TX=100000 gives the passes
// while ingest runs (`maxPass`), STITCH_TX=5000 about the passes of a live server. 2 % of events arrive late (up to 6 h out of order) so the
// canonical re-stitch path runs too; shared devices cause conflicts. The events table itself is
// not written here (ingest.bench measures that): this is the stitching cost. Target: well under
// a minute.
// Run: `pnpm bench` (builds first) or `node bench/stitch.bench.mjs` after a build.
// Env: STITCH_EVENTS (default 5 000 000), STITCH_PERSONS (default 410 000), STITCH_TX (events per
// transaction, default 250 000 = the pass's idlePass), OMNITRAIL_DIST.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rng } from './lib/rng.mjs';

const root = new URL('..', import.meta.url).pathname;
const dist = process.env.OMNITRAIL_DIST ?? join(root, 'packages/collector/dist');
const EVENTS = Number(process.env.STITCH_EVENTS ?? 5_000_000);
const PERSONS = Number(process.env.STITCH_PERSONS ?? 410_000);
const TX = Number(process.env.STITCH_TX ?? 250_000);

const hex64 = (n, salt) => (salt + n.toString(16)).padStart(64, '0');
// Scan tokens in the collector's format (16 symbols of the code alphabet + expiry in base 36),
// valid for the whole run: the deriver refuses malformed or expired `ot_scan` echoes.
const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTVWXYZ';
const TOKEN_EXPIRY = Math.ceil(Date.UTC(2030, 0, 1) / 1000).toString(36);
function scanToken(i) {
  let s = '';
  for (let k = 0, n = i; k < 16; k++, n = Math.floor(n / 31)) s += ALPHABET[n % 31];
  return `${s}.${TOKEN_EXPIRY}`;
}
const anonsOf = (i) => 1 + (i % 3 === 0 ? 1 : 0) + (i % 10 === 0 ? 1 : 0);

/** One generated event of person `i` at stream position `t`. */
function makeEvent(r, t, base) {
  let i = Math.floor(r() * PERSONS);
  let anon = `a${i}_${Math.floor(r() * anonsOf(i))}`;
  // Shared devices: one person in 500 sometimes uses the next person's browser.
  if (i % 500 === 0 && r() < 0.3) anon = `a${i + 1}_0`;
  const hasUser = i % 5 < 2;
  const late = r() < 0.02 ? Math.floor(r() * 6 * 3_600_000) : 0;
  const ev = {
    siteId: 'bench', messageId: `m${t}`, type: 'track', event: 'Product Viewed', anonymousId: anon,
    userId: hasUser && r() < 0.5 ? `u${i}` : null, timestamp: base + t * 100 - late, originalTimestamp: null,
    receivedAt: base + t * 100, sentAt: null, consent: 'granted', bot: false, ua: null, country: null,
    context: {}, properties: {}, traits: {},
  };
  const k = r();
  if (k < 0.15) {
    ev.type = 'page';
    ev.event = null;
    ev.context = { omnitrail: { sessionStart: true }, campaign: { source: 'google', medium: 'cpc' }, page: { url: 'https://shop.test/' } };
  } else if (k < 0.18) {
    ev.type = 'identify';
    ev.event = null;
    ev.traits = { email_sha256: i % 5 < 3 ? hex64(i, 'e') : undefined, loyalty_id: i % 4 === 0 ? `L${i}` : undefined };
  } else if (k < 0.185 && i % 20 === 0) {
    ev.event = 'Handoff Code Issued';
    ev.properties = { code: `H${i.toString(36).toUpperCase()}` };
  } else if (k < 0.19 && i % 10 === 0) {
    ev.type = 'page';
    ev.event = null;
    ev.context = { omnitrail: { sessionStart: true, scanToken: scanToken(i) } };
  } else if (k < 0.2) {
    ev.event = 'Order Completed';
    ev.properties = { order_id: `o${t}`, revenue: 10 };
  } else if (k < 0.205 && i % 4 === 0) {
    ev.event = 'Offline Touchpoint';
    ev.anonymousId = null;
    ev.userId = null;
    ev.properties = { touchpoint_type: 'store_visit', identifiers: { loyaltyId: `L${i}` } };
  }
  return ev;
}

export async function run() {
  const { openSqliteStore, identityDeriver } = await import(pathToFileURL(join(dist, 'node.js')).href);
  const dir = mkdtempSync(join(tmpdir(), 'omnitrail-stitch-bench-'));
  const store = openSqliteStore(join(dir, 'stitch.db'), { cacheMb: 512 });
  const db = store.db;
  try {
    const r = rng(4711);
    const base = Date.UTC(2026, 0, 1);
    let stitchMs = 0;
    let stitchCpuUs = 0;
    const wall = performance.now();
    const cpu0 = process.cpuUsage();
    const apply = db.transaction((events, first) => {
      for (let j = 0; j < events.length; j++) identityDeriver(db, events[j], first + j);
    });
    for (let t = 0; t < EVENTS; t += TX) {
      const n = Math.min(TX, EVENTS - t);
      const chunk = new Array(n);
      for (let j = 0; j < n; j++) chunk[j] = makeEvent(r, t + j, base);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      apply(chunk, t + 1);
      const c1 = process.cpuUsage(c0);
      stitchCpuUs += c1.user + c1.system;
      stitchMs += performance.now() - t0;
    }
    const wallMs = performance.now() - wall;
    const cpu = process.cpuUsage(cpu0);
    // CPU seconds of this process (generation included): the figure that survives a busy machine.
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const count = (sql) => db.prepare(sql).pluck().get();
    const identifiers = count('SELECT count(*) FROM identity_ids');
    const persons = count('SELECT count(DISTINCT person) FROM identity_ids');
    const links = count('SELECT count(*) FROM identity_links');
    const refused = count("SELECT count(*) FROM identity_links WHERE status = 'refused'");
    const refs = count('SELECT count(*) FROM identity_refs');
    const table = [
      {
        events: EVENTS, identifiers, persons, links, refused, 'touch refs': refs,
        'stitch s': +(stitchMs / 1000).toFixed(1), 'stitch cpu s': +(stitchCpuUs / 1e6).toFixed(1),
        'events/s': Math.round(EVENTS / (stitchMs / 1000)), 'events/cpu-s': Math.round(EVENTS / (stitchCpuUs / 1e6)),
        'identifiers/s': Math.round(identifiers / (stitchMs / 1000)), 'wall s (incl. generation)': +(wallMs / 1000).toFixed(1), 'cpu s (incl. generation)': +cpuS.toFixed(1),
      },
    ];
    console.log(`\nIdentity stitching (background pass: identity deriver, transactions of ${TX} events, 2 % late)`);
    console.table(table);
    return table;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
