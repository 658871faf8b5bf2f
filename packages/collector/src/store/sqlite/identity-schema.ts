/**
 * Migration 4 (identity). See `identity.ts` for what each table is for.
 */
export const identityMigrationSql = `
CREATE TABLE identity_ids (
  id      INTEGER PRIMARY KEY,
  site_id TEXT NOT NULL,
  kind    TEXT NOT NULL,
  value   TEXT NOT NULL,             -- e-mail/phone: SHA-256 hex only
  h       INTEGER NOT NULL,          -- keyHash(site, kind:value)
  person  INTEGER NOT NULL,
  comp    INTEGER NOT NULL
);
CREATE INDEX identity_ids_h ON identity_ids (h);
CREATE INDEX identity_ids_person ON identity_ids (site_id, person);
CREATE INDEX identity_ids_comp ON identity_ids (comp);

CREATE TABLE identity_links (
  a        INTEGER NOT NULL,         -- identity_ids.id, a < b
  b        INTEGER NOT NULL,
  site_id  TEXT NOT NULL,
  key      TEXT NOT NULL,            -- canonical evaluation key of the earliest evidence
  ts       INTEGER NOT NULL,
  src_type TEXT NOT NULL,
  src_ref  TEXT NOT NULL,
  rule     TEXT NOT NULL,
  status   TEXT NOT NULL,            -- linked | redundant | refused
  reason   TEXT,                     -- user-conflict | cap:<kind>
  PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX identity_links_b ON identity_links (b);
CREATE INDEX identity_links_refused ON identity_links (site_id, status) WHERE status = 'refused';

CREATE TABLE identity_comps (
  id      INTEGER PRIMARY KEY,
  size    INTEGER NOT NULL,
  max_key TEXT NOT NULL
);

CREATE TABLE identity_refs (
  ident    INTEGER NOT NULL,
  ts       INTEGER NOT NULL,
  event_id INTEGER NOT NULL,         -- events.id
  kind     TEXT NOT NULL,            -- session | qr | offline | handoff
  PRIMARY KEY (ident, ts, event_id)
) WITHOUT ROWID;
CREATE INDEX identity_refs_event ON identity_refs (event_id);
`;
