/**
 * Lenient field parsers for server records (orders, touchpoints). Records come from POS
 * systems, ERPs and hand-made CSV exports, so numbers may be strings with a decimal comma
 * and times may lack a zone. Each parser returns `undefined` for "absent" and throws a
 * `FieldError` with a human-readable reason for "present but wrong".
 */

import { parseIsoTime } from '../ingest/time';

/** A field was present but unusable; `message` is the reason shown to the integrator. */
export class FieldError extends Error {}

const MIN_TS = Date.UTC(2000, 0, 1);
// Clocks of POS terminals drift; a day of slack, but nothing from the far future.
const MAX_FUTURE_MS = 24 * 3600 * 1000;
// Day first, as German, Austrian, Swiss and most European POS exports write dates: dotted dates are
// never month-first, so they are not ambiguous (slashed ones are: 01/03 is March 1 or January 3).
const DOTTED = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,?[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const NUMERIC = /^\d+(\.\d+)?$/;

/** True for `undefined`, `null` and blank strings (CSV cells). */
export function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/**
 * Optional trimmed string, at most `max` characters. Numbers are accepted (CSV and JSON
 * integrators often send numeric IDs).
 *
 * @example
 * optString(' B-17 ', 'order_id') // 'B-17'
 */
export function optString(v: unknown, field: string, max = 200): string | undefined {
  if (isBlank(v)) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) v = String(v);
  if (typeof v !== 'string') throw new FieldError(`${field} must be a string`);
  const s = v.trim();
  if (s.length > max) throw new FieldError(`${field} is longer than ${max} characters`);
  return s;
}

/**
 * Parse an amount: a number, or a string with `.` or `,` as decimal separator and
 * optional thousands separators (`1.234,56`, `1,234.56`, `89,90`). The last separator
 * followed by 1–2 digits is the decimal one.
 *
 * @example
 * parseAmount('1.234,56', 'revenue') // 1234.56
 */
export function parseAmount(v: unknown, field: string): number | undefined {
  if (isBlank(v)) return undefined;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') {
    // Spreadsheet exports write "89,90 €", "EUR 89.90" or "$1,234.50": the currency is a
    // separate field, so a symbol or ISO code around the number is dropped.
    let s = v.trim().replace(/^(?:[A-Z]{3}|[€$£¥])|(?:[A-Z]{3}|[€$£¥])$/g, '').replace(/[\s\u00a0']/g, '');
    const neg = s.startsWith('-');
    if (neg) s = s.slice(1);
    const m = /^(.*?)([.,])(\d{1,2})$/.exec(s);
    const intPart = m ? m[1] : s;
    if (!/^\d{1,3}([.,]\d{3})*$|^\d+$/.test(intPart)) throw new FieldError(`${field} is not a number: ${JSON.stringify(v)}`);
    n = Number(intPart.replace(/[.,]/g, '') + (m ? '.' + m[3] : ''));
    if (neg) n = -n;
  } else throw new FieldError(`${field} must be a number`);
  if (!Number.isFinite(n)) throw new FieldError(`${field} is not a finite number`);
  return Math.round(n * 1e6) / 1e6;
}

/** A positive integer quantity (default 1 when absent). */
export function parseQuantity(v: unknown, field: string): number {
  const n = parseAmount(v, field);
  if (n === undefined) return 1;
  if (!Number.isInteger(n) || n <= 0) throw new FieldError(`${field} must be a positive integer`);
  return n;
}

/**
 * Parse a record time: ms since epoch (number or digit string; 10-digit values are read
 * as seconds), an ISO-8601 string, or a day-first dotted date (`01.03.2026 10:15`). A time
 * without a zone (`2026-03-01 10:15`, as spreadsheets export it) is read as UTC, so the result
 * never depends on the server's zone. Anything else (`01/03/2026`, `March 1`) is refused rather
 * than guessed, as are days the month lacks, times before 2000 and more than a day ahead.
 *
 * @example
 * parseTime('2026-03-01 10:15', 'timestamp', Date.now()) // Date.UTC(2026, 2, 1, 10, 15)
 * parseTime('01.03.2026 10:15', 'timestamp', Date.now()) // Date.UTC(2026, 2, 1, 10, 15)
 */
export function parseTime(v: unknown, field: string, now: number): number | undefined {
  if (isBlank(v)) return undefined;
  let t: number;
  if (typeof v === 'number' || (typeof v === 'string' && NUMERIC.test(v.trim()))) {
    const n = Number(v);
    t = n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  } else if (typeof v === 'string') {
    const s = v.trim();
    const d = DOTTED.exec(s);
    const pad = (x: string | undefined) => (x ?? '0').padStart(2, '0');
    t = parseIsoTime(d ? `${d[3]}-${pad(d[2])}-${pad(d[1])}T${pad(d[4])}:${pad(d[5])}:${pad(d[6])}` : s);
    if (Number.isNaN(t)) {
      throw new FieldError(
        `${field} is not a date: ${JSON.stringify(v)} (use ISO-8601 such as 2026-03-01 10:15 or 2026-03-01T10:15:00+01:00, DD.MM.YYYY HH:MM, or ms since epoch)`,
      );
    }
  } else throw new FieldError(`${field} must be an ISO-8601 string or ms since epoch`);
  if (!Number.isFinite(t) || t < MIN_TS) throw new FieldError(`${field} is before the year 2000`);
  if (t > now + MAX_FUTURE_MS) throw new FieldError(`${field} is in the future`);
  return t;
}

/** ISO 4217 currency code, upper-cased. */
export function parseCurrency(v: unknown, field = 'currency'): string | undefined {
  const s = optString(v, field, 3);
  if (s === undefined) return undefined;
  // Till exports often write the symbol. € and £ name one currency each; $ and ¥ do not.
  if (s === '€') return 'EUR';
  if (s === '£') return 'GBP';
  if (!/^[A-Za-z]{3}$/.test(s)) throw new FieldError(`${field} must be a three-letter ISO 4217 code (or €, £), got ${JSON.stringify(s)}`);
  return s.toUpperCase();
}
