/**
 * The channel rule language: ordered rules, first match wins. The default GA4-style table
 * (`channels.ts`) and per-site custom rules (JSON in `site.settings.channelRules`) are
 * written in the same language, so a site can copy any default rule and adapt it.
 *
 * A condition is an object whose keys are touch fields (all must match, AND) plus the
 * combinators `any` (OR), `all` (AND) and `not`. Values are case-insensitive.
 */
import { inSourceCategory, type SourceCategory } from './sources';

/** Fields a rule can look at, derived from a touch by `touchFields`. */
export interface TouchFields {
  /** `session` | `qr` | `offline` | `handoff` | `email` */
  kind: string;
  source: string;
  medium: string;
  campaign: string;
  term: string;
  content: string;
  /** Host of the referrer, `''` if none. */
  referrerHost: string;
  /** Names of click IDs present, e.g. `['gclid']`. */
  clickIds: string[];
  /** QR campaign id (qr touches). */
  qrCampaign: string;
  /** `true`/`false` as string for qr touches. */
  personalised: string;
  /** Offline touch type: store_visit, phone_call, consultation, appointment, custom. */
  offlineType: string;
  location: string;
}

export type FieldName = keyof TouchFields;

/**
 * How one field is matched: a string (exact), a list (one of), or an operator object.
 * `category` tests the GA4 source lists; `exists` tests for a non-empty value.
 */
export type Matcher =
  | string
  | string[]
  | { regex: string }
  | { contains: string }
  | { endsWith: string }
  | { startsWith: string }
  | { category: SourceCategory }
  | { exists: boolean };

export type Condition = { [K in FieldName]?: Matcher } & {
  any?: Condition[];
  all?: Condition[];
  not?: Condition;
};

/** One rule: the channel it assigns when `when` matches. */
export interface ChannelRule {
  channel: string;
  when: Condition;
  /** Optional note shown by `explain`. */
  name?: string;
}

export type CompiledCondition = (f: TouchFields) => boolean;

const FIELDS = new Set<string>([
  'kind', 'source', 'medium', 'campaign', 'term', 'content', 'referrerHost', 'clickIds',
  'qrCampaign', 'personalised', 'offlineType', 'location',
]);
const CATEGORIES = new Set(['search', 'social', 'video', 'shopping']);

/** A rule that failed validation; the message says where. */
export class RuleError extends Error {}

/** The most characters of a value a `regex` matcher reads. */
export const REGEX_INPUT_MAX = 1000;

const LINE_BREAKS = /[\n\r\u2028\u2029]/g;

/**
 * What a `regex` matcher reads of a value: its first {@link REGEX_INPUT_MAX} characters, line
 * breaks as spaces. Values come from events anyone with the write key can send. `.` stops at a
 * line break, so the default table's `^(.*cp.*|…)$` backtracked over every `cp` before one:
 * ten 14 000-character mediums made each attribution report take 6.5 s, blocking the collector.
 * Without line breaks these patterns are linear; the cap bounds a costly custom pattern too.
 */
export function regexInput(v: string): string {
  const s = v.length > REGEX_INPUT_MAX ? v.slice(0, REGEX_INPUT_MAX) : v;
  LINE_BREAKS.lastIndex = 0;
  return LINE_BREAKS.test(s) ? s.replace(LINE_BREAKS, ' ') : s;
}

function compileMatcher(field: string, m: unknown, where: string): (v: string) => boolean {
  if (typeof m === 'string') {
    const s = m.toLowerCase();
    return (v) => v === s;
  }
  if (Array.isArray(m)) {
    if (!m.every((x) => typeof x === 'string')) throw new RuleError(`${where}.${field}: a list must contain strings only`);
    const set = new Set(m.map((x: string) => x.toLowerCase()));
    return (v) => set.has(v);
  }
  if (m && typeof m === 'object') {
    const keys = Object.keys(m);
    if (keys.length !== 1) throw new RuleError(`${where}.${field}: an operator object has exactly one key`);
    const op = keys[0];
    const arg = (m as Record<string, unknown>)[op];
    if (op === 'exists') {
      if (typeof arg !== 'boolean') throw new RuleError(`${where}.${field}.exists must be true or false`);
      return (v) => (v !== '') === arg;
    }
    if (op === 'category') {
      if (typeof arg !== 'string' || !CATEGORIES.has(arg)) throw new RuleError(`${where}.${field}.category must be search, social, video or shopping`);
      return (v) => inSourceCategory(v, arg as SourceCategory);
    }
    if (typeof arg !== 'string') throw new RuleError(`${where}.${field}.${op} must be a string`);
    const s = arg.toLowerCase();
    switch (op) {
      case 'regex': {
        let re: RegExp;
        try {
          re = new RegExp(arg, 'i');
        } catch (e) {
          throw new RuleError(`${where}.${field}.regex is not a valid regular expression: ${(e as Error).message}`);
        }
        return (v) => re.test(regexInput(v));
      }
      case 'contains':
        return (v) => v.includes(s);
      case 'endsWith':
        return (v) => v.endsWith(s);
      case 'startsWith':
        return (v) => v.startsWith(s);
    }
    throw new RuleError(`${where}.${field}: unknown operator "${op}" (use regex, contains, startsWith, endsWith, category, exists)`);
  }
  throw new RuleError(`${where}.${field}: a matcher is a string, a list of strings or an operator object`);
}

/**
 * Compile a condition to a predicate; throws `RuleError` with a path on invalid input.
 *
 * @example
 * const isPaid = compileCondition({ medium: { regex: '^(.*cp.*|ppc|paid.*)$' } });
 * isPaid({ ...fields, medium: 'cpc' }) // true
 */
export function compileCondition(c: unknown, where = 'when'): CompiledCondition {
  if (!c || typeof c !== 'object' || Array.isArray(c)) throw new RuleError(`${where} must be an object`);
  const parts: CompiledCondition[] = [];
  for (const [key, val] of Object.entries(c as Record<string, unknown>)) {
    if (key === 'any' || key === 'all') {
      if (!Array.isArray(val) || val.length === 0) throw new RuleError(`${where}.${key} must be a non-empty list of conditions`);
      const subs = val.map((v, i) => compileCondition(v, `${where}.${key}[${i}]`));
      parts.push(key === 'any' ? (f) => subs.some((s) => s(f)) : (f) => subs.every((s) => s(f)));
    } else if (key === 'not') {
      const sub = compileCondition(val, `${where}.not`);
      parts.push((f) => !sub(f));
    } else if (FIELDS.has(key)) {
      const test = compileMatcher(key, val, where);
      const k = key as FieldName;
      parts.push(
        k === 'clickIds'
          ? (f) => (f.clickIds.length === 0 ? test('') : f.clickIds.some(test))
          : (f) => test(f[k] as string),
      );
    } else {
      throw new RuleError(`${where}: unknown field "${key}" (fields: ${[...FIELDS].join(', ')}; combinators: any, all, not)`);
    }
  }
  if (parts.length === 0) throw new RuleError(`${where} is empty`);
  return parts.length === 1 ? parts[0] : (f) => parts.every((p) => p(f));
}

/**
 * Validate untrusted JSON (per-site custom rules) into `ChannelRule[]`.
 *
 * @example
 * parseChannelRules([{ channel: 'Partners', when: { source: ['partner-a', 'partner-b'] } }]);
 */
export function parseChannelRules(json: unknown): ChannelRule[] {
  if (json == null) return [];
  if (!Array.isArray(json)) throw new RuleError('channel rules must be a JSON array');
  return json.map((r, i) => {
    const where = `rules[${i}]`;
    if (!r || typeof r !== 'object') throw new RuleError(`${where} must be an object`);
    const { channel, when, name } = r as Record<string, unknown>;
    if (typeof channel !== 'string' || channel.trim() === '' || channel.length > 100) {
      throw new RuleError(`${where}.channel must be a non-empty string (max 100 characters)`);
    }
    compileCondition(when, `${where}.when`);
    if (name !== undefined && typeof name !== 'string') throw new RuleError(`${where}.name must be a string`);
    return { channel: channel.trim(), when: when as Condition, ...(name ? { name } : {}) };
  });
}
