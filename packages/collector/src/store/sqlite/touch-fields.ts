import type { TouchKind } from '../../attribution/journey';
import { mayStitch } from '../../stitch/derive';
import type { StoredEvent } from '../core';
import type { Deriver } from './context';
import type { Db } from './db';

/**
 * `touch_fields`: per touch event, the few fields a journey touch is built from (`touchOf`),
 * written at ingest next to the event, so reports read journeys without touching the events
 * table (at 5 M events its pages no longer fit the cache and every touch cost a random page
 * read). Raw inputs, not channels: classification stays at report time because per-site
 * custom rules can change.
 *
 * Rows are tied to their event (`ON DELETE CASCADE`): erasure and retention, which delete
 * events, delete them too. Readers reach them only through `identity_refs`, and fall back to
 * the event itself when a row is missing or was written for another kind (see journeys.ts),
 * so the table is an accelerator: it never changes what a report says.
 */

/**
 * The JSON fields of a touch kind as one JSON array (`json_extract` with several paths), from
 * the events row `e`, in the order `touchSource` (journeys.ts) reads them back. Kinds without
 * fields (`handoff`, `email`) give null.
 */
export function touchFieldsSql(kind: string): string {
  return `CASE ${kind}
    WHEN 'session' THEN json_extract(e.context, '$.campaign', '$.page.referrer', '$.page.url', '$.omnitrail.clickIds')
    WHEN 'qr' THEN json_extract(e.properties, '$.code', '$.campaign_id', '$.personalised', '$.campaign_name')
    WHEN 'offline' THEN json_extract(e.properties, '$.touchpoint_type', '$.location')
  END`;
}

/** Fills the touch fields of every touch already stored (migration 9; idempotent). */
export const touchFieldsBackfillSql = `
INSERT OR IGNORE INTO touch_fields (event_id, kind, message_id, x)
  SELECT e.id, r.kind, e.message_id, ${touchFieldsSql('r.kind')} FROM identity_refs r JOIN events e ON e.id = r.event_id;
`;

/** Migration 9: the table, filled for the touches already stored. */
export const touchFieldsMigrationSql = `
CREATE TABLE touch_fields (
  event_id   INTEGER PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
  kind       TEXT NOT NULL,      -- the touch kind the fields were extracted for
  message_id TEXT NOT NULL,
  x          TEXT                -- JSON array, see touchFieldsSql
);
${touchFieldsBackfillSql}`;

/**
 * The touch kind an event will most likely be (the identity deriver decides; a guess that
 * turns out wrong only costs the reader a fallback to the event). Cheap checks on fields the
 * event already has, since this runs for every ingested event.
 */
export function touchCandidate(ev: StoredEvent): TouchKind | null {
  if (ev.bot || !mayStitch(ev)) return null;
  if (ev.type === 'track') {
    if (ev.event === 'QR Code Scanned') return 'qr';
    if (ev.event === 'Offline Touchpoint') return 'offline';
    if (ev.event === 'Handoff Code Issued') return 'handoff';
  }
  if (ev.type !== 'page' && ev.type !== 'track' && ev.type !== 'screen') return null;
  const ot = ev.context.omnitrail as { sessionStart?: unknown } | null | undefined;
  return ot && typeof ot === 'object' && ot.sessionStart === true ? 'session' : null;
}

const inserts = new WeakMap<Db, { run(p: { kind: string; id: number }): unknown }>();

/**
 * Deriver: writes the touch fields of a likely touch event, from the row just inserted (the
 * same SQL extraction as the migration and the reader's fallback).
 */
export const touchFieldsDeriver: Deriver = (db, ev, rowid) => {
  const kind = touchCandidate(ev);
  if (!kind) return;
  let st = inserts.get(db);
  if (!st) {
    st = db.prepare(`INSERT OR IGNORE INTO touch_fields (event_id, kind, message_id, x) SELECT e.id, @kind, e.message_id, ${touchFieldsSql('@kind')} FROM events e WHERE e.id = @id`);
    inserts.set(db, st);
  }
  st.run({ kind, id: rowid });
};
