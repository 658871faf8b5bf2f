import type { Db } from './db';
import { qrMigrationSql } from './qr';
import { dashboardSql } from './dashboard';
import { identityMigrationSql } from './identity';
import { ordersMigrationSql } from './orders';
import { keysMigrationSql } from './keys';
import { privacyMigrationSql } from './privacy';

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
 * Events are a plain rowid table, so every insert appends at the right edge of the table
 * B-tree whatever the client's messageId looks like. Uniqueness of (site, messageId) is
 * enforced through `mid_hash`, a 53-bit hash of site + messageId in a compact integer index;
 * the full text is compared on every hash hit (see `core.ts` and "Storage design").
 * Per-person indexes key on 53-bit hashes of the anonymous/user id for the same reason:
 * 8-byte keys pack ~4× denser than UUID text, so the randomly-written index stays in cache.
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
  id                 INTEGER PRIMARY KEY,  -- append order; never reused (no AUTOINCREMENT needed: rows are never deleted from the end by design, see retention)
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

CREATE INDEX events_mid ON events (mid_hash);
CREATE INDEX events_site_ts ON events (site_id, ts);
CREATE INDEX events_anon ON events (anon_hash) WHERE anon_hash IS NOT NULL;
CREATE INDEX events_user ON events (user_hash) WHERE user_hash IS NOT NULL;
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
