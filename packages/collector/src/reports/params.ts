/**
 * Report parameters, parsed once from strings (HTTP query or CLI flags) into typed options
 * with clear errors. Shared by `GET /v1/reports/<name>` and `omnitrail report <name>`.
 */
import { DEFAULT_LOOKBACK_MS } from '../attribution/paths';
import { DEFAULT_HALF_LIFE_MS, MODELS, type ModelName } from '../attribution/models';
import { parseIsoTime } from '../ingest/time';
import { dayStart, nextDay } from './zone';

const DAY = 24 * 3600 * 1000;

/** Grouping of the attribution report. */
export type Dimension = 'channel' | 'campaign' | 'source';

export interface ReportParams {
  /** Range start (inclusive) and end (exclusive), ms since epoch. */
  from: number;
  to: number;
  /** The site's reporting time zone (IANA name): date-only bounds were read in it, and reports show days in it. */
  timeZone: string;
  /** Models to show (attribution, explain); default all. */
  models: ModelName[];
  /** The single model of single-model views (qr attributed revenue); default `markov`. */
  model: ModelName;
  dimension: Dimension;
  lookbackMs: number;
  halfLifeMs: number;
  directOnlyIfNothingElse: boolean;
  /** Goal event names counted as conversions (value 1). */
  goals: string[];
  /** Funnel steps (event names, in order). */
  steps: string[];
  /** Funnel window: all steps within this time of the first (default 7 days). */
  windowMs: number;
  /** Row limit for journeys (default 20). */
  limit: number;
  /** `explain`: the order (or goal conversion) id. */
  order?: string;
  /** Set when neither `from` nor `to` was given: `explain` then takes the range around its order. */
  defaultRange?: true;
}

/** The range every report states: ISO instants (`to` exclusive) and the zone its days are counted in. */
export interface ReportSpan {
  from: string;
  to: string;
  timeZone: string;
}

/**
 * The span of `p` as reports state it.
 *
 * @example
 * reportSpan(p) // { from: '2026-02-28T23:00:00.000Z', to: '2026-03-31T22:00:00.000Z', timeZone: 'Europe/Berlin' }
 */
export function reportSpan(p: Pick<ReportParams, 'from' | 'to' | 'timeZone'>): ReportSpan {
  return { from: new Date(p.from).toISOString(), to: new Date(p.to).toISOString(), timeZone: p.timeZone };
}

/** A parameter was invalid; the message names it. Routes map it to 400, the CLI to exit 2. */
export class ReportParamError extends Error {}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Accepts `2026-03-01` (the start of that day in `tz`, the site's reporting time zone), a full
 * ISO-8601 time, or ms since epoch.
 */
export function parseTime(name: string, v: string, tz = 'UTC'): number {
  const s = v.trim();
  const t = /^\d{10,}$/.test(s) ? Number(s) : parseIsoTime(s);
  if (!Number.isFinite(t)) throw new ReportParamError(`${name}: "${v}" is not a date (use YYYY-MM-DD, ISO-8601 or ms since epoch)`);
  return DATE_ONLY.test(s) ? dayStart(s, tz) : t;
}

function positive(name: string, v: string, max: number): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new ReportParamError(`${name} must be a number > 0 and ≤ ${max}`);
  return n;
}

function list(v: string | undefined): string[] {
  return v ? v.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

function model(name: string, v: string): ModelName {
  const m = v.trim().toLowerCase().replace(/-/g, '_') as ModelName;
  if (!MODELS.includes(m)) throw new ReportParamError(`${name}: unknown model "${v}" (models: ${MODELS.join(', ')})`);
  return m;
}

/**
 * Parse raw string parameters. Dates: `from` default `to − 30 days`, `to` default now; a
 * date-only `to` (`2026-03-31`) includes that whole day. Date-only days are the days of `tz`,
 * the site's reporting time zone (`settings.timezone`, see `siteTimeZone`).
 *
 * @example
 * parseReportParams({ from: '2026-03-01', to: '2026-03-31', model: 'linear' }, Date.now(), 'Europe/Berlin')
 */
export function parseReportParams(q: Record<string, string | undefined>, now: number, tz = 'UTC'): ReportParams {
  let to = now;
  if (q.to) {
    const s = q.to.trim();
    to = parseTime('to', s, tz);
    // A date-only `to` includes that whole day: the range ends when the next one starts.
    if (DATE_ONLY.test(s)) to = dayStart(nextDay(s), tz);
  }
  const from = q.from ? parseTime('from', q.from, tz) : to - 30 * DAY;
  if (from >= to) throw new ReportParamError('from must be before to');
  if (to - from > 3660 * DAY) throw new ReportParamError('the date range is limited to 10 years');
  const models = q.models ? list(q.models).map((m) => model('models', m)) : q.model ? [model('model', q.model)] : [...MODELS];
  const dimension = (q.dimension ?? q.by ?? 'channel').toLowerCase();
  if (dimension !== 'channel' && dimension !== 'campaign' && dimension !== 'source') {
    throw new ReportParamError('dimension must be channel, campaign or source');
  }
  const bool = (v: string | undefined) => v === '1' || v === 'true' || v === 'yes' || v === '';
  return {
    from,
    to,
    timeZone: tz,
    models,
    model: q.model ? model('model', q.model) : 'markov',
    dimension,
    lookbackMs: q.lookbackDays ? positive('lookbackDays', q.lookbackDays, 365) * DAY : DEFAULT_LOOKBACK_MS,
    halfLifeMs: q.halfLifeDays ? positive('halfLifeDays', q.halfLifeDays, 365) * DAY : DEFAULT_HALF_LIFE_MS,
    directOnlyIfNothingElse: q.directOnlyIfNothingElse !== undefined && bool(q.directOnlyIfNothingElse),
    goals: list(q.goals),
    steps: list(q.steps),
    windowMs: q.windowDays ? positive('windowDays', q.windowDays, 365) * DAY : 7 * DAY,
    limit: q.limit ? Math.floor(positive('limit', q.limit, 1000)) : 20,
    order: q.order?.trim() || undefined,
    ...(q.from || q.to ? {} : { defaultRange: true as const }),
  };
}
