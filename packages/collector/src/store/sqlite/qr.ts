import { randomSymbols, symbolsForBits, normaliseCode, isCodeString } from '../../qr/alphabet';
import { identifier, recipientIdentifier, cleanIdentifiers } from '../../stitch/identifiers';
import type { StoredEvent } from '../core';
import type {
  QrCampaign,
  QrCampaignPatch,
  QrCode,
  QrCodesResult,
  QrRecipient,
  QrStore,
  ResolvedQrCode,
} from '../qr';
import { QrNotFoundError } from '../../qr/errors';
import type { Deriver, SqliteContext } from './context';
import type { Db } from './db';
import { recordIdentifierSet } from './identity';
import { handoffStore } from './qr-handoff';
import { cached } from './qr-stmt';
import { enqueueWebhookMessage } from './webhooks';

export { lookupHandoffCodeSync } from './qr-handoff';

/** Length of shared campaign codes: 8 symbols ≈ 39.6 bits (public anyway: printed on posters). */
export const SHARED_CODE_LENGTH = 8;
/** Length of personalised codes: 13 symbols ≈ 64.4 bits, so no recipient can find another's code. */
export const PERSONAL_CODE_LENGTH = symbolsForBits(64);

export { qrMigrationSql } from './qr-schema';

interface CampaignRow {
  id: string;
  site_id: string;
  name: string;
  target_url: string;
  fallback_url: string | null;
  utm: string;
  base_url: string;
  starts_at: number | null;
  ends_at: number | null;
  disabled: number;
  created_at: number;
  codes?: number;
  scans?: number;
}

interface CodeRow {
  code: string;
  site_id: string;
  campaign_id: string;
  kind: string;
  recipient_ref: string | null;
  label: string | null;
  target_url: string | null;
  disabled: number;
  created_at: number;
  scans?: number;
}

function toCampaign(r: CampaignRow): QrCampaign {
  const c: QrCampaign = {
    id: r.id,
    siteId: r.site_id,
    name: r.name,
    targetUrl: r.target_url,
    fallbackUrl: r.fallback_url,
    utm: JSON.parse(r.utm),
    baseUrl: r.base_url,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    disabled: r.disabled === 1,
    createdAt: r.created_at,
  };
  if (r.codes !== undefined) c.codes = r.codes;
  if (r.scans !== undefined) c.scans = r.scans;
  return c;
}

function toCode(r: CodeRow): QrCode {
  const c: QrCode = {
    code: r.code,
    siteId: r.site_id,
    campaignId: r.campaign_id,
    kind: r.kind === 'personal' ? 'personal' : 'shared',
    recipientRef: r.recipient_ref,
    label: r.label,
    targetUrl: r.target_url,
    disabled: r.disabled === 1,
    createdAt: r.created_at,
  };
  if (r.scans !== undefined) c.scans = r.scans;
  return c;
}

const CAMPAIGN_WITH_COUNTS = `SELECT c.*,
  (SELECT count(*) FROM qr_codes k WHERE k.campaign_id = c.id) AS codes,
  (SELECT count(*) FROM qr_scans s WHERE s.campaign_id = c.id) AS scans
  FROM qr_campaigns c`;

/** Inserts a code with a fresh random value, retrying on the (astronomically rare) collision. */
function insertFreshCode(db: Db, row: Omit<CodeRow, 'code' | 'disabled' | 'scans'> & { seq: number }, length: number): string {
  const stmt = cached(
    db,
    `INSERT OR IGNORE INTO qr_codes (code, site_id, campaign_id, kind, recipient_ref, label, target_url, disabled, created_at, seq)
     VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
  );
  for (let attempt = 0; attempt < 10; attempt++) {
    const code = randomSymbols(length);
    const r = stmt.run(code, row.site_id, row.campaign_id, row.kind, row.recipient_ref, row.label, row.target_url, row.created_at, row.seq);
    if (r.changes === 1) return code;
  }
  throw new Error('could not find a free QR code value after 10 attempts');
}

function nextSeq(db: Db, campaignId: string): number {
  const r = db.prepare('SELECT max(seq) AS m FROM qr_codes WHERE campaign_id = ?').get(campaignId) as { m: number | null };
  return (r.m ?? 0) + 1;
}

/**
 * Identifiers of a mailing recipient: the campaign-scoped recipient identifier plus whatever
 * the list gave (customer ID → `user`, hashed e-mail/phone, loyalty card).
 *
 * @example
 * recipientIdentifiers('cmp_1', { ref: 'R-1', loyaltyId: 'L-4711' })
 * // [{ kind: 'recipient', value: 'cmp_1/R-1' }, { kind: 'loyalty', value: 'L-4711' }]
 */
export function recipientIdentifiers(campaignId: string, r: QrRecipient) {
  return cleanIdentifiers([
    recipientIdentifier(campaignId, r.ref),
    identifier('user', r.customerId),
    identifier('email', r.emailSha256),
    identifier('phone', r.phoneSha256),
    identifier('loyalty', r.loyaltyId),
  ]);
}

/**
 * A QR code's campaign and recipient, inside any transaction: orders and touchpoints that quote
 * a personalised code link to the recipient (`recipientIdentifier(campaignId, recipientRef)`).
 *
 * @example
 * const q = qrCodeInfoSync(db, siteId, 'K7M2QXPRTV8WZ');
 * if (q?.recipientRef) ids.push(recipientIdentifier(q.campaignId, q.recipientRef));
 */
export function qrCodeInfoSync(db: Db, siteId: string, raw: string): { code: string; campaignId: string; recipientRef: string | null } | null {
  const code = normaliseCode(raw);
  if (!isCodeString(code, 4, 32)) return null;
  const r = cached(db, 'SELECT code, campaign_id, recipient_ref FROM qr_codes WHERE code = ? AND site_id = ?').get(code, siteId) as
    | { code: string; campaign_id: string; recipient_ref: string | null }
    | undefined;
  return r ? { code: r.code, campaignId: r.campaign_id, recipientRef: r.recipient_ref } : null;
}

/**
 * Records each `QR Code Scanned` event of a known code in `qr_scans`, inside the event's own
 * transaction (exactly-once, as durable as the event). Register in `store/sqlite/index.ts`.
 *
 * @example
 * const derivers: readonly Deriver[] = [qrScanDeriver, identityDeriver, ordersDeriver];
 */
export const qrScanDeriver: Deriver = (db, ev: StoredEvent, rowid: number) => {
  if (ev.type !== 'track' || ev.event !== 'QR Code Scanned' || ev.bot) return;
  const p = ev.properties;
  if (typeof p.scan_token !== 'string' || typeof p.code !== 'string') return;
  const recorded = cached(
    db,
    `INSERT OR IGNORE INTO qr_scans (token, site_id, code, campaign_id, ts, event_rowid)
     SELECT ?, site_id, code, campaign_id, ?, ? FROM qr_codes WHERE code = ? AND site_id = ?`,
  ).run(p.scan_token, ev.timestamp, rowid, p.code, ev.siteId).changes;
  // The site's webhooks hear of it (ref: the event's row ID, like a touchpoint's).
  if (recorded) enqueueWebhookMessage(db, ev.siteId, 'qr.scanned', String(rowid), ev.receivedAt);
};

/**
 * The QR/handoff part of the SQLite store (`...qrStore(ctx)` in index.ts).
 *
 * @example
 * return { ...coreStore(ctx), ...qrStore(ctx) };
 */
export function qrStore(ctx: SqliteContext): QrStore {
  const { db, commit } = ctx;
  const getCampaignStmt = () => db.prepare(`${CAMPAIGN_WITH_COUNTS} WHERE c.site_id = ? AND c.id = ?`);
  const resolveStmt = db.prepare(
    `SELECT k.code, k.site_id, k.campaign_id, k.kind, k.recipient_ref, k.label, k.target_url, k.disabled, k.created_at,
            c.id AS c_id, c.name AS c_name, c.target_url AS c_target_url, c.fallback_url AS c_fallback_url, c.utm AS c_utm,
            c.base_url AS c_base_url, c.starts_at AS c_starts_at, c.ends_at AS c_ends_at, c.disabled AS c_disabled, c.created_at AS c_created_at
     FROM qr_codes k JOIN qr_campaigns c ON c.id = k.campaign_id WHERE k.code = ?`,
  );

  function getCampaign(siteId: string, id: string): QrCampaign | null {
    const r = getCampaignStmt().get(siteId, id) as CampaignRow | undefined;
    return r ? toCampaign(r) : null;
  }

  function requireCampaign(dbx: Db, siteId: string, id: string): void {
    if (!dbx.prepare('SELECT 1 FROM qr_campaigns WHERE site_id = ? AND id = ?').get(siteId, id)) {
      throw new QrNotFoundError(`campaign ${id} not found`);
    }
  }

  return {
    ...handoffStore(ctx),

    async createQrCampaign(siteId, input) {
      const id = `cmp_${randomSymbols(12).toLowerCase()}`;
      const now = Date.now();
      await commit((d) =>
        d
          .prepare(
            `INSERT INTO qr_campaigns (id, site_id, name, target_url, fallback_url, utm, base_url, starts_at, ends_at, disabled, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`,
          )
          .run(id, siteId, input.name, input.targetUrl, input.fallbackUrl ?? null, JSON.stringify(input.utm), input.baseUrl, input.startsAt ?? null, input.endsAt ?? null, now),
      );
      return getCampaign(siteId, id)!;
    },

    async listQrCampaigns(siteId) {
      const rows = db.prepare(`${CAMPAIGN_WITH_COUNTS} WHERE c.site_id = ? ORDER BY c.created_at, c.id`).all(siteId) as CampaignRow[];
      return rows.map(toCampaign);
    },

    async getQrCampaign(siteId, id) {
      return getCampaign(siteId, id);
    },

    async updateQrCampaign(siteId, id, patch) {
      const sets: string[] = [];
      const args: unknown[] = [];
      const col = (c: string, v: unknown) => {
        sets.push(`${c} = ?`);
        args.push(v);
      };
      if (patch.name !== undefined) col('name', patch.name);
      if (patch.targetUrl !== undefined) col('target_url', patch.targetUrl);
      if (patch.fallbackUrl !== undefined) col('fallback_url', patch.fallbackUrl);
      if (patch.utm !== undefined) col('utm', JSON.stringify(patch.utm));
      if (patch.startsAt !== undefined) col('starts_at', patch.startsAt);
      if (patch.endsAt !== undefined) col('ends_at', patch.endsAt);
      if (patch.disabled !== undefined) col('disabled', patch.disabled ? 1 : 0);
      if (sets.length > 0) {
        await commit((d) => d.prepare(`UPDATE qr_campaigns SET ${sets.join(', ')} WHERE site_id = ? AND id = ?`).run(...args, siteId, id));
      }
      return getCampaign(siteId, id);
    },

    async createSharedQrCodes(siteId, campaignId, opts = {}) {
      const count = opts.count ?? 1;
      const codes: string[] = [];
      // Chunks of 1000 keep each shared transaction short (ingest never waits behind a print run).
      for (let done = 0; done < count; ) {
        const n = Math.min(1000, count - done);
        codes.push(
          ...(await commit((d) => {
            requireCampaign(d, siteId, campaignId);
            let seq = nextSeq(d, campaignId);
            const now = Date.now();
            const out: string[] = [];
            for (let i = 0; i < n; i++) {
              out.push(
                insertFreshCode(
                  d,
                  { site_id: siteId, campaign_id: campaignId, kind: 'shared', recipient_ref: null, label: opts.label ?? null, target_url: opts.targetUrl ?? null, created_at: now, seq: seq++ },
                  SHARED_CODE_LENGTH,
                ),
              );
            }
            return out;
          }, n)),
        );
        done += n;
      }
      return codes.map((c) => getCode(db, siteId, c)!);
    },

    async createPersonalQrCodes(siteId, campaignId, recipients) {
      let created = 0;
      let existing = 0;
      const all: string[] = [];
      // Chunks keep each shared transaction short, so ingest never waits behind a big mailing.
      for (let i = 0; i < recipients.length; i += 1000) {
        const chunk = recipients.slice(i, i + 1000);
        const r = await commit((d) => {
          requireCampaign(d, siteId, campaignId);
          const existingStmt = d.prepare('SELECT code FROM qr_codes WHERE campaign_id = ? AND recipient_ref = ?');
          const recStmt = d.prepare(
            `INSERT INTO qr_recipients (campaign_id, recipient_ref, site_id, customer_id, email_sha256, phone_sha256, loyalty_id, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (campaign_id, recipient_ref) DO UPDATE SET
               customer_id = coalesce(excluded.customer_id, customer_id),
               email_sha256 = coalesce(excluded.email_sha256, email_sha256),
               phone_sha256 = coalesce(excluded.phone_sha256, phone_sha256),
               loyalty_id = coalesce(excluded.loyalty_id, loyalty_id)`,
          );
          let seq = nextSeq(d, campaignId);
          const now = Date.now();
          const codes: string[] = [];
          let c = 0;
          let e = 0;
          for (const rec of chunk) {
            const had = existingStmt.get(campaignId, rec.ref) as { code: string } | undefined;
            let code: string;
            if (had) {
              code = had.code;
              e++;
            } else {
              code = insertFreshCode(
                d,
                { site_id: siteId, campaign_id: campaignId, kind: 'personal', recipient_ref: rec.ref, label: null, target_url: null, created_at: now, seq: seq++ },
                PERSONAL_CODE_LENGTH,
              );
              c++;
            }
            recStmt.run(campaignId, rec.ref, siteId, rec.customerId ?? null, rec.emailSha256 ?? null, rec.phoneSha256 ?? null, rec.loyaltyId ?? null, now);
            const ids = recipientIdentifiers(campaignId, rec);
            recordIdentifierSet(d, {
              siteId,
              ids,
              source: { type: 'recipient', ref: `${campaignId}/${rec.ref}`, ts: now, rule: 'qr-recipient-list' },
              consent: null,
            });
            codes.push(code);
          }
          return { codes, c, e };
        }, chunk.length);
        created += r.c;
        existing += r.e;
        all.push(...r.codes);
      }
      const byCode = new Map<string, QrCode>();
      for (let i = 0; i < all.length; i += 500) {
        const part = all.slice(i, i + 500);
        const rows = db.prepare(`SELECT * FROM qr_codes WHERE code IN (${part.map(() => '?').join(',')})`).all(...part) as CodeRow[];
        for (const row of rows) byCode.set(row.code, toCode(row));
      }
      return { codes: all.map((c) => byCode.get(c)!), created, existing } satisfies QrCodesResult;
    },

    async listQrCodes(siteId, campaignId, opts = {}) {
      const limit = Math.min(Math.max(opts.limit ?? 1000, 1), 10_000);
      let afterSeq = 0;
      if (opts.after) {
        const r = db.prepare('SELECT seq FROM qr_codes WHERE code = ? AND campaign_id = ?').get(normaliseCode(opts.after), campaignId) as { seq: number } | undefined;
        afterSeq = r?.seq ?? 0;
      }
      const rows = db
        .prepare(
          `SELECT k.*, (SELECT count(*) FROM qr_scans s WHERE s.code = k.code) AS scans
           FROM qr_codes k WHERE k.site_id = ? AND k.campaign_id = ? AND k.seq > ? ORDER BY k.seq LIMIT ?`,
        )
        .all(siteId, campaignId, afterSeq, limit) as CodeRow[];
      return rows.map(toCode);
    },

    async getQrCode(siteId, code) {
      return getCode(db, siteId, normaliseCode(code));
    },

    async setQrCodeDisabled(siteId, code, disabled) {
      const c = normaliseCode(code);
      await commit((d) => d.prepare('UPDATE qr_codes SET disabled = ? WHERE site_id = ? AND code = ?').run(disabled ? 1 : 0, siteId, c));
      return getCode(db, siteId, c);
    },

    async resolveQrCode(code) {
      const r = resolveStmt.get(code) as (CodeRow & Record<string, unknown>) | undefined;
      if (!r) return null;
      const campaign = toCampaign({
        id: r.c_id as string,
        site_id: r.site_id,
        name: r.c_name as string,
        target_url: r.c_target_url as string,
        fallback_url: r.c_fallback_url as string | null,
        utm: r.c_utm as string,
        base_url: r.c_base_url as string,
        starts_at: r.c_starts_at as number | null,
        ends_at: r.c_ends_at as number | null,
        disabled: r.c_disabled as number,
        created_at: r.c_created_at as number,
      });
      return { code: toCode(r), campaign } satisfies ResolvedQrCode;
    },

  };
}

function getCode(db: Db, siteId: string, code: string): QrCode | null {
  const r = db
    .prepare('SELECT k.*, (SELECT count(*) FROM qr_scans s WHERE s.code = k.code) AS scans FROM qr_codes k WHERE k.site_id = ? AND k.code = ?')
    .get(siteId, code) as CodeRow | undefined;
  return r ? toCode(r) : null;
}
