import { describe, expect, it } from 'vitest';
import { parseRange, pct } from './range';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 15, 13);

describe('parseRange', () => {
  it('reads both days inclusive, in UTC', () => {
    expect(parseRange({ from: '2026-02-01', to: '2026-02-28' }, NOW)).toMatchObject({ from: Date.UTC(2026, 1, 1), to: Date.UTC(2026, 2, 1), fromStr: '2026-02-01', toStr: '2026-02-28' });
  });

  it('defaults to the 30 days up to today, and ignores a day the month lacks instead of rolling it over', () => {
    const dflt = { from: Date.UTC(2026, 1, 14), to: Date.UTC(2026, 2, 16) };
    expect(parseRange({}, NOW)).toMatchObject(dflt);
    // Date.parse would read 2026-02-30 as March 2.
    expect(parseRange({ to: '2026-02-30' }, NOW)).toMatchObject(dflt);
    expect(parseRange({ from: '2026-02-31', to: '2026-03-15' }, NOW)).toMatchObject(dflt);
  });

  it('swaps a reversed range and caps it at 400 days', () => {
    expect(parseRange({ from: '2026-03-10', to: '2026-03-01' }, NOW)).toMatchObject({ fromStr: '2026-03-01', toStr: '2026-03-10' });
    const long = parseRange({ from: '2020-01-01', to: '2026-03-01' }, NOW);
    expect((long.to - long.from) / DAY).toBe(401);
    // The form says the range was cut (it once silently started 401 days back).
    expect(long.capped).toBe('2020-01-01');
    expect(parseRange({ from: '2026-01-01', to: '2026-03-01' }, NOW).capped).toBeUndefined();
  });

  it('pct rounds a report share half up: 0.5395 is 54.0 %, not 53.9 %', () => {
    expect(pct(0.5395)).toBe('54.0 %');
    expect(pct(0.1234)).toBe('12.3 %');
    expect(pct(1)).toBe('100.0 %');
    expect(pct(0)).toBe('0.0 %');
  });
});
