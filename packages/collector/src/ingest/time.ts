// ISO-8601 / RFC 3339 date or date-time. `Date.parse` alone would also accept free-form
// strings such as "Tuesday" or "1/2/3", whose meaning depends on the engine.
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Parse an ISO-8601 timestamp to ms since epoch; NaN when the string is not one.
 * A date-time without an offset is read as UTC (not as the server's local time).
 * A day the month does not have is refused: `Date.parse` would roll 2026-02-30 over to March 2.
 *
 * This is the one parser of user-supplied times (ingest, orders, reports, QR campaigns, the
 * dashboard's range): `Date.parse` alone also reads free-form text by the engine's own rules,
 * such as "01.03.2026" as January 3.
 *
 * @example
 * parseIsoTime('2026-01-02T03:04:05.678Z') // 1767323045678
 * parseIsoTime('2026-03-01')               // Date.UTC(2026, 2, 1)
 * parseIsoTime('2026-02-30')               // NaN
 * parseIsoTime('yesterday')                // NaN
 */
export function parseIsoTime(s: string): number {
  if (s.length > 40) return NaN;
  const m = ISO.exec(s);
  if (!m) return NaN;
  const day = (s.charCodeAt(8) - 48) * 10 + s.charCodeAt(9) - 48;
  if (day > 28) {
    const y = +s.slice(0, 4);
    const month = (s.charCodeAt(5) - 48) * 10 + s.charCodeAt(6) - 48;
    const leap = month === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
    if (day > (DAYS_IN_MONTH[month - 1] ?? 0) + (leap ? 1 : 0)) return NaN;
  }
  let v = s.replace(' ', 'T').replace(',', '.');
  if (v.length > 10 && m[1] === undefined) v += 'Z';
  // An offset without a colon (+0200) or hours only (+02) is ISO-8601 but not every engine reads it.
  else if (m[1] && m[1].length === 5) v = v.slice(0, -2) + ':' + v.slice(-2);
  else if (m[1] && m[1].length === 3) v += ':00';
  return Date.parse(v);
}

/**
 * A time given as a query parameter or API field: ms since epoch (digits only) or ISO-8601
 * (see {@link parseIsoTime}); NaN when it is neither.
 *
 * @example
 * parseMsOrIso('1767323045678')        // 1767323045678
 * parseMsOrIso('2026-01-02T03:04:05Z') // 1767323045000
 * parseMsOrIso('01.02.2026')           // NaN
 */
export function parseMsOrIso(s: string): number {
  const v = s.trim();
  return /^\d+$/.test(v) ? Number(v) : parseIsoTime(v);
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
