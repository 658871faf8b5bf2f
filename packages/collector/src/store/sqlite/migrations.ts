import type { Db } from './db';
import { qrMigrationSql } from './qr';
import { dashboardSql, endedSessionsSql } from './dashboard';
import { capRefusalsSql, identityLinksByNewerSql, identityMigrationSql } from './identity';
import { ordersMigrationSql } from './orders';
import { keysMigrationSql } from './keys';
import { privacyMigrationSql } from './privacy';
import { touchFieldsMigration } from './touch-fields';
import { stitchStateSql } from './stitcher';
import { eventKeysMigration, GEN_SHIFT } from './event-keys';
import { erasedMessagesSql } from './dedup';
import { vitalsSamplesSql } from './vitals-samples';
import { trackRowsSql } from './track-rows';
import { identifyPiiIndexSql } from './person-scope';
import { webhooksMigrationSql, webhooksPrivateOkMigration } from './webhooks';
import { cookielessViewsMigration } from './cookieless-views';

/**
 * One schema step. `version` numbers are unique and increasing; a shipped migration is never
 * edited — add a new one instead. `up` is SQL (may hold several statements) or a function for
 * steps that need logic (backfills).
 */
export interface Migration {
  version: number;
  name: string;
  up: string | ((db: Db) => void);
}

/**
 * Migration 1: sites, keys and the event log.
 *
 * Events are a rowid table (AUTOINCREMENT: ids are never reused, even after erasure, which
 * the dedup filter snapshot relies on), so every insert appends at the right edge of the
 * table B-tree whatever the client's messageId looks like. Uniqueness of (site, messageId)
 * is enforced by `dedup.ts`: a Bloom filter over `mid_hash` (hash of site +
 * messageId; since session 8 over its own 53-bit key, `filterKey`) and, on a filter hit, the generation-led index `events_mid` plus a comparison
 * of the full text. Per-person reads use the generation-led hash indexes `events_anon` /
 * `events_user` (one probe per generation). See "Storage design". Migration 12 replaced the
 * three hash indexes by `event_keys` (see `event-keys.ts`).
 */
const core = `
CREATE TABLE sites (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  origins     TEXT NOT NULL,            -- JSON array
  write_key   TEXT NOT NULL UNIQUE,
  secret_hash TEXT NOT NULL UNIQUE,     -- SHA-256 hex of the secret key; the key itself is never stored
  settings    TEXT NOT NULL DEFAULT '{}',
  created_at  INTEGER NOT NULL
);

CREATE TABLE events (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,  -- append order, never reused
  site_id            TEXT NOT NULL,
  mid_hash           INTEGER NOT NULL,
  message_id         TEXT NOT NULL,
  type               TEXT NOT NULL,
  event              TEXT,
  anonymous_id       TEXT,
  user_id            TEXT,
  anon_hash          INTEGER,
  user_hash          INTEGER,
  ts                 INTEGER NOT NULL,
  received_at        INTEGER NOT NULL,
  original_timestamp TEXT,
  sent_at            TEXT,
  consent            TEXT,
  bot                INTEGER NOT NULL DEFAULT 0,
  ua_browser         TEXT,
  ua_os              TEXT,
  ua_device          TEXT,
  country            TEXT,
  context            TEXT NOT NULL DEFAULT '{}',
  properties         TEXT NOT NULL DEFAULT '{}',
  traits             TEXT NOT NULL DEFAULT '{}'
);

CREATE INDEX events_mid ON events ((id >> ${GEN_SHIFT}), mid_hash);
CREATE INDEX events_anon ON events ((id >> ${GEN_SHIFT}), anon_hash) WHERE anon_hash IS NOT NULL;
CREATE INDEX events_user ON events ((id >> ${GEN_SHIFT}), user_hash) WHERE user_hash IS NOT NULL;
-- Time-range reads (reports); event time is nearly append-ordered, so this stays sequential.
CREATE INDEX events_site_ts ON events (site_id, ts);

-- Snapshot of the in-memory dedup Bloom filter, written at clean close (see dedup.ts).
CREATE TABLE dedup_filter (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  upto_id INTEGER NOT NULL,
  data    BLOB NOT NULL
);
`;

/**
 * Every migration, in order. Each domain appends its own numbered entry at the end
 * (e.g. `{ version: 2, name: 'identity', up: identitySql }` imported from its module).
 */
export const migrations: Migration[] = [
  { version: 1, name: 'core: sites, keys, events', up: core },
  { version: 2, name: 'dashboard: admin password, cookie secret', up: dashboardSql },
  { version: 3, name: 'qr: campaigns, codes, recipients, scans, handoff codes', up: qrMigrationSql },
  { version: 4, name: 'identity: identifiers, links, components, touch refs', up: identityMigrationSql },
  { version: 5, name: 'orders: orders by (site, order_id), order records / status history', up: ordersMigrationSql },
  { version: 6, name: 'keys: rotated and revoked site keys', up: keysMigrationSql },
  { version: 7, name: 'privacy: audit log, suppression list', up: privacyMigrationSql },
  { version: 9, name: 'touch fields: what journey touches are built from, without reading events', up: touchFieldsMigration },
  { version: 10, name: 'identity: links keyed by their newer identifier, canonical key recomputed', up: identityLinksByNewerSql },
  { version: 11, name: 'stitching: cursor of the background identity pass', up: stitchStateSql },
  { version: 12, name: 'event keys: sealed per generation instead of three random-insert indexes', up: eventKeysMigration },
  { version: 13, name: 'identity: cap refusals by their older identifier', up: capRefusalsSql },
  { version: 14, name: 'vitals samples: derived from Web Vitals events by the reader', up: vitalsSamplesSql },
  { version: 15, name: 'track rows: named track events for funnels and goals, derived by the reader', up: trackRowsSql },
  { version: 16, name: 'privacy: identify events by hashed e-mail / phone, for erasure of unstitched events', up: identifyPiiIndexSql },
  { version: 17, name: 'privacy: tombstones of erased messageIds (dedup stays permanent)', up: erasedMessagesSql },
  { version: 18, name: 'webhooks: endpoints and the outbox of order changes', up: webhooksMigrationSql },
  { version: 19, name: 'dashboard: sessions ended by logout', up: endedSessionsSql },
  { version: 20, name: 'cookieless views: page views and daily visitor hashes of cookieless mode, backfilled', up: cookielessViewsMigration },
  { version: 21, name: 'webhooks: which may send to a private network (registered by the operator)', up: webhooksPrivateOkMigration },
];

/**
 * Applies the migrations newer than `PRAGMA user_version`, each in its own transaction,
 * and records the version. Safe to call on every start.
 *
 * @example
 * runMigrations(db, migrations); // → number of steps applied
 */
export function runMigrations(db: Db, list: Migration[] = migrations): number {
  const sorted = [...list].sort((a, b) => a.version - b.version);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].version === sorted[i - 1].version) {
      throw new Error(`duplicate migration version ${sorted[i].version}: ${sorted[i - 1].name} / ${sorted[i].name}`);
    }
  }
  const current = db.pragma('user_version', { simple: true }) as number;
  let applied = 0;
  for (const m of sorted) {
    if (m.version <= current) continue;
    db.transaction(() => {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    applied++;
  }
  return applied;
}

/**
 * Tells the query planner that `site_id` alone is not selective (one site may own every event:
 * the usual single-shop install), so time-range reads keep using `events_site_ts` the way it
 * was meant. Written at every open because ANALYZE on a small table would record other numbers.
 * (The generation-led hash indexes this once also pinned are gone: see `event-keys.ts`.)
 *
 * @example
 * pinEventIndexStats(db); // after runMigrations
 */
export function pinEventIndexStats(db: Db): void {
  db.exec('ANALYZE sqlite_schema'); // creates sqlite_stat1 if missing, without analysing tables
  const rows = 1_000_000_000;
  db.transaction(() => {
    // Also drops the rows of the hash indexes migration 12 removed.
    db.prepare("DELETE FROM sqlite_stat1 WHERE tbl = 'events'").run();
    db.prepare('INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)').run('events', 'events_site_ts', `${rows} ${rows} 1`);
  })();
  db.exec('ANALYZE sqlite_schema'); // reloads the statistics into this connection
}
