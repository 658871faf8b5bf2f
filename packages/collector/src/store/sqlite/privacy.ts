import { createHash, randomBytes } from 'node:crypto';
import type { AppendResult, CoreStore, StoredEvent } from '../core';
import type { ErasureCounts, PersonExport, PrivacyAuditEntry, PrivacyStore, RetentionResult } from '../privacy';
import type { Identifier } from '../../stitch/types';
import type { SqliteContext } from './context';
import type { Db } from './db';
import { rowToEvent } from './core';
import { tombstoneSync } from './dedup';
import { eraseIdentifiersSync } from './identity';
import { resolvePerson, type Member, type Ownership } from './person-scope';
import { forgetWebhookMessages } from './webhooks';
import { purgeEvents } from './purge';
import { retentionDays } from '../../privacy/retention-policy';

/** Migration: the audit log (no personal data) and the suppression list (hashed anonymous IDs). */
export const privacyMigrationSql = `
CREATE TABLE privacy_audit (
  id          INTEGER PRIMARY KEY,
  site_id     TEXT NOT NULL,
  action      TEXT NOT NULL,
  id_kind     TEXT NOT NULL,
  at          INTEGER NOT NULL,
  result      TEXT NOT NULL
);
CREATE INDEX privacy_audit_site ON privacy_audit (site_id, at);

CREATE TABLE privacy_suppressed (
  site_id     TEXT NOT NULL,
  anon_sha256 TEXT NOT NULL,
  at          INTEGER NOT NULL,
  PRIMARY KEY (site_id, anon_sha256)
) WITHOUT ROWID;
`;

const DAY = 86_400_000;
export { DEFAULT_RETENTION_DAYS } from '../../privacy/retention-policy';
/** Expired handoff codes are kept this long for late imports, then deleted by retention. */
const HANDOFF_GRACE_DAYS = 30;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Orders joined to the closure: by order ID, or carrying one of its identifiers. */
function orderIdsOf(db: Db, siteId: string, members: Member[]): string[] {
  const ids = new Set(members.filter((m) => m.kind === 'order').map((m) => m.value));
  const keys = new Set(members.map((m) => `${m.kind}\u0000${m.value}`));
  // Identifiers are a JSON array per order; json_each scans only this site's orders that mention a member value.
  const stmt = db.prepare(
    `SELECT DISTINCT o.order_id FROM orders o, json_each(o.identifiers) j
     WHERE o.site_id = ? AND json_extract(j.value, '$.value') = ? AND json_extract(j.value, '$.kind') = ?`,
  );
  for (const k of keys) {
    const [kind, value] = k.split('\u0000');
    for (const oid of stmt.pluck().all(siteId, value, kind) as string[]) ids.add(oid);
  }
  return [...ids].filter((oid) => db.prepare('SELECT 1 FROM orders WHERE site_id = ? AND order_id = ?').get(siteId, oid));
}

/** True when an order carries a user ID that belongs to someone else (a shared device): see {@link Ownership}. */
function foreignOrder(owner: Ownership, ids: Identifier[]): boolean {
  return ids.some((i) => i.kind === 'user' && !owner.owns(i.value));
}

/** Removes the identifiers `erased` selects from every record of one order (see `orders.ts`: the order is their merge). */
function scrubOrderRecords(db: Db, siteId: string, orderId: string, erased: (i: Identifier) => boolean): void {
  const rows = db.prepare('SELECT ref, record FROM order_records WHERE site_id = ? AND order_id = ?').all(siteId, orderId) as { ref: string; record: string }[];
  const update = db.prepare('UPDATE order_records SET record = ? WHERE site_id = ? AND order_id = ? AND ref = ?');
  for (const r of rows) {
    const rec = JSON.parse(r.record) as { identifiers?: Identifier[] };
    const ids = rec.identifiers ?? [];
    if (!ids.some(erased)) continue;
    rec.identifiers = ids.filter((i) => !erased(i));
    update.run(JSON.stringify(rec), siteId, orderId, r.ref);
  }
}

/** Products keep only their commercial fields (free-text extras such as engravings may be personal). */
function bookkeepingProducts(json: string): string {
  try {
    const list = JSON.parse(json) as Record<string, unknown>[];
    return JSON.stringify(
      list.map((p) => {
        const out: Record<string, unknown> = {};
        for (const k of ['id', 'product_id', 'sku', 'name', 'price', 'quantity', 'category']) if (k in p) out[k] = p[k];
        return out;
      }),
    );
  } catch {
    return '[]';
  }
}

function eraseSync(db: Db, siteId: string, id: Identifier, suppress: boolean): ErasureCounts {
  const counts: ErasureCounts = { identifiers: 0, events: 0, ordersAnonymised: 0, scans: 0, handoffCodes: 0, recipients: 0, suppressed: 0 };
  // Events and orders are found first: finding them needs the identifiers and order records we
  // are about to delete.
  const scope = resolvePerson(db, siteId, id);
  if (!scope) return counts;
  const { members, owner } = scope;
  const values = (kind: string) => members.filter((m) => m.kind === kind).map((m) => m.value);
  const closureKeys = new Set(members.map((m) => `${m.kind}\u0000${m.value}`));
  for (const oid of orderIdsOf(db, siteId, members)) {
    const row = db.prepare('SELECT products, identifiers FROM orders WHERE site_id = ? AND order_id = ?').get(siteId, oid) as { products: string; identifiers: string };
    const ids = JSON.parse(row.identifiers) as Identifier[];
    if (foreignOrder(owner, ids)) {
      // Another (unerased) customer's order that also carried one of this person's
      // identifiers (a shared device): keep it, drop only this person's identifiers.
      const mine = (i: Identifier) => closureKeys.has(`${i.kind}\u0000${i.value}`);
      db.prepare('UPDATE orders SET identifiers = ?, updated_at = ? WHERE site_id = ? AND order_id = ?').run(JSON.stringify(ids.filter((i) => !mine(i))), Date.now(), siteId, oid);
      // The records too: a later update (a refund) merges them again into `orders.identifiers`.
      scrubOrderRecords(db, siteId, oid, mine);
      continue;
    }
    // Hex, not base64url: a random ID must never spell a real identifier by chance (base64url
    // can hold "R-1" or "o-2", which an erasure audit searching for the erased values would flag).
    const anonId = 'erased-' + randomBytes(12).toString('hex');
    db.prepare(
      `UPDATE orders SET order_id = ?, identifiers = '[]', qr_codes = '[]', coupon = NULL, products = ?, sources = '["erased"]', updated_at = ?
       WHERE site_id = ? AND order_id = ?`,
    ).run(anonId, bookkeepingProducts(row.products), Date.now(), siteId, oid);
    db.prepare('DELETE FROM order_records WHERE site_id = ? AND order_id = ?').run(siteId, oid);
    // Undelivered webhook messages name the order ID, an identifier of the person.
    forgetWebhookMessages(db, siteId, [oid]);
    counts.ordersAnonymised++;
  }

  const delRefs = db.prepare('DELETE FROM identity_refs WHERE event_id = ?');
  const delScan = db.prepare('DELETE FROM qr_scans WHERE event_rowid = ?');
  const delEvent = db.prepare('DELETE FROM events WHERE id = ?');
  const anons = new Set(values('anon'));
  const detach = db.prepare('UPDATE events SET anonymous_id = NULL, anon_hash = NULL WHERE id = ?');
  for (const e of scope.foreign) {
    // Another customer logged in on this person's device (the stitching guards kept them
    // apart): that event is theirs. Keep it and remove only this person's browser ID.
    if (e.anonymous_id != null && anons.has(e.anonymous_id)) detach.run(e.id);
    delRefs.run(e.id);
  }
  for (const e of scope.events) {
    // A replay of the erased event is a duplicate, not a new event that rebuilds the person.
    tombstoneSync(db, e.site_id, e.message_id, e.ts);
    delRefs.run(e.id);
    counts.scans += delScan.run(e.id).changes;
    counts.events += delEvent.run(e.id).changes;
  }
  for (const token of values('scan')) counts.scans += db.prepare('DELETE FROM qr_scans WHERE site_id = ? AND token = ?').run(siteId, token).changes;

  for (const a of values('anon')) counts.handoffCodes += db.prepare('DELETE FROM handoff_codes WHERE site_id = ? AND anonymous_id = ?').run(siteId, a).changes;
  for (const h of values('handoff')) counts.handoffCodes += db.prepare('DELETE FROM handoff_codes WHERE site_id = ? AND code = ?').run(siteId, h).changes;

  for (const r of values('recipient')) {
    const slash = r.indexOf('/');
    if (slash < 0) continue;
    const campaign = r.slice(0, slash);
    const ref = r.slice(slash + 1);
    counts.recipients += db.prepare('DELETE FROM qr_recipients WHERE campaign_id = ? AND recipient_ref = ? AND site_id = ?').run(campaign, ref, siteId).changes;
    // The printed code stays valid for campaign totals but no longer names anyone.
    db.prepare('UPDATE qr_codes SET recipient_ref = NULL, label = NULL WHERE campaign_id = ? AND recipient_ref = ? AND site_id = ?').run(campaign, ref, siteId);
  }

  const known = members.filter((m) => m.id >= 0).map((m) => ({ kind: m.kind, value: m.value }) as Identifier);
  counts.identifiers = known.length ? eraseIdentifiersSync(db, siteId, known) : 0;

  if (suppress) {
    for (const a of values('anon')) {
      counts.suppressed += db
        .prepare('INSERT OR IGNORE INTO privacy_suppressed (site_id, anon_sha256, at) VALUES (?, ?, ?)')
        .run(siteId, sha256(a), Date.now()).changes;
    }
  }
  return counts;
}

function audit(db: Db, siteId: string, action: 'erase' | 'export', kind: string, result: Record<string, number>) {
  db.prepare('INSERT INTO privacy_audit (site_id, action, id_kind, at, result) VALUES (?, ?, ?, ?, ?)').run(siteId, action, kind, Date.now(), JSON.stringify(result));
}

/**
 * Erasure, export, suppression, audit and retention for the SQLite store. It wraps the
 * core's `appendEvents` so events from a suppressed anonymous ID are dropped before storage
 * (reported to the client as duplicates, so it stops resending them).
 *
 * @example
 * const counts = await store.erasePerson(site.id, { kind: 'loyalty', value: 'L-4711' }, { suppress: true });
 */
export function privacyStore(ctx: SqliteContext, core: Pick<CoreStore, 'appendEvents'>): PrivacyStore & Pick<CoreStore, 'appendEvents'> {
  const { db } = ctx;
  const suppressed = new Set<string>(
    (db.prepare('SELECT site_id, anon_sha256 FROM privacy_suppressed').all() as { site_id: string; anon_sha256: string }[]).map(
      (r) => `${r.site_id}:${r.anon_sha256}`,
    ),
  );

  return {
    async appendEvents(events: StoredEvent[]): Promise<AppendResult[]> {
      // Hot path: costs one Set.size check unless someone asked to be suppressed.
      if (suppressed.size === 0) return core.appendEvents(events);
      const keep: StoredEvent[] = [];
      const drop = events.map((e) => e.anonymousId != null && suppressed.has(`${e.siteId}:${sha256(e.anonymousId)}`));
      events.forEach((e, i) => drop[i] || keep.push(e));
      const stored = await core.appendEvents(keep);
      let k = 0;
      return drop.map((d) => (d ? 'duplicate' : stored[k++]));
    },

    async erasePerson(siteId, id, opts = {}) {
      const counts = await ctx.commit((d) => {
        // Every stored event of the person is in the graph first: none is stitched after its erasure.
        ctx.stitchSync(d);
        const c = eraseSync(d, siteId, id, opts.suppress === true);
        audit(d, siteId, 'erase', id.kind, { ...c });
        return c;
      });
      if (opts.suppress) {
        // Mirror the committed list in memory (anonymous IDs were hashed in the transaction).
        for (const r of db.prepare('SELECT anon_sha256 FROM privacy_suppressed WHERE site_id = ?').pluck().all(siteId) as string[]) suppressed.add(`${siteId}:${r}`);
      }
      // secure_delete zeroed the rows in the pages this commit wrote, but the WAL's older frames
      // still hold them: fold the WAL into the file and truncate it before answering.
      if (!(await ctx.truncateWal())) console.error('omnitrail: after an erasure the WAL could not be truncated (another connection was reading); its old frames are overwritten as it is reused');
      return counts;
    },

    async exportPerson(siteId, id) {
      await ctx.stitched();
      const scope = resolvePerson(db, siteId, id);
      const members = scope?.members ?? [];
      const events = scope?.events ?? [];
      const ids = members.filter((m) => m.id >= 0).map((m) => m.id);
      if (ids.length === 0 && events.length === 0) {
        await ctx.commit((d) => audit(d, siteId, 'export', id.kind, { records: 0 }));
        return null;
      }
      const idOf = new Map(members.map((m) => [m.id, { kind: m.kind, value: m.value } as Identifier]));
      const links = ids.length
        ? (db
            .prepare(`SELECT a, b, rule, src_type, src_ref, ts, status FROM identity_links WHERE a IN (${ids.map(() => '?').join(',')}) OR b IN (${ids.map(() => '?').join(',')})`)
            .all(...ids, ...ids) as { a: number; b: number; rule: string; src_type: string; src_ref: string; ts: number; status: string }[])
            .filter((l) => idOf.has(l.a) && idOf.has(l.b))
            .map((l) => ({ a: idOf.get(l.a)!, b: idOf.get(l.b)!, rule: l.rule, source: `${l.src_type}:${l.src_ref}`, at: new Date(l.ts).toISOString(), status: l.status }))
        : [];
      const orders = orderIdsOf(db, siteId, members)
        .map((oid) => {
          const o = db.prepare('SELECT * FROM orders WHERE site_id = ? AND order_id = ?').get(siteId, oid) as Record<string, unknown>;
          for (const k of ['products', 'identifiers', 'qr_codes', 'sources']) if (typeof o[k] === 'string') o[k] = JSON.parse(o[k] as string);
          return o;
        })
        // Another customer's order on this person's device is theirs (erasure keeps it too).
        .filter((o) => !foreignOrder(scope!.owner, o.identifiers as Identifier[]));
      const scanTokens = members.filter((m) => m.kind === 'scan').map((m) => m.value);
      const qrScans = scanTokens.flatMap((t) =>
        (db.prepare('SELECT code, campaign_id, ts FROM qr_scans WHERE site_id = ? AND token = ?').all(siteId, t) as { code: string; campaign_id: string; ts: number }[]).map((s) => ({
          code: s.code,
          campaignId: s.campaign_id,
          at: new Date(s.ts).toISOString(),
        })),
      );
      const anons = members.filter((m) => m.kind === 'anon').map((m) => m.value);
      const handoffCodes = anons.flatMap((a) =>
        (db.prepare('SELECT code, issued_at, expires_at FROM handoff_codes WHERE site_id = ? AND anonymous_id = ?').all(siteId, a) as { code: string; issued_at: number; expires_at: number }[]).map((h) => ({
          code: h.code,
          issuedAt: new Date(h.issued_at).toISOString(),
          expiresAt: new Date(h.expires_at).toISOString(),
        })),
      );
      const mailings = members
        .filter((m) => m.kind === 'recipient')
        .map((m) => ({ campaignId: m.value.slice(0, m.value.indexOf('/')), recipientRef: m.value.slice(m.value.indexOf('/') + 1) }));
      const out: PersonExport = {
        exportedAt: new Date().toISOString(),
        siteId,
        identifiers: members.map((m) => ({ kind: m.kind, value: m.value }) as Identifier),
        links,
        events: events.map(rowToEvent),
        orders,
        qrScans,
        handoffCodes,
        mailings,
      };
      await ctx.commit((d) => audit(d, siteId, 'export', id.kind, { records: out.events.length + out.orders.length + out.identifiers.length }));
      return out;
    },

    async privacyAudit(siteId, limit = 100) {
      return (db.prepare('SELECT * FROM privacy_audit WHERE site_id = ? ORDER BY id DESC LIMIT ?').all(siteId, limit) as {
        id: number;
        site_id: string;
        action: 'erase' | 'export';
        id_kind: string;
        at: number;
        result: string;
      }[]).map((r): PrivacyAuditEntry => ({ id: r.id, siteId: r.site_id, action: r.action, identifierKind: r.id_kind, at: r.at, result: JSON.parse(r.result) }));
    },

    async runRetention(siteId, opts = {}) {
      const site = db.prepare('SELECT settings FROM sites WHERE id = ?').get(siteId) as { settings: string } | undefined;
      if (!site) throw new Error(`unknown site ${siteId}`);
      const days = opts.retentionDays ?? retentionDays(JSON.parse(site.settings) as Record<string, unknown>);
      const cutoff = (opts.now ?? Date.now()) - days * DAY;
      await ctx.stitched();
      const { deleted, batches } = await purgeEvents(ctx, siteId, cutoff, { batchSize: opts.batchSize });
      // Handoff codes are useless once expired; keep them 30 days more so a late import that
      // quotes one (validated at the record's own time) still resolves.
      const handoffCodes = await ctx.commit((d) => {
        // A replay of an erased event older than the cutoff would be deleted by retention anyway.
        d.prepare('DELETE FROM erased_messages WHERE site_id = ? AND ts < ?').run(siteId, cutoff);
        return d.prepare('DELETE FROM handoff_codes WHERE site_id = ? AND expires_at < ?').run(siteId, (opts.now ?? Date.now()) - HANDOFF_GRACE_DAYS * DAY).changes;
      });
      return { siteId, cutoff, deleted, batches, handoffCodes };
    },
  };
}
