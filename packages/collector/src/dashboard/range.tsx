/**
 * Date range, model and other report filters read from the query string, and the
 * small GET form that changes them (no script: a form with a submit button).
 */
import type { Child } from 'hono/jsx';
import { parseIsoTime } from '../ingest/time';
import { dayIn, dayStart, nextDay } from '../reports/zone';
import type { Site } from '../store/core';

const DAY = 86_400_000;

/** A report range: [from, to) in ms since epoch, its days in the site's time zone, and the form's strings. */
export interface Range {
  from: number;
  to: number;
  fromStr: string;
  toStr: string;
  /** The days of the range (`YYYY-MM-DD`), in `tz`. */
  days: string[];
  /** Where each day begins (ms since epoch), then `to`: one more entry than `days`. */
  starts: number[];
  /** The site's reporting time zone (`settings.timezone`, default UTC). */
  tz: string;
  /** Set when the asked range was cut to the longest one allowed: the form says so. */
  capped?: string;
}

/**
 * A `YYYY-MM-DD` the calendar has (a date input's value), else null.
 *
 * @example
 * validDay('2026-02-30') // null
 */
export function validDay(s: string | undefined): string | null {
  return s && /^\d{4}-\d{2}-\d{2}$/.test(s) && Number.isFinite(parseIsoTime(s)) ? s : null;
}

/**
 * Range from `?from=YYYY-MM-DD&to=YYYY-MM-DD` (both inclusive, days of the site's time zone
 * `tz`); default the last 30 days up to today there. A reversed range is swapped; ranges are
 * capped at 400 days.
 *
 * @example
 * parseRange({ from: '2026-11-01', to: '2026-11-07' }).to // 2026-11-08T00:00Z in ms
 * parseRange({ from: '2026-11-01', to: '2026-11-07' }, Date.now(), 'Europe/Berlin').to // 2026-11-07T23:00Z
 */
export function parseRange(q: Record<string, string | undefined>, now = Date.now(), tz = 'UTC'): Range {
  let toStr = validDay(q.to) ?? dayIn(now, tz);
  let fromStr = validDay(q.from) ?? nextDay(toStr, -29);
  if (fromStr > toStr) [fromStr, toStr] = [toStr, fromStr];
  let capped: string | undefined;
  if (Date.parse(toStr) - Date.parse(fromStr) > 400 * DAY) {
    capped = fromStr;
    fromStr = nextDay(toStr, -400);
  }
  const days: string[] = [];
  for (let d = fromStr; d <= toStr; d = nextDay(d)) days.push(d);
  const starts = [...days, nextDay(toStr)].map((d) => dayStart(d, tz));
  return { from: starts[0], to: starts[starts.length - 1], fromStr, toStr, days, starts, tz, ...(capped ? { capped } : {}) };
}

/**
 * Short day label for chart axes.
 *
 * @example
 * dayLabel('2026-11-26') // '26 Nov'
 */
export function dayLabel(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

/** A plain amount: what a sum without one currency (or an order without any) is shown as. */
function plain(v: number, digits: number): string {
  return new Intl.NumberFormat('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
}

/**
 * Money of one order or one person, with cents. `null`: no currency known, no sign.
 *
 * @example
 * money(1234.5) // '€1,234.50'
 * money(1234.5, null) // '1,234.50'
 */
export function money(v: number, currency: string | null = 'EUR'): string {
  if (!currency) return plain(v, 2);
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v);
  } catch {
    return `${v.toFixed(2)} ${currency}`;
  }
}

/**
 * Money in report totals and tables, whole units so columns line up. `null`: no single currency
 * (see `reports/currencies.ts`), no sign.
 *
 * @example
 * money0(1234.5) // '€1,235'
 */
export function money0(v: number, currency: string | null = 'EUR'): string {
  if (!currency) return plain(v, 0);
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency, minimumFractionDigits: 0, maximumFractionDigits: 0 }).format(v);
  } catch {
    return `${Math.round(v)} ${currency}`;
  }
}

/**
 * A sales channel id as a label.
 *
 * @example
 * channelLabel('store') // 'Store'
 */
export function channelLabel(ch: string): string {
  return ch ? ch.charAt(0).toUpperCase() + ch.slice(1) : ch;
}

/**
 * Integer with thousands separators.
 *
 * @example
 * int(12345) // '12,345'
 */
export function int(v: number): string {
  return new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 }).format(v);
}

/**
 * Share as a percentage with one decimal.
 *
 * @example
 * pct(0.1234) // '12.3 %'
 */
export function pct(v: number): string {
  // Reports round shares to 4 decimals; toFixed on v × 100 then rounds 0.5395 (53.95 %) down to
  // 53.9, since 53.95 is 53.9499… in binary. Rounding the thousandths as integers gives 54.0.
  return `${(Math.round(v * 1000) / 10).toFixed(1)} %`;
}

/**
 * The filter form of report pages: date range, site, and page-specific controls.
 *
 * @example
 * <RangeForm action="/dashboard/attribution" range={r} site={site}><select name="model">…</select></RangeForm>
 */
export function RangeForm(props: { action: string; range: Range; site: Site | null; children?: Child }) {
  return (
    <form method="get" action={props.action} class="inline card" aria-label="Report filters">
      {props.site ? <input type="hidden" name="site" value={props.site.id} /> : null}
      <div class="field">
        <label for="from">From</label>
        <input id="from" type="date" name="from" value={props.range.fromStr} />
      </div>
      <div class="field">
        <label for="to">To</label>
        <input id="to" type="date" name="to" value={props.range.toStr} />
      </div>
      {props.children}
      <button type="submit">Apply</button>
      <p class="hint">{`Days in ${props.range.tz}`}</p>
      {props.range.capped ? (
        <p class="notice" role="status">{`A range covers at most 401 days: this one starts on ${props.range.fromStr}, not ${props.range.capped}.`}</p>
      ) : null}
    </form>
  );
}
