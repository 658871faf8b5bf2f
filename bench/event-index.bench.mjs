// What the event log's key lookups cost per stored event, through the store's real append path
// (group commit, dedup, derivers, stitching): the shipping design (`event_keys`, sealed a whole
// generation at a time, the newest generation in memory) against the same store with the three
// generation-led hash indexes of migrations 1–11 created again (`events_mid`, `events_anon`,
// `events_user` on `((id >> 16), hash)`: a random leaf per insert). Groups the size of the group
// commit under the ingest bench: 24 concurrent one-event appends (`/v1/track` at 50 connections)
// and 24 appends of 20 events (`/v1/batch` × 20). Process CPU per event, all threads; rounds
// alternate the variants on fresh files, the table shows medians.
// Env: EVENT_INDEX_ROWS (default 200000, ~3 generations), EVENT_INDEX_ROUNDS (3), OMNITRAIL_DIST.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sdkContext } from './lib/prefill.mjs';

const root = new URL('..', import.meta.url).pathname;
const dist = process.env.OMNITRAIL_DIST ?? join(root, 'packages/collector/dist');
const { openSqliteStore } = await import(pathToFileURL(join(dist, 'node.js')).href);
const ROWS = Number(process.env.EVENT_INDEX_ROWS ?? 200_000);
const ROUNDS = Number(process.env.EVENT_INDEX_ROUNDS ?? 3);
const OLD_INDEXES = `
CREATE INDEX events_mid ON events ((id >> 16), mid_hash);
CREATE INDEX events_anon ON events ((id >> 16), anon_hash) WHERE anon_hash IS NOT NULL;
CREATE INDEX events_user ON events ((id >> 16), user_hash) WHERE user_hash IS NOT NULL;`;
const VARIANTS = ['event_keys (shipping)', '+ the three hash indexes of migrations 1–11'];
const GROUPS = [
  { name: '24 × 1 event (/v1/track)', requests: 24, perRequest: 1 },
  { name: '24 × 20 events (/v1/batch)', requests: 24, perRequest: 20 },
];
const contexts = Array.from({ length: 1024 }, (_, i) => sdkContext(i));

/** Appends ROWS events as groups of concurrent appendEvents calls (one transaction each); returns CPU µs per event. */
async function run(path, variant, group) {
  const store = openSqliteStore(path);
  if (variant !== VARIANTS[0]) store.db.exec(OLD_INDEXES);
  const site = (await store.createSite({ name: 'bench', origins: ['*'] })).site;
  store.warmUp();
  let n = 0;
  const event = () => {
    const i = n++;
    const visitor = (Math.imul(i, 2654435761) >>> 0) % 50_000;
    return {
      // One visitor in ten is logged in, always as the same user (a sane identity graph).
      siteId: site.id, messageId: randomUUID(), type: 'track', event: 'Product Viewed', anonymousId: `anon-${visitor}`,
      userId: visitor % 10 === 0 ? `user-${visitor}` : null, timestamp: Date.now(), originalTimestamp: null, receivedAt: Date.now(), sentAt: null,
      consent: 'granted', bot: false, ua: null, country: null, context: contexts[i & 1023], properties: { product_id: `p-${i % 5000}`, price: 19.99 }, traits: {},
    };
  };
  const cpu0 = process.cpuUsage();
  while (n < ROWS) {
    await Promise.all(Array.from({ length: group.requests }, () => store.appendEvents(Array.from({ length: group.perRequest }, event))));
  }
  const cpu = process.cpuUsage(cpu0);
  await store.close();
  return (cpu.user + cpu.system) / n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const dir = mkdtempSync(join(tmpdir(), 'omnitrail-event-index-'));
const cpu = new Map();
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const group of GROUPS) {
      for (const [v, variant] of VARIANTS.entries()) {
        const path = join(dir, `r${round}-${group.perRequest}-${v}.db`);
        const key = `${group.name}|${variant}`;
        cpu.set(key, [...(cpu.get(key) ?? []), await run(path, variant, group)]);
        for (const f of ['', '-wal', '-shm']) rmSync(path + f, { force: true });
      }
    }
  }
  const rows = [];
  for (const group of GROUPS) {
    const base = median(cpu.get(`${group.name}|${VARIANTS[0]}`));
    for (const variant of VARIANTS) {
      const xs = cpu.get(`${group.name}|${variant}`);
      rows.push({
        'append groups': group.name,
        lookups: variant,
        'CPU µs/event (median)': median(xs).toFixed(1),
        'vs shipping': (median(xs) / base).toFixed(2),
        runs: xs.map((x) => x.toFixed(1)).join(' / '),
      });
    }
  }
  console.log(`${ROWS} events per run, ${ROUNDS} rounds`);
  console.table(rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
