import { cursorTableSql, type ReadModel } from './read-models';

/**
 * The goal value of a track event as SQL over its `properties`: `properties.value` when it is a
 * JSON number, else NULL (the goal counts 1). Properties that are not JSON give NULL too.
 */
export const GOAL_VALUE_SQL = `CASE WHEN json_valid(properties) THEN
  CASE json_type(properties, '$.value') WHEN 'integer' THEN properties ->> '$.value' WHEN 'real' THEN properties ->> '$.value' END END`;

/**
 * `track_rows`: the named track events that are not web vitals (bots left out), as ~100-byte rows
 * of what funnels and goal conversions read — time, name, the two visitor IDs, messageId, goal
 * value — clustered by (site, time). At 4.82 M events a funnel's steps were 265 k of the 2.57 M
 * events in its 30-day range, most of the rest `Web Vitals` (which have `vitals_samples`): reading
 * them from the event log walked every wide row of the range (1.7–2.1 s), from here 0.35 s.
 *
 * A read model (read-models.ts): derived by the reader before each read, never at ingest. Triggers
 * keep it in step with the log: a deleted event (erasure, retention, site deletion) loses its row;
 * an event whose visitor IDs change (erasure detaches a shared device's browser ID) has them
 * changed here too.
 */
export const trackRowsSql = `
CREATE TABLE track_rows (
  site_id      TEXT NOT NULL,
  ts           INTEGER NOT NULL,
  id           INTEGER NOT NULL,  -- the event's id
  event        TEXT NOT NULL,
  anonymous_id TEXT,
  user_id      TEXT,
  message_id   TEXT NOT NULL,
  value        REAL,              -- GOAL_VALUE_SQL
  PRIMARY KEY (site_id, ts, id)
) WITHOUT ROWID;
${cursorTableSql('track_rows_state')}
CREATE TRIGGER events_track_rows_delete AFTER DELETE ON events WHEN old.type = 'track' AND old.event <> 'Web Vitals' BEGIN
  DELETE FROM track_rows WHERE site_id = old.site_id AND ts = old.ts AND id = old.id;
END;
CREATE TRIGGER events_track_rows_ids AFTER UPDATE OF anonymous_id, user_id ON events
WHEN old.type = 'track' AND old.event <> 'Web Vitals' BEGIN
  UPDATE track_rows SET anonymous_id = new.anonymous_id, user_id = new.user_id
  WHERE site_id = old.site_id AND ts = old.ts AND id = old.id;
END;
`;

/** The read model: rows derived from the events past `track_rows_state`. */
export const TRACK_ROWS: ReadModel = {
  cursor: 'track_rows_state',
  derive: `INSERT INTO track_rows (site_id, ts, id, event, anonymous_id, user_id, message_id, value)
    SELECT site_id, ts, id, event, anonymous_id, user_id, message_id, ${GOAL_VALUE_SQL}
    FROM events
    WHERE id > ? AND id <= ? AND type = 'track' AND bot = 0 AND event <> '' AND event <> 'Web Vitals'`,
};

/** Whether a read of these event names can use `track_rows` (it holds no `Web Vitals`). */
export const inTrackRows = (names: readonly string[] | undefined): names is readonly string[] => !!names && !names.includes('Web Vitals');
