// ISO-8601 / RFC 3339 date or date-time. `Date.parse` alone would also accept free-form
// strings such as "Tuesday" or "1/2/3", whose meaning depends on the engine.
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Parse an ISO-8601 timestamp to ms since epoch; NaN when the string is not one.
 * A date-time without an offset is read as UTC (not as the server's local time).
 *
 * @example
 * parseIsoTime('2026-01-02T03:04:05.678Z') // 1767323045678
 * parseIsoTime('yesterday')                // NaN
 */
export function parseIsoTime(s: string): number {
  if (s.length > 40) return NaN;
  const m = ISO.exec(s);
  if (!m) return NaN;
  let v = s.replace(' ', 'T').replace(',', '.');
  if (v.length > 10 && m[1] === undefined) v += 'Z';
  // An offset without a colon (+0200) or hours only (+02) is ISO-8601 but not every engine reads it.
  else if (m[1] && m[1].length === 5) v = v.slice(0, -2) + ':' + v.slice(-2);
  else if (m[1] && m[1].length === 3) v += ':00';
  return Date.parse(v);
}

/**
 * The event time the collector stores, Segment-style: the client's `timestamp` corrected by the
 * client's clock error, estimated as (`receivedAt` − `sentAt`). Without `sentAt` the client's
 * timestamp is taken as is; without `timestamp` the event happened when it was received.
 *
 * The result is clamped to `receivedAt`: an event cannot have happened after the collector
 * received it, so a future time only means a wrong clock (and a wildly wrong clock must not
 * push events into next year's reports).
 *
 * @example
 * // the client's clock is 1 h fast: both times are shifted back by 1 h
 * correctTimestamp(Date.parse('2026-01-01T11:00:00Z'), Date.parse('2026-01-01T11:00:05Z'), Date.parse('2026-01-01T10:00:05Z'))
 * // → Date.parse('2026-01-01T10:00:00Z')
 */
export function correctTimestamp(timestamp: number | null, sentAt: number | null, receivedAt: number): number {
  if (timestamp === null) return receivedAt;
  const t = sentAt === null ? timestamp : timestamp + (receivedAt - sentAt);
  return t > receivedAt ? receivedAt : t;
}
