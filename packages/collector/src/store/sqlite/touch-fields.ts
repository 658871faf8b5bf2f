import type { Touch, TouchKind } from '../../attribution/journey';
import { mayStitch } from '../../stitch/derive';
import { sessionSource } from '../../stitch/sessions';
import { touchOf } from '../../stitch/touch';
import type { StoredEvent } from '../core';
import type { Deriver } from './context';
import { EVENT_COLUMNS, rowToEvent, type EventRow } from './core';
import type { Db } from './db';

/**
 * `touch_fields`: per touch event, its journey touch (`touchOf`: time, kind, messageId and the
 * channel inputs — UTM, referrer, page host, click IDs, QR code, offline type) as JSON, written
 * at ingest next to the event, so reports read journeys without touching the events table (at
 * 5 M events its pages no longer fit the cache and every touch cost a random page read, and
 * rebuilding every event in JavaScript was most of the report's cost). Inputs, not channels:
 * classification stays at report time because per-site custom rules can change.
 *
 * Rows are tied to their event (`ON DELETE CASCADE`): erasure and retention, which delete
 * events, delete them too. Readers reach them only through `identity_refs`, and build the touch
 * from the event itself when a row is missing or was written for another kind (see
 * journeys.ts), so the table is an accelerator: it never changes what a report says.
 */

const CREATE = `
CREATE TABLE touch_fields (
  event_id INTEGER PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
  kind     TEXT NOT NULL,      -- the touch kind it was built for
  touch    TEXT NOT NULL       -- JSON of touchOf(kind, event)
);`;

/**
 * The touch of a stored event, read from the event itself (the fallback, and the backfill).
 *
 * @example
 * touchOfEvent(db, 'session', 1234) // { ts, kind: 'session', messageId, utm: { … }, … }
 */
export function touchOfEvent(db: Db, kind: TouchKind, eventId: number): Touch {
  return touchOf(kind, rowToEvent(eventRow(db).get(eventId) as EventRow));
}

const eventRows = new WeakMap<Db, { get(id: number): unknown }>();
function eventRow(db: Db) {
  let st = eventRows.get(db);
  if (!st) eventRows.set(db, (st = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = ?`)));
  return st;
}

/** Fills the touches of every touch event already stored (migration 9; idempotent). */
export function backfillTouchFields(db: Db): void {
  const insert = db.prepare('INSERT OR IGNORE INTO touch_fields (event_id, kind, touch) VALUES (?, ?, ?)');
  const refs = db.prepare('SELECT DISTINCT event_id, kind FROM identity_refs').raw().all() as [number, TouchKind][];
  for (const [id, kind] of refs) insert.run(id, kind, JSON.stringify(touchOfEvent(db, kind, id)));
}

/** Migration 9: the table, filled for the touches already stored. */
export function touchFieldsMigration(db: Db): void {
  db.exec(CREATE);
  backfillTouchFields(db);
}

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
  }
  if (ev.type !== 'page' && ev.type !== 'track' && ev.type !== 'screen') return null;
  const ot = ev.context.omnitrail as { sessionStart?: unknown } | null | undefined;
  if (ot && typeof ot === 'object' && ot.sessionStart === true) return 'session';
  // A page view without the SDK's session marker is a session candidate (stitch/sessions.ts).
  return sessionSource(ev) === 'server' ? 'session' : null;
}

const inserts = new WeakMap<Db, { run(id: number, kind: string, touch: string): unknown }>();

/** Deriver: writes the touch of a likely touch event, built by `touchOf` as readers would build it. */
export const touchFieldsDeriver: Deriver = (db, ev, rowid) => {
  const kind = touchCandidate(ev);
  if (!kind) return;
  let st = inserts.get(db);
  if (!st) inserts.set(db, (st = db.prepare('INSERT OR IGNORE INTO touch_fields (event_id, kind, touch) VALUES (?, ?, ?)')));
  // The event's own values: JSON text round-trips them as a reader parsing the stored event would see them.
  st.run(rowid, kind, JSON.stringify(touchOf(kind, ev)));
};
