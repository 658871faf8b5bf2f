import type { IdentifierKind } from './types';

/**
 * Guards applied whenever a link would merge two persons (product.md, "Identity stitching
 * rules"): two different user IDs never merge, and per-kind caps bound how many identifiers
 * of one kind a person may hold, so a shared store tablet or a family PC cannot fuse a town.
 */

/** Per-kind maximum number of identifiers one person may hold. */
export type StitchCaps = Partial<Record<IdentifierKind | 'ext', number>>;

/**
 * Default caps, per person. Why these numbers:
 * - `user` 1: a person is one customer account; a second user ID is a conflict, recorded.
 * - `anon` 50: phones, laptops, work PCs and Safari's 7-day storage cap (ITP) mint new
 *   anonymous IDs for the same person; 50 covers years of that, but a shared tablet that
 *   keeps logging in different customers hits the `user` or `email` cap long before.
 * - `email` 3, `phone` 3, `loyalty` 3, `ext` 3: real people have a private and a work
 *   address, maybe an old one; a fourth distinct value through one device is a shared device.
 * - `recipient` 5: one household receives a few mailings.
 * - `handoff` 100, `scan` 200, `order` unlimited: these are per-interaction identifiers; a
 *   loyal customer collects many of them and they never carry another person's identity.
 */
export const DEFAULT_CAPS: Readonly<Required<Omit<StitchCaps, `ext:${string}`>>> = {
  user: 1,
  anon: 50,
  email: 3,
  phone: 3,
  loyalty: 3,
  recipient: 5,
  handoff: 100,
  scan: 200,
  order: Number.POSITIVE_INFINITY,
  ext: 3,
};

/** Identifier counts of one person, by kind (`ext:*` kinds counted separately, each against `ext`). */
export type KindCounts = Record<string, number>;

/**
 * Why a link was refused: a user-ID conflict, a cap (`cap:email`), or a scan token presented
 * by a second browser (`scan-forwarded`, see {@link SCAN_TOKEN_RULE}).
 */
export type RefusalReason = 'user-conflict' | 'scan-forwarded' | `cap:${string}`;

/**
 * The rule of the link a browser makes by presenting a scan token (`ot_scan`). Only the first
 * browser to present a token — the smallest canonical key (event time first) among the token's
 * `scan-token` links — is linked to it; every other browser's link is refused `scan-forwarded`.
 * A landing URL is forwarded within the token's hour (chat, e-mail) and must not merge the
 * friend into the letter's recipient; the same browser reloading repeats its own pair. "First"
 * is by event time, not arrival, so the result stays the same in any ingestion order.
 */
export const SCAN_TOKEN_RULE = 'scan-token';

/**
 * True when a link is a second browser presenting a scan token whose first browser was
 * another identifier (`firstOther`, the other side of the token's earliest `scan-token` link).
 *
 * @example
 * forwardedScan('scan-token', 'anon:b', 'anon:a') // true
 * forwardedScan('scan-token', 'anon:a', 'anon:a') // false (the same browser again)
 */
export function forwardedScan(rule: string, other: string, firstOther: string | undefined): boolean {
  return rule === SCAN_TOKEN_RULE && firstOther !== undefined && firstOther !== other;
}

function capOf(kind: string, caps: StitchCaps): number {
  const direct = (caps as Record<string, number | undefined>)[kind];
  if (direct !== undefined) return direct;
  if (kind.startsWith('ext:')) return caps.ext ?? DEFAULT_CAPS.ext;
  return (DEFAULT_CAPS as Record<string, number>)[kind] ?? Number.POSITIVE_INFINITY;
}

/**
 * Decide whether two persons (given their per-kind identifier counts) may merge.
 * Returns null when they may, else the reason of the refusal. Pure and symmetric.
 *
 * @example
 * mergeVerdict({ user: 1, anon: 1 }, { user: 1 })         // 'user-conflict'
 * mergeVerdict({ email: 2 }, { email: 2 })                // 'cap:email'
 * mergeVerdict({ anon: 1 }, { user: 1, email: 1 })        // null
 */
export function mergeVerdict(a: KindCounts, b: KindCounts, caps: StitchCaps = DEFAULT_CAPS): RefusalReason | null {
  if ((a.user ?? 0) + (b.user ?? 0) > capOf('user', caps)) return 'user-conflict';
  // Sorted so the reason is the same whichever side is `a` (order independence).
  const kinds = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const kind of kinds) {
    if (kind === 'user') continue;
    if ((a[kind] ?? 0) + (b[kind] ?? 0) > capOf(kind, caps)) return `cap:${kind}`;
  }
  return null;
}
