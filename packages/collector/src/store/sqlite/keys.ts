import { randomBytes } from 'node:crypto';
import type { CoreStore, Site } from '../core';
import type { KeyStore, RotatedKey, SiteKeyInfo } from '../keys';
import type { SqliteContext } from './context';
import { hashSecret } from './core';
import { sitesChanged } from './site-version';

/**
 * Migration: keys that still work besides (or instead of) the current ones in `sites`.
 * Only hashes are kept — for write keys too, so a leaked database never yields a key.
 */
export const keysMigrationSql = `
CREATE TABLE site_keys (
  hash        TEXT PRIMARY KEY,
  site_id     TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('secret', 'write')),
  prefix      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER,
  revoked_at  INTEGER
);
CREATE INDEX site_keys_site ON site_keys (site_id, kind);
`;

function newKey(kind: 'secret' | 'write'): string {
  return kind === 'secret' ? 'sk_' + randomBytes(32).toString('base64url') : 'wk_' + randomBytes(18).toString('base64url');
}

const prefixOf = (key: string) => key.slice(0, 7) + '…';

interface KeyRow {
  hash: string;
  site_id: string;
  kind: 'secret' | 'write';
  prefix: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

/**
 * Key rotation for the SQLite store. It wraps the core's key lookups: a key that is not a
 * site's current key is accepted while a rotated-out row for it is neither expired nor revoked.
 * Revocation takes effect at once in the store, and the key caches (the core's and the ingest
 * path's `site-cache.ts`) drop their entries through `sitesVersion`: at once in this process,
 * within 250 ms when another process (the CLI) made the change.
 *
 * @example
 * const { key } = await store.rotateKey(site.id, 'secret', 24 * 3600_000);
 */
export function keysStore(
  ctx: SqliteContext,
  core: Pick<CoreStore, 'siteBySecretKey' | 'siteByWriteKey' | 'getSite'>,
): KeyStore & Pick<CoreStore, 'siteBySecretKey' | 'siteByWriteKey'> {
  const { db } = ctx;
  const q = {
    currentSecret: db.prepare('SELECT secret_hash FROM sites WHERE id = ?').pluck(),
    validFor: db.prepare(
      `SELECT 1 FROM site_keys WHERE hash = ? AND site_id = ? AND kind = 'secret' AND revoked_at IS NULL
         AND (expires_at IS NULL OR expires_at > ?)`,
    ).pluck(),
    valid: db.prepare(
      `SELECT site_id FROM site_keys WHERE hash = ? AND kind = ? AND revoked_at IS NULL
         AND (expires_at IS NULL OR expires_at > ?)`,
    ).pluck(),
    list: db.prepare('SELECT * FROM site_keys WHERE site_id = ? ORDER BY created_at DESC'),
  };

  async function fallback(key: string, kind: 'secret' | 'write'): Promise<Site | null> {
    const siteId = q.valid.get(hashSecret(key), kind, Date.now()) as string | undefined;
    return siteId ? core.getSite(siteId) : null;
  }

  return {
    async siteBySecretKey(key) {
      return (await core.siteBySecretKey(key)) ?? fallback(key, 'secret');
    },
    async siteByWriteKey(key) {
      return (await core.siteByWriteKey(key)) ?? fallback(key, 'write');
    },

    async secretKeyActive(siteId, keyHash) {
      const current = q.currentSecret.get(siteId) as string | undefined;
      if (current === undefined) return false;
      if (current === keyHash) return true;
      return q.validFor.get(keyHash, siteId, Date.now()) === 1;
    },

    async rotateKey(siteId, kind, overlapMs) {
      if (!Number.isFinite(overlapMs) || overlapMs < 0) throw new Error('overlap must be a duration ≥ 0');
      const key = newKey(kind);
      const now = Date.now();
      const expires = now + overlapMs;
      await ctx.commit((d) => {
        const site = d.prepare('SELECT write_key, secret_hash FROM sites WHERE id = ?').get(siteId) as
          | { write_key: string; secret_hash: string }
          | undefined;
        if (!site) throw new Error(`unknown site ${siteId}`);
        const oldHash = kind === 'secret' ? site.secret_hash : hashSecret(site.write_key);
        const known = d.prepare('SELECT prefix FROM site_keys WHERE hash = ?').pluck().get(oldHash) as string | undefined;
        const oldPrefix = known ?? (kind === 'write' ? prefixOf(site.write_key) : '(original)');
        d.prepare(
          `INSERT INTO site_keys (hash, site_id, kind, prefix, created_at, expires_at, revoked_at)
           VALUES (?, ?, ?, ?, ?, ?, NULL)
           ON CONFLICT(hash) DO UPDATE SET expires_at = excluded.expires_at`,
        ).run(oldHash, siteId, kind, oldPrefix, now, expires);
        // The new key is recorded too (expires_at NULL = current), so `listKeys` can name it.
        d.prepare(
          'INSERT INTO site_keys (hash, site_id, kind, prefix, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, NULL, NULL)',
        ).run(hashSecret(key), siteId, kind, prefixOf(key), now);
        if (kind === 'secret') d.prepare('UPDATE sites SET secret_hash = ? WHERE id = ?').run(hashSecret(key), siteId);
        else d.prepare('UPDATE sites SET write_key = ? WHERE id = ?').run(key, siteId);
        sitesChanged(d);
      });
      const out: RotatedKey = { kind, key, previousExpiresAt: expires };
      return out;
    },

    async revokeOldKeys(siteId, kind) {
      const now = Date.now();
      return ctx.commit((d) => {
        const cur = d.prepare('SELECT write_key, secret_hash FROM sites WHERE id = ?').get(siteId) as
          | { write_key: string; secret_hash: string }
          | undefined;
        if (!cur) throw new Error(`unknown site ${siteId}`);
        sitesChanged(d);
        return d
          .prepare(
            `UPDATE site_keys SET revoked_at = ? WHERE site_id = ? AND revoked_at IS NULL
               AND hash NOT IN (?, ?) AND (? IS NULL OR kind = ?)`,
          )
          .run(now, siteId, cur.secret_hash, hashSecret(cur.write_key), kind ?? null, kind ?? null).changes;
      });
    },

    async listKeys(siteId) {
      const cur = db.prepare('SELECT write_key, secret_hash FROM sites WHERE id = ?').get(siteId) as
        | { write_key: string; secret_hash: string }
        | undefined;
      if (!cur) throw new Error(`unknown site ${siteId}`);
      const rows = q.list.all(siteId) as KeyRow[];
      const out: SiteKeyInfo[] = rows.map((r) => ({
        kind: r.kind,
        prefix: r.prefix,
        createdAt: r.created_at,
        expiresAt: r.expires_at,
        revokedAt: r.revoked_at,
        current: r.hash === cur.secret_hash || r.hash === hashSecret(cur.write_key),
      }));
      if (!out.some((k) => k.kind === 'write' && k.current)) {
        out.unshift({ kind: 'write', prefix: prefixOf(cur.write_key), createdAt: 0, expiresAt: null, revokedAt: null, current: true });
      }
      if (!out.some((k) => k.kind === 'secret' && k.current)) {
        out.unshift({ kind: 'secret', prefix: '(original)', createdAt: 0, expiresAt: null, revokedAt: null, current: true });
      }
      return out;
    },
  };
}
