// Storage design: how insert speed holds up as the event log grows with RANDOM messageIds
// (UUIDv4 from foreign Segment clients), under the real durability settings (WAL,
// synchronous=FULL, one transaction per group commit of 2 000 events, 256 MiB page cache).
//   naive — events rowid table + UNIQUE (site_id, message_id) text index + (site_id, anonymous_id)
//           text index + (site_id, ts); dedup by INSERT … ON CONFLICT DO NOTHING.
//   ours  — the collector's schema of migrations 1–11: generation-led 53-bit hash indexes
//           ((id >> 16), mid_hash) / ((id >> 16), anon_hash) + (site_id, ts), dedup by the
//           in-memory Bloom filter, the index probed only on a filter hit, full text compared.
//           (Migration 12 replaced those indexes by keys sealed per generation, `event_keys`;
//           bench/event-index.bench.mjs compares the two through the store's append path.)
// Prints rows/s per tenth of the run, WAL bytes written per event and the file size, then
// replays 20 000 stored messageIds to prove both still dedup (and how fast).
// Run: `node bench/storage.bench.mjs` after a build (`pnpm bench` builds first).
// Env: STORAGE_BENCH_ROWS (default 5000000), STORAGE_BENCH_MAX_SECONDS per design (default 240),
//      STORAGE_BENCH_DESIGNS (default "ours,naive"), OMNITRAIL_DIST.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sdkContext } from './lib/prefill.mjs';

const root = new URL('..', import.meta.url).pathname;
const dist = process.env.OMNITRAIL_DIST ?? join(root, 'packages/collector/dist');
// The same better-sqlite3 build the collector picks for this Node (store/sqlite/driver.ts).
const Database = (await import(pathToFileURL(join(dist, 'node.js')).href)).sqliteDriver();
const ROWS = Number(process.env.STORAGE_BENCH_ROWS ?? 5_000_000);
const MAX_S = Number(process.env.STORAGE_BENCH_MAX_SECONDS ?? 240);
const DESIGNS = (process.env.STORAGE_BENCH_DESIGNS ?? 'ours,naive').split(',');
const TXN = 2000;
const SITE = 'st_benchsite01';

const naiveSchema = `
CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, site_id TEXT NOT NULL, message_id TEXT NOT NULL,
  type TEXT NOT NULL, event TEXT, anonymous_id TEXT, user_id TEXT, ts INTEGER NOT NULL, received_at INTEGER NOT NULL,
  context TEXT NOT NULL, properties TEXT NOT NULL);
CREATE UNIQUE INDEX events_mid ON events (site_id, message_id);
CREATE INDEX events_anon ON events (site_id, anonymous_id);
CREATE INDEX events_site_ts ON events (site_id, ts);`;

/** Opens a design; returns `{ db, append(batch) → inserted count, isStored(mid) }`. */
async function openDesign(name, path) {
  if (name === 'ours') {
    const { openSqliteStore, keyHash, BloomFilter } = await import(pathToFileURL(join(dist, 'node.js')).href);
    // The real migrations create the schema; then the bench drives the same statements the
    // store runs (minus derivers, which are not the storage design).
    const store = openSqliteStore(path, { cacheMb: 256 });
    await store.close();
    const db = new Database(path);
    pragmas(db);
    // The generation-led indexes this design is about (migration 12 dropped them from the store).
    db.exec(`CREATE INDEX events_mid ON events ((id >> 16), mid_hash);
      CREATE INDEX events_anon ON events ((id >> 16), anon_hash) WHERE anon_hash IS NOT NULL;`);
    const filter = new BloomFilter(1 << 20);
    const ins = db.prepare(
      `INSERT INTO events (site_id, mid_hash, message_id, type, event, anonymous_id, anon_hash, ts, received_at, context, properties)
       VALUES (?, ?, ?, 'track', 'Product Viewed', ?, ?, ?, ?, ?, ?)`,
    );
    const probe = db
      .prepare(
        `WITH RECURSIVE g(x) AS (SELECT ? UNION ALL SELECT x - 1 FROM g WHERE x > 0)
         SELECT 1 FROM g CROSS JOIN events e ON (e.id >> 16) = g.x AND e.mid_hash = ? WHERE e.site_id = ? AND e.message_id = ? LIMIT 1`,
      )
      .pluck();
    let last = 0;
    const isStored = (mid, h = keyHash(SITE, mid)) => filter.mayContain(h) && probe.get(Math.floor(last / 65536), h, SITE, mid) !== undefined;
    return {
      db,
      isStored,
      append: db.transaction((batch) => {
        let n = 0;
        for (const e of batch) {
          const h = keyHash(SITE, e.mid);
          if (isStored(e.mid, h)) continue;
          last = Number(ins.run(SITE, h, e.mid, e.anon, keyHash(SITE, e.anon), e.ts, e.ts, e.ctx, e.props).lastInsertRowid);
          filter.add(h);
          n++;
        }
        return n;
      }),
      extra: () => `filter ${(filter.bytes / 2 ** 20).toFixed(1)} MiB`,
    };
  }
  const db = new Database(path);
  pragmas(db);
  db.exec(naiveSchema);
  const ins = db.prepare(
    `INSERT INTO events (site_id, message_id, type, event, anonymous_id, ts, received_at, context, properties)
     VALUES (?, ?, 'track', 'Product Viewed', ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const get = db.prepare('SELECT 1 FROM events WHERE site_id = ? AND message_id = ?').pluck();
  return {
    db,
    isStored: (mid) => get.get(SITE, mid) !== undefined,
    append: db.transaction((batch) => {
      let n = 0;
      for (const e of batch) n += ins.run(SITE, e.mid, e.anon, e.ts, e.ts, e.ctx, e.props).changes;
      return n;
    }),
    extra: () => '',
  };
}

function pragmas(db) {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`cache_size = -${256 * 1024}`);
  // Checkpoints are run by the bench itself (every 16 000 rows, both designs alike) so it can
  // count the WAL frames each design wrote before they are folded into the database.
  db.pragma('wal_autocheckpoint = 0');
}

async function runDesign(name, dir) {
  const path = join(dir, `${name}.db`);
  const d = await openDesign(name, path);
  const anons = Array.from({ length: 50_000 }, () => randomUUID());
  const sample = [];
  const segments = [];
  const step = ROWS / 10;
  const t0 = performance.now();
  let seg = t0;
  let walPages = 0;
  const walHook = () => {
    // Pages written to the WAL by each commit (the write amplification this bench is about).
    const r = d.db.pragma('wal_checkpoint(PASSIVE)')[0];
    walPages += r.log;
  };
  let rows = 0;
  let stoppedEarly = false;
  while (rows < ROWS) {
    const batch = new Array(TXN);
    for (let j = 0; j < TXN; j++) {
      const i = rows + j;
      batch[j] = {
        mid: randomUUID(),
        anon: anons[(Math.imul(i, 2654435761) >>> 0) % anons.length],
        ts: 1_700_000_000_000 + i * 10,
        ctx: JSON.stringify(sdkContext(i)),
        props: `{"product_id":"p-${i % 5000}","price":19.99}`,
      };
    }
    if (rows % 250_000 === 0) sample.push(batch[0].mid);
    d.append(batch);
    rows += TXN;
    if (rows % (TXN * 8) === 0) walHook();
    if (rows % step === 0) {
      const now = performance.now();
      segments.push({ rows: `${(rows / 1e6).toFixed(1)} M`, 'rows/s': Math.round(step / ((now - seg) / 1000)) });
      seg = now;
    }
    if ((performance.now() - t0) / 1000 > MAX_S) {
      stoppedEarly = true;
      break;
    }
  }
  walHook();
  const seconds = (performance.now() - t0) / 1000;
  // Replay: 20 000 stored ids (spread over the whole log) must all be found.
  const replay = [];
  const ids = d.db.prepare('SELECT message_id FROM events WHERE id % ? = 0 LIMIT 20000').pluck().all(Math.max(1, Math.floor(rows / 20_000)));
  const r0 = performance.now();
  let found = 0;
  for (const mid of ids) if (d.isStored(mid)) found++;
  const replayUs = ((performance.now() - r0) * 1000) / ids.length;
  replay.push(found === ids.length);
  let misses = 0;
  const m0 = performance.now();
  for (let i = 0; i < 20_000; i++) if (d.isStored(randomUUID())) misses++;
  const newUs = ((performance.now() - m0) * 1000) / 20_000;
  const size = statSync(path).size;
  d.db.close();
  return {
    design: name,
    rows,
    segments,
    summary: {
      design: name,
      'rows stored': rows,
      's': +seconds.toFixed(0),
      'avg rows/s': Math.round(rows / seconds),
      'first 10 % rows/s': segments[0]?.['rows/s'] ?? '-',
      'last 10 % rows/s': segments.at(-1)?.['rows/s'] ?? '-',
      'WAL KiB/event': +((walPages * 4096) / 1024 / rows).toFixed(2),
      'file MB': Math.round(size / 1e6),
      'dup check µs (stored id)': +replayUs.toFixed(1),
      'dup check µs (new id)': +newUs.toFixed(1),
      'replay all found': found === ids.length && misses === 0,
      note: (stoppedEarly ? `stopped at ${MAX_S} s; ` : '') + d.extra(),
    },
  };
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'omnitrail-storage-bench-'));
  try {
    const results = [];
    for (const name of DESIGNS) {
      const r = await runDesign(name, dir);
      results.push(r);
      console.log(`\n${name}: rows/s per tenth of ${ROWS} rows`);
      console.table(r.segments);
      rmSync(join(dir, `${name}.db`), { force: true });
      rmSync(join(dir, `${name}.db-wal`), { force: true });
    }
    console.log(`\nStorage design bench: ${ROWS} random-UUID events, transactions of ${TXN}, WAL + synchronous=FULL, Node ${process.version}, load ${loadavg()[0].toFixed(1)}`);
    console.table(results.map((r) => r.summary));
    if (results.some((r) => !r.summary['replay all found'])) throw new Error('a design lost track of a stored messageId');
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
