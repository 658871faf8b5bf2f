import { linkKey, pairKey, stitch, type Link, type LinkStatus } from '../../stitch/graph';
import { identifierKey } from '../../stitch/identifiers';
import { DEFAULT_CAPS, mergeVerdict, SCAN_TOKEN_RULE, type KindCounts, type StitchCaps } from '../../stitch/policy';
import type { Identifier, LinkSource } from '../../stitch/types';
import type { Db } from './db';
import { siteMirror, type Mirror } from './identity-mirror';
import { lateOutcome, movedOutcome } from './identity-late';
import { keyTime, linkOfRow, stmts, type CompRow, type IdRow, type LinkRow } from './identity-stmts';

/**
 * Links and raw components of the identity graph: applying one link incrementally (`addLink`),
 * and re-stitching a whole raw component from scratch in canonical order (`restitchComponent`).
 * See `identity.ts` for the tables and the order-independence argument.
 */

const SINGLETON = { size: 1, maxKey: '' } as const;

function compInfo(db: Db, comp: number): { size: number; maxKey: string } {
  const r = stmts(db).comp.get(comp) as { size: number; max_key: string } | undefined;
  return r ? { size: r.size, maxKey: r.max_key } : { size: 1, maxKey: '' };
}

/**
 * Per-kind counts of persons, remembered within one identity batch: every change of a
 * person's members in the batch goes through `addLink` (which updates or clears it), so a
 * loyal customer's counts are read once per batch, not once per order.
 */
export type PersonCountCache = Map<number, KindCounts>;

function countsOf(db: Db, siteId: string, person: number, pc?: PersonCountCache): KindCounts {
  let c = pc?.get(person);
  if (!c) {
    c = personCounts(db, siteId, person);
    pc?.set(person, c);
  }
  return c;
}

function personCounts(db: Db, siteId: string, person: number): KindCounts {
  const out: KindCounts = {};
  for (const r of stmts(db).personCounts.all(siteId, person) as { kind: string; n: number }[]) out[r.kind] = r.n;
  return out;
}

/**
 * Merge raw components `x` and `y` (relabel the smaller); returns the surviving id. With
 * `deferSingleton`, a dropped singleton's row is not relabelled here but returned, so the
 * caller can set its person and component in one UPDATE.
 */
function mergeComps(
  db: Db,
  x: number,
  y: number,
  key: string,
  cx = compInfo(db, x),
  cy = x === y ? cx : compInfo(db, y),
  deferSingleton = false,
): { keep: number; singleton: number | null } {
  const s = stmts(db);
  const maxKey = [cx.maxKey, cy.maxKey, key].reduce((m, k) => (k > m ? k : m), '');
  if (x === y) {
    s.upsertComp.run(x, cx.size, maxKey);
    return { keep: x, singleton: null };
  }
  const [keep, drop] = cx.size >= cy.size ? [x, y] : [y, x];
  const dropSize = drop === x ? cx.size : cy.size;
  let singleton: number | null = null;
  // A singleton's comp id is its own row id.
  if (dropSize === 1) {
    if (deferSingleton) singleton = drop;
    else s.setComp.run(keep, drop);
  } else {
    s.relabelComp.run(keep, drop);
    s.deleteComp.run(drop);
  }
  s.upsertComp.run(keep, cx.size + cy.size, maxKey);
  return { keep, singleton };
}

/**
 * Re-stitch one raw component from scratch with the pure `stitch()` (canonical order) and
 * write back persons and link outcomes that changed. Also splits the component if links were
 * removed (erasure), so it is the one repair path for every non-append change.
 */
export function restitchComponent(db: Db, siteId: string, comp: number, caps: StitchCaps = DEFAULT_CAPS): void {
  const s = stmts(db);
  const members = s.compMembers.all(comp) as IdRow[];
  if (members.length === 0) {
    s.deleteComp.run(comp);
    return;
  }
  const links = s.compLinks.all(comp) as LinkRow[];
  const byId = new Map(members.map((m) => [m.id, m]));
  const ident = (m: IdRow): Identifier => ({ kind: m.kind as Identifier['kind'], value: m.value });
  const asLink = (l: LinkRow): Link => linkOfRow(l, byId.get(l.a)!, byId.get(l.b)!);
  const result = stitch(members.map(ident), links.map(asLink), caps);

  // Raw sub-components (after an erasure the component may have fallen apart).
  const parent = new Map<number, number>(members.map((m) => [m.id, m.id]));
  const find = (x: number): number => {
    while (parent.get(x) !== x) x = parent.get(x)!;
    return x;
  };
  for (const l of links) {
    const ra = find(l.a);
    const rb = find(l.b);
    if (ra !== rb) parent.set(Math.max(ra, rb), Math.min(ra, rb));
  }
  const subs = new Map<number, { size: number; maxKey: string }>();
  for (const m of members) {
    const r = find(m.id);
    const sub = subs.get(r) ?? { size: 0, maxKey: '' };
    sub.size++;
    subs.set(r, sub);
  }
  for (const l of links) {
    const sub = subs.get(find(l.a))!;
    const key = linkKey(asLink(l));
    if (key > sub.maxKey) sub.maxKey = key;
  }
  s.deleteComp.run(comp);
  for (const [root, sub] of subs) if (sub.size > 1) s.upsertComp.run(root, sub.size, sub.maxKey);

  // Internal person id: the smallest row id among the person's members.
  const personRow = new Map<string, number>();
  for (const m of members) {
    const p = result.personOf.get(identifierKey(ident(m)))!;
    const cur = personRow.get(p);
    if (cur === undefined || m.id < cur) personRow.set(p, m.id);
  }
  for (const m of members) {
    const person = personRow.get(result.personOf.get(identifierKey(ident(m)))!)!;
    if (person !== m.person) s.setPerson.run(person, m.id);
    const c = find(m.id);
    if (c !== m.comp) s.setComp.run(c, m.id);
  }
  for (const l of links) {
    const link = asLink(l);
    const out = result.outcomes.get(pairKey(link.a, link.b));
    if (out && (out.status !== l.status || out.reason !== l.reason)) s.setLinkStatus.run(out.status, out.reason, l.b, l.a);
  }
}

/** Components to re-stitch at the end of the current background pass, by a member's row id. */
const deferred = new WeakMap<Db, Map<number, { siteId: string; caps: StitchCaps }>>();

/**
 * Runs `run` (a background stitching pass: one transaction) with re-stitches deferred to its
 * end: each component that needs one is re-stitched once, however many late links hit it in
 * the pass, before the transaction commits — so no reader ever sees the graph in between.
 * A hub component (a shared device) costs one re-stitch per pass, not one per late link.
 * Until then its links are applied as if in order: the final re-stitch recomputes every
 * outcome and person of every component that contains a marked identifier, whatever merged
 * into it meanwhile.
 *
 * @example
 * export const identityDeriver: Deriver = Object.assign(deriveIdentity, { pass: deferRestitches });
 */
export function deferRestitches<T>(db: Db, run: () => T): T {
  if (deferred.has(db)) return run();
  const marked = new Map<number, { siteId: string; caps: StitchCaps }>();
  deferred.set(db, marked);
  try {
    const out = run();
    const s = stmts(db);
    const done = new Set<number>();
    for (const [member, { siteId, caps }] of marked) {
      const row = s.byId.get(member) as IdRow | undefined; // gone: rolled back or erased
      if (!row || done.has(row.comp)) continue;
      restitchComponent(db, siteId, row.comp, caps);
      // The component keeps the id of its smallest member, which the re-stitch may change.
      done.add((s.byId.get(member) as IdRow).comp);
    }
    return out;
  } finally {
    deferred.delete(db);
  }
}

/** Marks `member`'s component for the re-stitch at the end of the running pass; false when none runs. */
function deferRestitch(db: Db, siteId: string, member: number, caps: StitchCaps): boolean {
  const marked = deferred.get(db);
  marked?.set(member, { siteId, caps });
  return marked !== undefined;
}

/** Apply one link (evidence that `x` and `y` are one person) incrementally. */
export function addLink(db: Db, siteId: string, x: IdRow, y: IdRow, source: LinkSource, caps: StitchCaps, m: Mirror | null, pc?: PersonCountCache): void {
  if (x.id === y.id) return;
  const s = stmts(db);
  const [lo, hi] = x.id < y.id ? [x, y] : [y, x];
  const link: Link = { a: { kind: lo.kind as Identifier['kind'], value: lo.value }, b: { kind: hi.kind as Identifier['kind'], value: hi.value }, source };
  const key = linkKey(link);
  // Row ids are per site and never reused while the mirror lives (see cachedId). The mirror
  // keeps the time of the pair's earliest stored evidence: a strictly later time means a larger
  // key (keys start with the time), i.e. a repeat; anything else is decided on the stored row.
  const pairs = m ? siteMirror(m, siteId).pairs : null;
  const t = keyTime(source.ts);
  const knownTs = pairs?.get(lo.id, hi.id);
  if (knownTs !== undefined && t > knownTs) return; // a repeat of known evidence: nothing changes
  // A row inserted during this call has no stored link yet, unless this very pair was linked
  // earlier in the call (then the mirror knows the pair).
  const existing = knownTs === undefined && (lo.created || hi.created) ? undefined : (s.link.get(hi.id, lo.id) as LinkRow | undefined);
  if (existing) {
    if (key >= linkKey(linkOfRow(existing, lo, hi))) {
      pairs?.set(lo.id, hi.id, keyTime(existing.ts));
      return; // a repeat of known evidence: nothing changes
    }
    // Earlier evidence for a known pair moves the pair in the canonical order.
    pairs?.set(lo.id, hi.id, t);
    s.updateLinkSource.run(source.ts, source.type, source.ref, source.rule, hi.id, lo.id);
    const ra = s.byIdComp.get(lo.id) as CompRow;
    const comp = ra.comp;
    mergeComps(db, comp, comp, key);
    // A scan-token link moving may change which browser presented its token first: re-stitch.
    const scanMoved = source.rule === SCAN_TOKEN_RULE || existing.rule === SCAN_TOKEN_RULE;
    const out = scanMoved ? undefined : movedOutcome(db, siteId, existing, ra, s.byIdComp.get(hi.id) as CompRow, key, caps);
    if (out) {
      if (out.status !== existing.status || out.reason !== existing.reason) s.setLinkStatus.run(out.status, out.reason, hi.id, lo.id);
      return;
    }
    pc?.clear(); // persons of the component may change
    if (!deferRestitch(db, siteId, lo.id, caps)) restitchComponent(db, siteId, comp, caps);
    return;
  }
  pairs?.set(lo.id, hi.id, t);
  // Re-read: earlier links of the same set may have moved these rows to other persons/comps.
  const ra = lo.fresh ? null : (s.byIdComp.get(lo.id) as CompRow);
  const rb = hi.fresh ? null : (s.byIdComp.get(hi.id) as CompRow);
  const a = ra ?? lo;
  const b = rb ?? hi;
  const compA = ra ? { size: ra.size, maxKey: ra.max_key } : SINGLETON;
  const compB = rb ? { size: rb.size, maxKey: rb.max_key } : SINGLETON;
  // From here on the rows may join other persons/components: re-read them next time.
  lo.fresh = false;
  hi.fresh = false;
  let late = key < (compA.maxKey > compB.maxKey ? compA.maxKey : compB.maxKey);
  let status: LinkStatus = 'redundant';
  let reason: string | null = null;
  let ca: KindCounts | null = null;
  let cb: KindCounts | null = null;
  // A browser presenting a scan token (policy.ts, SCAN_TOKEN_RULE): decided by the token's
  // other scan-token links, not by persons, so a late one always re-stitches.
  const scan = source.rule === SCAN_TOKEN_RULE && (lo.kind === 'scan') !== (hi.kind === 'scan') ? (lo.kind === 'scan' ? [lo, hi] : [hi, lo]) : null;
  // Most late links are decided from the two persons, not their raw component (identity-late.ts).
  const fast = late && !scan ? lateOutcome(db, siteId, a, compA.size, b, compB.size, key, caps) : undefined;
  if (fast && fast.status !== 'linked') {
    s.insertLink.run(lo.id, hi.id, siteId, source.ts, source.type, source.ref, source.rule, fast.status, fast.reason);
    mergeComps(db, a.comp, b.comp, key, compA, compB);
    return;
  }
  // Mergeable then and now, or re-stitched at the end of the pass: applied like a link in order.
  if (fast || (late && deferRestitch(db, siteId, lo.id, caps))) late = false;
  if (!late && scan && s.scanForwarded.get({ scan: scan[0].id, other: scan[1].id })) {
    // In order, every other scan-token link of the token is earlier: this browser is not the first.
    status = 'refused';
    reason = 'scan-forwarded';
  } else if (!late && a.person !== b.person) {
    // A raw component of one identifier is a person of one identifier: no need to count.
    ca = fast?.counts[0] ?? (compA.size === 1 ? { [a.kind]: 1 } : countsOf(db, siteId, a.person, pc));
    cb = fast?.counts[1] ?? (compB.size === 1 ? { [b.kind]: 1 } : countsOf(db, siteId, b.person, pc));
    reason = mergeVerdict(ca, cb, caps);
    status = reason ? 'refused' : 'linked';
  }
  s.insertLink.run(lo.id, hi.id, siteId, source.ts, source.type, source.ref, source.rule, status, reason);
  const linked = !late && status === 'linked';
  const { keep: comp, singleton } = mergeComps(db, a.comp, b.comp, key, compA, compB, linked);
  if (late) {
    pc?.clear();
    restitchComponent(db, siteId, comp, caps); // late link: re-evaluate in canonical order
    return;
  }
  if (!linked) return;
  const sizeA = Object.values(ca!).reduce((n, v) => n + v, 0);
  const sizeB = Object.values(cb!).reduce((n, v) => n + v, 0);
  const [keep, drop] = sizeA > sizeB || (sizeA === sizeB && a.person < b.person) ? [a.person, b.person] : [b.person, a.person];
  const dropRow = drop === b.person ? b : a;
  if (pc) {
    const merged: KindCounts = { ...ca };
    for (const k in cb) merged[k] = (merged[k] ?? 0) + cb![k];
    pc.delete(drop);
    pc.set(keep, merged);
  }
  let compPending = singleton !== null;
  if ((drop === b.person ? sizeB : sizeA) === 1) {
    // The common case (a new identifier joins a known person): one UPDATE of its row.
    if (singleton === dropRow.id) {
      s.setPersonComp.run(keep, comp, dropRow.id);
      compPending = false;
    } else s.setPerson.run(keep, dropRow.id);
  } else s.relabelPerson.run(keep, siteId, drop);
  if (compPending) s.setComp.run(comp, singleton);
}
