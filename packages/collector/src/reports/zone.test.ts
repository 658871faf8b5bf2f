import { describe, expect, it } from 'vitest';
import { checkTimeZone, dayIn, dayStart, nextDay, siteTimeZone, timeIn, zoneOffset } from './zone';

const H = 3_600_000;

describe('reporting time zones', () => {
  it('accepts IANA names in any case and refuses the rest', () => {
    expect(checkTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(checkTimeZone('UTC')).toBe('UTC');
    expect(checkTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
    for (const bad of ['Mars/Olympus', '', 'Europe/Berlin; DROP', 42, null, 'x'.repeat(80)]) expect(checkTimeZone(bad)).toBeNull();
    expect(siteTimeZone({ timezone: 'Asia/Kolkata' })).toBe('Asia/Kolkata');
    expect(siteTimeZone({ timezone: 'nowhere' })).toBe('UTC');
    expect(siteTimeZone(undefined)).toBe('UTC');
  });

  it('offsets: whole, half and three-quarter hours, and both sides of a clock change', () => {
    expect(zoneOffset(Date.UTC(2026, 0, 15, 12), 'Europe/Berlin')).toBe(1 * H);
    expect(zoneOffset(Date.UTC(2026, 6, 15, 12), 'Europe/Berlin')).toBe(2 * H);
    expect(zoneOffset(Date.UTC(2026, 0, 15, 12, 0, 0, 999), 'Asia/Kolkata')).toBe(5.5 * H);
    expect(zoneOffset(Date.UTC(2026, 0, 15, 12), 'Pacific/Chatham')).toBe(13.75 * H);
    expect(zoneOffset(Date.UTC(2026, 0, 15, 12), 'America/New_York')).toBe(-5 * H);
    expect(zoneOffset(Date.UTC(2026, 0, 15, 12), 'UTC')).toBe(0);
  });

  it('days begin at local midnight, and last 23 or 25 hours where the clocks change', () => {
    expect(dayStart('2026-03-02', 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 1, 23));
    expect(dayStart('2026-03-02', 'UTC')).toBe(Date.UTC(2026, 2, 2));
    // Berlin springs forward on 29 March 2026 and falls back on 25 October 2026.
    expect(dayStart('2026-03-30', 'Europe/Berlin') - dayStart('2026-03-29', 'Europe/Berlin')).toBe(23 * H);
    expect(dayStart('2026-10-26', 'Europe/Berlin') - dayStart('2026-10-25', 'Europe/Berlin')).toBe(25 * H);
    expect(dayStart('2026-11-01', 'America/New_York') - dayStart('2026-10-31', 'America/New_York')).toBe(24 * H);
    expect(dayStart('2026-11-02', 'America/New_York') - dayStart('2026-11-01', 'America/New_York')).toBe(25 * H);
    expect(dayStart('2026-01-15', 'Asia/Kolkata')).toBe(Date.UTC(2026, 0, 14, 18, 30));
  });

  it('an instant belongs to its local day; each day start maps back to its own day', () => {
    expect(dayIn(Date.UTC(2026, 2, 1, 23, 30), 'Europe/Berlin')).toBe('2026-03-02');
    expect(dayIn(Date.UTC(2026, 2, 1, 22, 59), 'Europe/Berlin')).toBe('2026-03-01');
    expect(dayIn(Date.UTC(2026, 2, 1, 23, 30), 'UTC')).toBe('2026-03-01');
    expect(timeIn(Date.UTC(2026, 2, 1, 23, 30), 'Europe/Berlin')).toBe('2026-03-02 00:30');
    expect(timeIn(Date.UTC(2026, 6, 1, 23, 30), 'Europe/Berlin')).toBe('2026-07-02 01:30');
    expect(timeIn(Date.UTC(2026, 2, 1, 23, 30, 59), 'UTC')).toBe('2026-03-01 23:30');
    for (const tz of ['Europe/Berlin', 'America/Sao_Paulo', 'Australia/Lord_Howe', 'Asia/Kathmandu']) {
      for (let day = '2026-01-01'; day < '2027-01-01'; day = nextDay(day)) {
        const t = dayStart(day, tz);
        expect(dayIn(t, tz), `${tz} ${day}`).toBe(day);
        expect(dayIn(t - 1, tz), `${tz} ${day}`).toBe(nextDay(day, -1));
      }
    }
  });

  it('where the clocks change at midnight (Santiago, Havana, Asunción, Beirut), every hour of 2026 lies within its day', () => {
    const bad: string[] = [];
    for (const tz of ['America/Santiago', 'America/Havana', 'America/Asuncion', 'Asia/Beirut']) {
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 3_600_000) {
        const d = dayIn(t, tz);
        if (!(dayStart(d, tz) <= t && t < dayStart(nextDay(d), tz))) bad.push(`${tz} ${new Date(t).toISOString()} (${d})`);
      }
    }
    expect(bad).toEqual([]);
    // Santiago skips 6 September 2026 00:00: the day begins at 01:00 local (−03), 04:00 UTC.
    expect(new Date(dayStart('2026-09-06', 'America/Santiago')).toISOString()).toBe('2026-09-06T04:00:00.000Z');
  });

  it('calendar arithmetic on days', () => {
    expect(nextDay('2026-02-28')).toBe('2026-03-01');
    expect(nextDay('2024-02-28')).toBe('2024-02-29');
    expect(nextDay('2026-01-01', -1)).toBe('2025-12-31');
    expect(nextDay('2026-03-01', -29)).toBe('2026-01-31');
  });
});
