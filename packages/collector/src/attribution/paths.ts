/**
 * From one stitched person's journey to conversion paths: which touches count for which
 * conversion, classified into channels.
 */
import type { Classified, Classifier } from './channels';
import type { Conversion, PersonJourney, Touch } from './journey';

/** Default lookback window: 30 days (as GA4's default for acquisition conversions). */
export const DEFAULT_LOOKBACK_MS = 30 * 24 * 3600 * 1000;

/** A classified touch of a conversion path. */
export interface PathTouch {
  ts: number;
  kind: Touch['kind'];
  messageId: string;
  channel: string;
  source: string;
  medium: string;
  campaign: string;
  /** Rule that assigned the channel (`custom[i]`, `default[i]`, `fallback`, `implicit`). */
  rule: string;
  /** QR touches: the code and its campaign (QR report). */
  qr?: Touch['qr'];
}

/** A conversion with the touches credited for it (time order). */
export interface ConversionPath {
  personId: string;
  conversion: Conversion;
  touches: PathTouch[];
}

export interface PathOptions {
  /** Conversions with `from ≤ ts < to` count (ms since epoch). */
  from: number;
  to: number;
  lookbackMs?: number;
  /** GA4 style: Direct touches count only when the path has nothing else. */
  directOnlyIfNothingElse?: boolean;
  /** Named events counted as goal conversions (value 1), e.g. `['Signed Up']`. */
  goals?: readonly string[];
}

/**
 * Whether a conversion counts: completed orders, and partly refunded ones with the value that
 * remains (the orders API stores a refund's remaining value); cancelled and fully refunded
 * orders never do.
 *
 * @example
 * converts({ id: 'o', ts: 0, value: 30, channel: 'store', status: 'refunded' }) // true (30 € kept)
 */
export function converts(c: Conversion): boolean {
  return c.status === 'completed' || (c.status === 'refunded' && c.value > 0);
}

/** Result for one person. */
export interface PersonPaths {
  paths: ConversionPath[];
  /**
   * Channels of the touches after the person's last conversion in range (or all touches in
   * range when nothing converted): the non-converting path the Markov model needs.
   */
  nonConverting: string[];
  /** Touches of the person in [from, to), classified, QR landing sessions included (the QR report counts them as visits). */
  touchesInRange: PathTouch[];
}

/**
 * When a conversion has no touch in its lookback window, it still needs an owner so its
 * credits sum to its value: the sales channel stands in (a walk-in store order → Store).
 */
const IMPLICIT: Record<string, string> = { web: 'Direct', store: 'Store', phone: 'Phone', goal: 'Direct' };

function byTime(a: { ts: number; messageId?: string; id?: string }, b: { ts: number; messageId?: string; id?: string }): number {
  if (a.ts !== b.ts) return a.ts - b.ts;
  const x = a.messageId ?? a.id ?? '';
  const y = b.messageId ?? b.id ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

function toPathTouch(t: Touch, c: Classified): PathTouch {
  const p: PathTouch = { ts: t.ts, kind: t.kind, messageId: t.messageId, channel: c.channel, source: c.source, medium: c.medium, campaign: c.campaign, rule: c.rule };
  if (t.qr) p.qr = t.qr;
  return p;
}

/**
 * A landing session this soon after a scan of the same campaign (source, medium and campaign
 * the redirect adds) is that scan's visit: the redirect lands within seconds, a slow phone
 * within minutes.
 */
export const LANDING_MS = 10 * 60_000;

/**
 * The touches that earn credit: a QR scan and the landing session it redirected to are one
 * interaction, so the landing session is left out and the scan stands for both — it is the
 * earlier of the two, and it alone knows the code and whether it was a personalised mailing
 * (Direct Mail) or a shared print code (Print/QR). The QR report still counts the landing as
 * the scan's visit (`touchesInRange`).
 */
function withoutLandings(touches: PathTouch[]): PathTouch[] {
  let scans: PathTouch[] | null = null;
  let out: PathTouch[] | null = null;
  for (let i = 0; i < touches.length; i++) {
    const t = touches[i];
    if (t.kind === 'qr') (scans ??= []).push(t);
    else if (scans && t.kind === 'session' && scans.some((s) => t.ts - s.ts <= LANDING_MS && s.campaign === t.campaign && s.source === t.source && s.medium === t.medium)) {
      out ??= touches.slice(0, i);
      continue;
    }
    out?.push(t);
  }
  return out ?? touches;
}

/**
 * Conversion paths of one person. Touches and conversions are re-sorted by (time, id), so
 * the result does not depend on the order storage returned them in. A touch may count for
 * several conversions within its lookback (as in GA4); cancelled and fully refunded orders
 * are not conversions (see `converts`).
 *
 * @example
 * const { paths } = personPaths(journey, createClassifier(), { from, to });
 * paths[0].touches.map((t) => t.channel) // ['Paid Search', 'Email']
 */
export function personPaths(j: PersonJourney, classify: Classifier, opts: PathOptions): PersonPaths {
  const lookback = opts.lookbackMs ?? DEFAULT_LOOKBACK_MS;
  // Storage returns touches in (time, id) order; sort only when they are not.
  let sorted = true;
  for (let k = 1; k < j.touches.length && sorted; k++) sorted = byTime(j.touches[k - 1], j.touches[k]) <= 0;
  const touches = sorted ? j.touches : [...j.touches].sort(byTime);
  const all = touches.map((t) => toPathTouch(t, classify(t)));
  const classified = withoutLandings(all);
  const conversions = j.conversions.filter((c) => converts(c) && c.ts >= opts.from && c.ts < opts.to);
  if (opts.goals && opts.goals.length && j.events) {
    const goals = new Set(opts.goals);
    j.events.forEach((e, i) => {
      if (goals.has(e.name) && e.ts >= opts.from && e.ts < opts.to) {
        conversions.push({ id: `${j.personId}:${e.name}:${e.ts}:${i}`, ts: e.ts, value: 1, channel: 'goal', status: 'completed' });
      }
    });
  }
  conversions.sort(byTime);
  const paths: ConversionPath[] = [];
  let lo = 0;
  for (const c of conversions) {
    const start = c.ts - lookback;
    while (lo < classified.length && classified[lo].ts < start) lo++;
    let hi = lo;
    while (hi < classified.length && classified[hi].ts <= c.ts) hi++;
    let path = classified.slice(lo, hi);
    if (opts.directOnlyIfNothingElse && path.some((t) => t.channel !== 'Direct')) path = path.filter((t) => t.channel !== 'Direct');
    if (path.length === 0) {
      const channel = IMPLICIT[c.channel] ?? 'Unassigned';
      path = [{ ts: c.ts, kind: 'session', messageId: `implicit:${c.id}`, channel, source: '(none)', medium: '(none)', campaign: '', rule: 'implicit' }];
    }
    paths.push({ personId: j.personId, conversion: c, touches: path });
  }
  const lastConv = conversions.length ? conversions[conversions.length - 1].ts : -Infinity;
  const nonConverting: string[] = [];
  const touchesInRange: PathTouch[] = [];
  for (const t of all) if (t.ts >= opts.from && t.ts < opts.to) touchesInRange.push(t);
  for (const t of classified) if (t.ts >= opts.from && t.ts < opts.to && t.ts > lastConv) nonConverting.push(t.channel);
  let nc = nonConverting;
  if (opts.directOnlyIfNothingElse && nc.some((c) => c !== 'Direct')) nc = nc.filter((c) => c !== 'Direct');
  return { paths, nonConverting: nc, touchesInRange };
}
