// Fills an Omnitrail SQLite database with synthetic events by direct SQL (not HTTP), fast:
// big transactions, the store's own schema, hash function and column layout. Used by the
// ingest bench (d) and the storage bench. Random UUIDv4 messageIds (a foreign client's).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('../..', import.meta.url).pathname;
const dist = process.env.OMNITRAIL_DIST ?? join(root, 'packages/collector/dist');

/** A context like the browser SDK sends (~450 bytes of JSON once stored). */
export function sdkContext(i) {
  return {
    page: { url: `https://shop.example/products/p-${i % 5000}?utm_source=news`, path: `/products/p-${i % 5000}`, title: 'Product page of a nice shoe', referrer: 'https://www.google.com/' },
    library: { name: 'omnitrail', version: '0.1.0' },
    locale: 'de-DE',
    timezone: 'Europe/Berlin',
    screen: { width: 1920, height: 1080, density: 1 },
    campaign: { source: 'news', medium: 'email', name: 'spring' },
    omnitrail: { v: 1, consent: 'granted', sessionId: `s-${i >> 4}` },
  };
}

/**
 * Appends `count` events to site `siteId` of the store at `dbPath` and returns rows/s.
 * @example await prefill('/tmp/x.db', 'st_1', 5_000_000)
 */
export async function prefill(dbPath, siteId, count, { txn = 100_000, onProgress } = {}) {
  const { openSqliteStore, keyHash } = await import(pathToFileURL(join(dist, 'node.js')).href);
  const store = openSqliteStore(dbPath, { cacheMb: 256 });
  const db = store.db;
  // Bulk load only: the bench measures ingest afterwards with the normal FULL setting.
  db.pragma('synchronous = OFF');
  const ins = db.prepare(
    `INSERT INTO events (site_id, mid_hash, message_id, type, event, anonymous_id, user_id, anon_hash, user_hash,
      ts, received_at, original_timestamp, sent_at, consent, bot, ua_browser, ua_os, ua_device, country, context, properties, traits)
     VALUES (?, ?, ?, 'track', ?, ?, NULL, ?, NULL, ?, ?, ?, NULL, 'granted', 0, 'Chrome', 'Windows', 'desktop', NULL, ?, ?, '{}')`,
  );
  const anons = Array.from({ length: 50_000 }, () => randomUUID());
  const names = ['Product Viewed', 'Product Added', 'Checkout Started', 'Page Scrolled'];
  // 4 096 distinct stored contexts are plenty for row sizes and keep generation cheap.
  const contexts = Array.from({ length: 4096 }, (_, i) => JSON.stringify(sdkContext(i)));
  const t0 = performance.now();
  const base = Date.now() - count * 10;
  const chunk = db.transaction((from, n) => {
    for (let i = from; i < from + n; i++) {
      const mid = randomUUID();
      const anon = anons[(Math.imul(i, 2654435761) >>> 0) % anons.length];
      const ts = base + i * 10;
      ins.run(siteId, keyHash(siteId, mid), mid, names[i & 3], anon, keyHash(siteId, anon), ts, ts + 200, new Date(ts).toISOString(), contexts[i & 4095], `{"product_id":"p-${i % 5000}","price":${(i % 90) + 9.99}}`);
    }
  });
  for (let done = 0; done < count; done += txn) {
    chunk(done, Math.min(txn, count - done));
    onProgress?.(Math.min(done + txn, count));
  }
  const rowsPerSec = count / ((performance.now() - t0) / 1000);
  db.pragma('synchronous = FULL');
  store.warmUp(); // builds the dedup filter over the new rows, so close() saves its snapshot
  await store.close();
  return { rowsPerSec, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Makes sure the database has a dedup-filter snapshot (a clean close writes one), so the
 * server under test starts like a cleanly restarted production server.
 * @example await ensureDedupSnapshot('/tmp/x.db')
 */
export async function ensureDedupSnapshot(dbPath) {
  const { openSqliteStore } = await import(pathToFileURL(join(dist, 'node.js')).href);
  const store = openSqliteStore(dbPath);
  store.warmUp();
  await store.close();
}
