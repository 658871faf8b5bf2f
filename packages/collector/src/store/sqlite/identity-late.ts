import { linkKey, type LinkStatus } from '../../stitch/graph';
import { mergeVerdict, type KindCounts, type StitchCaps } from '../../stitch/policy';
import type { Db } from './db';
import { linkOfRow, stmts, type CompRow, type IdRow, type LinkRow } from './identity-stmts';

/**
 * Late links decided from their two persons instead of a re-stitch of their raw component.
 *
 * A link is late when its canonical key is below the largest key of the raw components it
 * touches. The general answer is to re-stitch the whole raw component (identity-links.ts), and
 * raw components can be huge: a shared store tablet on which staff log in every customer holds
 * one refused link per customer, so its raw component is every customer it ever saw, with their
 * devices and orders (20 000 customers: 13 ms per event, quadratic overall; bench/shared-device).
 * Persons stay small (the caps bound them), and most late links can be decided from them exactly.
 *
 * The stored outcomes are canonical, so the person that the canonical order had built up to
 * key `k` is the part of today's person reachable through its linked links with keys below `k`
 * (persons only grow during the order). With those two persons:
 * - same person then: the link is redundant and changes nothing;
 * - the caps refuse the merge then: refused, and a refused link changes no person, so no later
 *   outcome moves either;
 * - mergeable then: also exact when today's two persons together still fit the caps and no cap
 *   (as opposed to a user conflict) refused a link touching either. Every later link of the
 *   order that touched either person now sees the union; a link it merged joined subsets of
 *   today's two persons, so it still fits; a refusal stays a refusal (verdicts only get
 *   stricter) and keeps its reason unless a cap named it (the other side's identifiers could
 *   cross another cap first). No later link can lie between the two: it would have been refused
 *   on subsets of today's persons, which then could not fit together now. The common case is an
 *   identifier without any link (a new device, order or address first seen in a delayed event).
 * Known pairs seen again with earlier evidence: {@link movedOutcome}. Anything else (a merge
 * that today's persons could not hold, cap refusals nearby, erasure) re-stitches — once per
 * component per background pass (`deferRestitches` in identity-links.ts).
 */

/** A person as the canonical order had built it just before a key, and as it is now. */
interface PersonAt {
  then: Set<number>;
  thenCounts: KindCounts;
  nowCounts: KindCounts;
}

const countKind = (c: KindCounts, kind: string) => (c[kind] = (c[kind] ?? 0) + 1);

/** `row`'s person just before `key` (`compSize` 1: an identifier without links, its own person). */
function personAt(db: Db, siteId: string, row: IdRow, compSize: number, key: string): PersonAt {
  if (compSize === 1) {
    const counts = { [row.kind]: 1 };
    return { then: new Set([row.id]), thenCounts: counts, nowCounts: counts };
  }
  const s = stmts(db);
  const members = s.personMembers.all(siteId, row.person) as IdRow[];
  const byId = new Map(members.map((m) => [m.id, m]));
  const next = new Map<number, number[]>();
  const edge = (x: number, y: number) => {
    const list = next.get(x);
    if (list) list.push(y);
    else next.set(x, [y]);
  };
  for (const l of s.personLinked.all(siteId, row.person) as LinkRow[]) {
    if (linkKey(linkOfRow(l, byId.get(l.a)!, byId.get(l.b)!)) >= key) continue;
    // A loyal customer's person has one link per order: append, never copy the list.
    edge(l.a, l.b);
    edge(l.b, l.a);
  }
  const then = new Set([row.id]);
  const thenCounts: KindCounts = {};
  for (const id of then) {
    countKind(thenCounts, byId.get(id)!.kind);
    for (const n of next.get(id) ?? []) then.add(n); // a Set iterates what is added while iterating
  }
  const nowCounts: KindCounts = {};
  for (const m of members) countKind(nowCounts, m.kind);
  return { then, thenCounts, nowCounts };
}

/** The canonical outcome of a link. */
export interface Outcome {
  status: LinkStatus;
  reason: string | null;
}

/** A late link that merges nothing: store it with this outcome, nothing else changes. */
export type LateUnmerged = Outcome & { status: 'redundant' | 'refused' };

/** A late link to apply as if in order, with today's identifier counts of its two persons (read anyway). */
export interface LateMerge {
  status: 'linked';
  reason: null;
  counts: [KindCounts, KindCounts];
}

/**
 * The canonical outcome of the late link `a`–`b` with key `key` (given the current rows and
 * raw component sizes), or `undefined` when only a re-stitch of the raw component can tell.
 *
 * @example
 * const out = lateOutcome(db, siteId, a, compA.size, b, compB.size, key, caps);
 * if (!out) restitchComponent(db, siteId, comp, caps);
 */
export function lateOutcome(db: Db, siteId: string, a: IdRow, sizeA: number, b: IdRow, sizeB: number, key: string, caps: StitchCaps): LateUnmerged | LateMerge | undefined {
  const pa = personAt(db, siteId, a, sizeA, key);
  if (a.person === b.person) return pa.then.has(b.id) ? { status: 'redundant', reason: null } : undefined;
  const pb = personAt(db, siteId, b, sizeB, key);
  const reason = mergeVerdict(pa.thenCounts, pb.thenCounts, caps);
  if (reason) return { status: 'refused', reason };
  if (mergeVerdict(pa.nowCounts, pb.nowCounts, caps)) return undefined;
  const s = stmts(db);
  for (const [row, size] of [[a, sizeA], [b, sizeB]] as const) {
    if (size > 1 && s.personCapRefused.get({ site: siteId, person: row.person })) return undefined;
  }
  return { status: 'linked', reason: null, counts: [pa.nowCounts, pb.nowCounts] };
}

/**
 * The canonical outcome of a known link moved to the earlier key `key` (earlier evidence for its
 * pair), or `undefined` when only a re-stitch of the raw component can tell.
 * - It merged nothing where it was (refused, redundant): decided like a new late link; if it
 *   merges nothing at its new place either, no other outcome moves.
 * - It was linked: it is linked at the earlier place too (the two persons were subsets of the
 *   ones it joined, and still apart), so they just join earlier. A later link that touched either
 *   side now sees the union: one it merged joined subsets of today's person, so it still fits;
 *   user conflicts stay; a cap refusal may name another cap, so it re-stitches. No refusal can
 *   lie between the two sides: it would have refused subsets of what this link joined.
 *
 * @example
 * const out = movedOutcome(db, siteId, storedLink, loRow, hiRow, earlierKey, caps);
 */
export function movedOutcome(db: Db, siteId: string, existing: LinkRow, a: CompRow, b: CompRow, key: string, caps: StitchCaps): Outcome | undefined {
  if (existing.status === 'linked') return stmts(db).personCapRefused.get({ site: siteId, person: a.person }) ? undefined : { status: 'linked', reason: null };
  const out = lateOutcome(db, siteId, a, a.size, b, b.size, key, caps);
  return out && out.status !== 'linked' ? out : undefined;
}
