import { formatHandoffCode, generateHandoffCode, parseHandoffCode } from '../../qr/handoff-code';
import type { HandoffCodeRecord, HandoffLookup, QrStore } from '../qr';
import type { SqliteContext } from './context';
import type { Db } from './db';
import { cached } from './qr-stmt';

/**
 * Looks up a handoff code quoted by staff, inside any transaction (orders and touchpoints call
 * this in their own write). `at` is the time of the order or touchpoint, so a CSV import of
 * last month's orders accepts codes that were valid then.
 *
 * @example
 * const r = lookupHandoffCodeSync(db, siteId, 'k7m-2qx', order.ts);
 * if (!r.ok) reject(r.message); else link({ kind: 'anon', value: r.record.anonymousId });
 */
export function lookupHandoffCodeSync(db: Db, siteId: string, raw: unknown, at: number): HandoffLookup {
  const parsed = parseHandoffCode(raw);
  if (!parsed.ok) return parsed;
  const row = cached(db, 'SELECT site_id, code, anonymous_id, issued_at, expires_at FROM handoff_codes WHERE site_id = ? AND code = ?').get(siteId, parsed.code) as { site_id: string; code: string; anonymous_id: string; issued_at: number; expires_at: number } | undefined;
  const shown = formatHandoffCode(parsed.code);
  if (!row) {
    return { ok: false, reason: 'unknown', message: `handoff code ${shown} was never issued on this site (its check character is valid, so it may be from another shop or made up)` };
  }
  const record: HandoffCodeRecord = { siteId: row.site_id, code: row.code, anonymousId: row.anonymous_id, issuedAt: row.issued_at, expiresAt: row.expires_at };
  if (at > row.expires_at) {
    return { ok: false, reason: 'expired', message: `handoff code ${shown} expired on ${new Date(row.expires_at).toISOString()} (issued ${new Date(row.issued_at).toISOString()})` };
  }
  if (at < row.issued_at - 5 * 60_000) {
    // A record dated well before the code existed cannot have quoted it (5 min clock tolerance).
    return { ok: false, reason: 'not_yet_issued', message: `handoff code ${shown} was issued on ${new Date(row.issued_at).toISOString()}, after this record's time` };
  }
  return { ok: true, record };
}

/**
 * The handoff-code part of the QR store (spread into `qrStore`).
 *
 * @example
 * const { issueHandoffCode } = handoffStore(ctx);
 */
export function handoffStore(ctx: SqliteContext): Pick<QrStore, 'issueHandoffCode' | 'lookupHandoffCode'> {
  const { db, commit } = ctx;
  return {
    async issueHandoffCode(siteId, anonymousId, opts) {
      return commit((d) => {
        const live = d
          .prepare('SELECT code, issued_at, expires_at FROM handoff_codes WHERE site_id = ? AND anonymous_id = ? AND expires_at > ? ORDER BY expires_at DESC LIMIT 1')
          .get(siteId, anonymousId, opts.now) as { code: string; issued_at: number; expires_at: number } | undefined;
        // Same visitor, same code: what they were told to quote stays valid while it is fresh.
        if (live && live.expires_at - opts.now >= opts.validityMs / 2 && live.code.length === opts.length) {
          return { record: { siteId, code: live.code, anonymousId, issuedAt: live.issued_at, expiresAt: live.expires_at }, reused: true };
        }
        const ins = d.prepare('INSERT OR IGNORE INTO handoff_codes (site_id, code, anonymous_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)');
        const expiresAt = opts.now + opts.validityMs;
        for (let attempt = 0; attempt < 20; attempt++) {
          const code = generateHandoffCode(opts.length);
          // Codes are never reused on a site, so a late record quoting an old code cannot reach a new visitor.
          if (ins.run(siteId, code, anonymousId, opts.now, expiresAt).changes === 1) {
            return { record: { siteId, code, anonymousId, issuedAt: opts.now, expiresAt }, reused: false };
          }
        }
        throw new Error('handoff code space is crowded: configure a longer handoff code length');
      });
    },

    async lookupHandoffCode(siteId, raw, at) {
      return lookupHandoffCodeSync(db, siteId, raw, at);
    },
  };
}
