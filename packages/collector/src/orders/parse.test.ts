import { describe, expect, it } from 'vitest';
import { FieldError, parseAmount, parseCurrency, parseQuantity, parseTime } from './parse';

const NOW = Date.UTC(2026, 2, 10, 12, 0, 0);

describe('parseAmount', () => {
  it.each([
    [89.9, 89.9],
    ['89.90', 89.9],
    ['89,90', 89.9],
    ['1.234,56', 1234.56],
    ['1,234.56', 1234.56],
    ['1 234,5', 1234.5],
    ['1234', 1234],
    ['1.234', 1234],
    ['-5,00', -5],
    ['89,90 €', 89.9],
    ['EUR 1.234,50', 1234.5],
    ['$1,234.50', 1234.5],
    ['0', 0],
    ['', undefined],
    [undefined, undefined],
  ])('%j → %j', (v, want) => expect(parseAmount(v, 'revenue')).toBe(want));

  it.each(['abc', '12a', '1..2', {}, '1,2,3'])('%j is refused', (v) => {
    expect(() => parseAmount(v, 'revenue')).toThrow(FieldError);
  });
});

describe('parseQuantity', () => {
  it('defaults to 1 and refuses fractions and zero', () => {
    expect(parseQuantity(undefined, 'q')).toBe(1);
    expect(parseQuantity('3', 'q')).toBe(3);
    expect(() => parseQuantity('1,5', 'q')).toThrow(/positive integer/);
    expect(() => parseQuantity(0, 'q')).toThrow(/positive integer/);
  });
});

describe('parseTime', () => {
  it.each([
    ['2026-03-01T10:15:00Z', Date.UTC(2026, 2, 1, 10, 15)],
    ['2026-03-01T10:15:00+01:00', Date.UTC(2026, 2, 1, 9, 15)],
    ['2026-03-01 10:15', Date.UTC(2026, 2, 1, 10, 15)], // no zone → UTC, never the server's zone
    ['2026-03-01 10:15:30.5', Date.UTC(2026, 2, 1, 10, 15, 30, 500)],
    ['2026-03-01', Date.UTC(2026, 2, 1)],
    [Date.UTC(2026, 2, 1), Date.UTC(2026, 2, 1)],
    [String(Date.UTC(2026, 2, 1)), Date.UTC(2026, 2, 1)],
    [Date.UTC(2026, 2, 1) / 1000, Date.UTC(2026, 2, 1)], // seconds
    ['', undefined],
    // Day-first dotted dates (German POS exports): never read month-first.
    ['01.03.2026', Date.UTC(2026, 2, 1)],
    ['01.03.2026 10:15', Date.UTC(2026, 2, 1, 10, 15)],
    ['1.3.2026 9:05:30', Date.UTC(2026, 2, 1, 9, 5, 30)],
    ['28.02.2026, 18:00', Date.UTC(2026, 1, 28, 18)],
  ])('%j → %j', (v, want) => expect(parseTime(v, 'timestamp', NOW)).toBe(want));

  it.each([
    ['yesterday', /not a date/],
    // Ambiguous or engine-specific: Date.parse reads both of these as January 3.
    ['01/03/2026', /not a date.*DD\.MM\.YYYY/],
    ['March 1, 2026', /not a date/],
    // Days the month lacks: Date.parse would roll them into the next month.
    ['2026-02-30', /not a date/],
    ['2026-02-29 10:00', /not a date/],
    ['31.04.2026', /not a date/],
    ['32.01.2026', /not a date/],
    ['01.13.2026', /not a date/],
    ['1999-12-31T00:00:00Z', /before the year 2000/],
    ['2026-03-12T12:00:00Z', /future/],
    [true, /ISO-8601/],
  ])('%j is refused', (v, re) => expect(() => parseTime(v, 'timestamp', NOW)).toThrow(re));
});

describe('parseCurrency', () => {
  it('upper-cases ISO codes and refuses others', () => {
    expect(parseCurrency(' eur ')).toBe('EUR');
    expect(parseCurrency('')).toBeUndefined();
    // A symbol that names one currency is read as it; $ and ¥ name several.
    expect(parseCurrency(' € ')).toBe('EUR');
    expect(parseCurrency('£')).toBe('GBP');
    expect(() => parseCurrency('$')).toThrow(/ISO 4217 code \(or €, £\), got "\$"/);
    expect(() => parseCurrency('¥')).toThrow(/ISO 4217/);
    expect(() => parseCurrency('EURO')).toThrow(FieldError);
  });
});
