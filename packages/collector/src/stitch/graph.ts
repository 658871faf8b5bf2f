import { identifierKey } from './identifiers';
import { DEFAULT_CAPS, forwardedScan, mergeVerdict, SCAN_TOKEN_RULE, type KindCounts, type RefusalReason, type StitchCaps } from './policy';
import type { Identifier, LinkSource } from './types';

/**
 * The identity graph as a pure function: identifiers and links in, persons and one outcome
 * per link out. Links are evaluated in a canonical order (time, then source, then the pair),
 * never in arrival order, so the result is the same whatever order events were ingested in.
 * The SQLite store applies the same rules incrementally and falls back to this function for
 * the affected component when a link arrives late (see store/sqlite/identity.ts).
 */

/** Evidence that two identifiers belong to the same person. */
export interface Link {
  a: Identifier;
  b: Identifier;
  source: LinkSource;
}

/** `linked`: merged two persons; `redundant`: they were one person already; `refused`: a guard said no. */
export type LinkStatus = 'linked' | 'redundant' | 'refused';

/** What became of one link (one identifier pair). */
export interface LinkOutcome {
  status: LinkStatus;
  reason: RefusalReason | null;
}

/** Result of stitching. */
export interface StitchResult {
  /** identifierKey → person key (the smallest identifierKey of the person). */
  personOf: Map<string, string>;
  /** pairKey → outcome of the pair's earliest evidence. */
  outcomes: Map<string, LinkOutcome>;
}

/** Pad ms timestamps so keys compare as strings (works to the year 33658). */
const TS_WIDTH = 15;

/**
 * The key of an identifier pair: both identifier keys, smaller first (a link is undirected).
 *
 * @example
 * pairKey({ kind: 'user', value: 'C1' }, { kind: 'anon', value: 'a1' }) // 'anon:a1|user:C1'
 */
export function pairKey(a: Identifier, b: Identifier): string {
  const ka = identifierKey(a);
  const kb = identifierKey(b);
  return ka < kb ? `${ka}|${kb}` : `${kb}|${ka}`;
}

/**
 * The canonical evaluation key of a link: time, source type, source ref, rule, pair. Links
 * are applied in ascending key order; for one pair only the smallest key (its earliest
 * evidence) counts, so a resend or a later repeat never changes anything.
 *
 * @example
 * linkKey({ a, b, source: { type: 'event', ref: 'm1', ts: 5, rule: 'identify' } })
 * // '000000000000005|event|m1|identify|anon:a1|user:C1'
 */
export function linkKey(link: Link): string {
  const s = link.source;
  const ts = Math.max(0, Math.floor(s.ts)).toString().padStart(TS_WIDTH, '0');
  return `${ts}|${s.type}|${s.ref}|${s.rule}|${pairKey(link.a, link.b)}`;
}

/**
 * Keep, per identifier pair, only the link with the smallest canonical key, and return them
 * sorted by that key. Self-links (a = b) are dropped.
 *
 * @example
 * canonicalLinks([late, early, earlyAgain]).map(linkKey) // one key per pair, ascending
 */
export function canonicalLinks(links: Iterable<Link>): Link[] {
  const best = new Map<string, { key: string; link: Link }>();
  for (const link of links) {
    const pk = pairKey(link.a, link.b);
    if (identifierKey(link.a) === identifierKey(link.b)) continue;
    const key = linkKey(link);
    const cur = best.get(pk);
    if (!cur || key < cur.key) best.set(pk, { key, link });
  }
  return [...best.values()].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0)).map((v) => v.link);
}

/**
 * Stitch identifiers into persons: union-find over the links in canonical order; a link
 * between two persons merges them unless `mergeVerdict` refuses (user-ID conflict, cap). A
 * scan token joins only the first browser that presented it (`scan-forwarded`, policy.ts).
 *
 * @example
 * const r = stitch([], [{ a: anon('a1'), b: user('C1'), source }, { a: anon('a1'), b: user('C2'), source: later }]);
 * r.personOf.get('anon:a1') // 'anon:a1' (the person holding a1 and C1)
 * r.outcomes.get('anon:a1|user:C2') // { status: 'refused', reason: 'user-conflict' }
 */
export function stitch(identifiers: Iterable<Identifier>, links: Iterable<Link>, caps: StitchCaps = DEFAULT_CAPS): StitchResult {
  const parent = new Map<string, string>();
  const counts = new Map<string, KindCounts>();
  const add = (id: Identifier): string => {
    const k = identifierKey(id);
    if (!parent.has(k)) {
      parent.set(k, k);
      counts.set(k, { [id.kind]: 1 });
    }
    return k;
  };
  const find = (k: string): string => {
    let r = k;
    while (parent.get(r) !== r) r = parent.get(r)!;
    // Path compression keeps later finds O(α).
    let c = k;
    while (c !== r) {
      const next = parent.get(c)!;
      parent.set(c, r);
      c = next;
    }
    return r;
  };
  for (const id of identifiers) add(id);

  const outcomes = new Map<string, LinkOutcome>();
  /** Scan token key → the browser of its first `scan-token` link (canonical order). */
  const firstBrowser = new Map<string, string>();
  for (const link of canonicalLinks(links)) {
    const ra = find(add(link.a));
    const rb = find(add(link.b));
    const pk = pairKey(link.a, link.b);
    if (link.source.rule === SCAN_TOKEN_RULE && (link.a.kind === 'scan') !== (link.b.kind === 'scan')) {
      const [scan, other] = link.a.kind === 'scan' ? [link.a, link.b] : [link.b, link.a];
      const sk = identifierKey(scan);
      const ok = identifierKey(other);
      if (forwardedScan(link.source.rule, ok, firstBrowser.get(sk))) {
        outcomes.set(pk, { status: 'refused', reason: 'scan-forwarded' });
        continue;
      }
      firstBrowser.set(sk, ok);
    }
    if (ra === rb) {
      outcomes.set(pk, { status: 'redundant', reason: null });
      continue;
    }
    const ca = counts.get(ra)!;
    const cb = counts.get(rb)!;
    const reason = mergeVerdict(ca, cb, caps);
    if (reason) {
      outcomes.set(pk, { status: 'refused', reason });
      continue;
    }
    // The root is the smaller key, so the person key is the smallest member's key.
    const [root, child] = ra < rb ? [ra, rb] : [rb, ra];
    parent.set(child, root);
    const merged: KindCounts = { ...counts.get(root)! };
    for (const [kind, n] of Object.entries(counts.get(child)!)) merged[kind] = (merged[kind] ?? 0) + n;
    counts.set(root, merged);
    counts.delete(child);
    outcomes.set(pk, { status: 'linked', reason: null });
  }

  const personOf = new Map<string, string>();
  for (const k of parent.keys()) personOf.set(k, find(k));
  return { personOf, outcomes };
}

/**
 * Group `personOf` into persons: person key → member identifier keys (sorted).
 *
 * @example
 * groupPersons(stitch(ids, links).personOf) // Map { 'anon:a1' => ['anon:a1', 'user:C1'] }
 */
export function groupPersons(personOf: Map<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, p] of personOf) {
    let list = out.get(p);
    if (!list) out.set(p, (list = []));
    list.push(k);
  }
  for (const list of out.values()) list.sort();
  return out;
}
