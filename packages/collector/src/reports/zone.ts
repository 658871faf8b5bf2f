/**
 * A site's reporting time zone: where its days begin and end. Reports and the dashboard count
 * "a day" as the shop sees it (an order at 00:30 in Berlin belongs to that Berlin day), as GA4
 * does with a property's time zone. IANA names only; `UTC` is the default. Edge-safe: `Intl`
 * only, no tz database of our own.
 */

const DAY = 86_400_000;
const formats = new Map<string, Intl.DateTimeFormat>();

function format(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(tz, f);
  }
  return f;
}

/**
 * An IANA time zone name the runtime knows, spelled as given (ICU would turn `Asia/Kolkata` into
 * its legacy `Asia/Calcutta`) unless only the case differs; null when unknown.
 *
 * @example
 * checkTimeZone('europe/berlin') // 'Europe/Berlin'
 * checkTimeZone('Asia/Kolkata')  // 'Asia/Kolkata'
 * checkTimeZone('Mars/Olympus')  // null
 */
export function checkTimeZone(tz: unknown): string | null {
  if (typeof tz !== 'string' || tz.length === 0 || tz.length > 64) return null;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
    return resolved.toLowerCase() === tz.toLowerCase() ? resolved : tz;
  } catch {
    return null;
  }
}

/**
 * The reporting time zone in a site's settings (`settings.timezone`), `UTC` when unset or unknown.
 *
 * @example
 * siteTimeZone({ timezone: 'Europe/Berlin' }) // 'Europe/Berlin'
 */
export function siteTimeZone(settings: Record<string, unknown> | undefined): string {
  return checkTimeZone(settings?.timezone) ?? 'UTC';
}

/** Local time minus UTC at the instant `ms`, in ms (+3 600 000 for Berlin in winter). */
export function zoneOffset(ms: number, tz: string): number {
  if (tz === 'UTC') return 0;
  const p: Record<string, number> = {};
  for (const { type, value } of format(tz).formatToParts(ms)) p[type] = Number(value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * The local day (`YYYY-MM-DD`) of an instant in a time zone.
 *
 * @example
 * dayIn(Date.UTC(2026, 2, 1, 23, 30), 'Europe/Berlin') // '2026-03-02'
 */
export function dayIn(ms: number, tz: string): string {
  return new Date(ms + zoneOffset(ms, tz)).toISOString().slice(0, 10);
}

/**
 * Local date and time to the minute (`YYYY-MM-DD HH:MM`) of an instant in a time zone, for
 * timelines read by staff in the shop's zone.
 *
 * @example
 * timeIn(Date.UTC(2026, 2, 1, 23, 30), 'Europe/Berlin') // '2026-03-02 00:30'
 */
export function timeIn(ms: number, tz: string): string {
  return new Date(ms + zoneOffset(ms, tz)).toISOString().replace('T', ' ').slice(0, 16);
}

/**
 * The instant a local day (`YYYY-MM-DD`) begins in a time zone: its first moment, so a day
 * lasts 23 or 25 hours where the clocks change.
 *
 * @example
 * dayStart('2026-03-02', 'Europe/Berlin') // Date.UTC(2026, 2, 1, 23)
 */
export function dayStart(day: string, tz: string): number {
  const local = Date.parse(`${day}T00:00:00Z`);
  if (tz === 'UTC') return local;
  // The offset at local midnight, found from an estimate: the second pass corrects the guess on
  // the days the clocks change.
  const guess = local - zoneOffset(local, tz);
  const t = local - zoneOffset(guess, tz);
  // Where the clocks change at midnight itself (Santiago, Havana, Asunción …) that instant can
  // fall an hour off: in the day before when midnight is skipped, or after the day's first
  // moment when it repeats. The day then begins at the change: find it between the two.
  if (dayIn(t, tz) < day) return firstOf(day, tz, t, t + 3 * 3_600_000);
  if (dayIn(t - 1, tz) === day) return firstOf(day, tz, t - 3 * 3_600_000, t);
  return t;
}

/** The first instant in `[lo, hi]` whose local day is `day` or later (binary search to the ms; `hi` is one). */
function firstOf(day: string, tz: string, lo: number, hi: number): number {
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (dayIn(mid, tz) >= day) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The day after a `YYYY-MM-DD` day (calendar arithmetic, no time zone involved).
 *
 * @example
 * nextDay('2026-02-28') // '2026-03-01'
 */
export function nextDay(day: string, n = 1): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}
