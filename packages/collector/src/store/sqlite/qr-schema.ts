/**
 * Migration of the QR/handoff domain. Codes are the primary key (globally unique: the scan URL
 * carries no site) in a WITHOUT ROWID table, so `/q/<code>` is one B-tree descent.
 * `qr_scans` holds one row per recorded scan (filled by `qrScanDeriver` in the scan event's own
 * transaction) for counts and scan-token lookups.
 */
export const qrMigrationSql = `
CREATE TABLE qr_campaigns (
  id           TEXT PRIMARY KEY,
  site_id      TEXT NOT NULL,
  name         TEXT NOT NULL,
  target_url   TEXT NOT NULL,
  fallback_url TEXT,
  utm          TEXT NOT NULL DEFAULT '{}',
  base_url     TEXT NOT NULL,
  starts_at    INTEGER,
  ends_at      INTEGER,
  disabled     INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL
);
CREATE INDEX qr_campaigns_site ON qr_campaigns (site_id, created_at);

CREATE TABLE qr_codes (
  code          TEXT PRIMARY KEY,
  site_id       TEXT NOT NULL,
  campaign_id   TEXT NOT NULL,
  kind          TEXT NOT NULL,          -- shared | personal
  recipient_ref TEXT,
  label         TEXT,
  target_url    TEXT,
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  seq           INTEGER NOT NULL        -- creation order inside the campaign (paging, exports)
) WITHOUT ROWID;
CREATE INDEX qr_codes_campaign ON qr_codes (campaign_id, seq);
CREATE UNIQUE INDEX qr_codes_recipient ON qr_codes (campaign_id, recipient_ref) WHERE recipient_ref IS NOT NULL;

-- Mailing recipients: identifiers hashed (e-mail/phone SHA-256), never raw.
CREATE TABLE qr_recipients (
  campaign_id   TEXT NOT NULL,
  recipient_ref TEXT NOT NULL,
  site_id       TEXT NOT NULL,
  customer_id   TEXT,
  email_sha256  TEXT,
  phone_sha256  TEXT,
  loyalty_id    TEXT,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, recipient_ref)
) WITHOUT ROWID;

CREATE TABLE qr_scans (
  token        TEXT PRIMARY KEY,
  site_id      TEXT NOT NULL,
  code         TEXT NOT NULL,
  campaign_id  TEXT NOT NULL,
  ts           INTEGER NOT NULL,
  event_rowid  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX qr_scans_code ON qr_scans (code);
CREATE INDEX qr_scans_campaign ON qr_scans (campaign_id);

CREATE TABLE handoff_codes (
  site_id      TEXT NOT NULL,
  code         TEXT NOT NULL,
  anonymous_id TEXT NOT NULL,
  issued_at    INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  PRIMARY KEY (site_id, code)
) WITHOUT ROWID;
CREATE INDEX handoff_codes_anon ON handoff_codes (site_id, anonymous_id, expires_at);
`;
