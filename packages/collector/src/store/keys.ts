/** A key that still works besides a site's current one (rotation overlap), or a revoked one. */
export interface SiteKeyInfo {
  kind: 'secret' | 'write';
  /** First characters of the key, for humans to recognise it (`sk_Ab3d…`). */
  prefix: string;
  createdAt: number;
  /** Until when a rotated-out key keeps working; null for the current key. */
  expiresAt: number | null;
  revokedAt: number | null;
  current: boolean;
}

/** Result of a rotation: the new key, shown once. */
export interface RotatedKey {
  kind: 'secret' | 'write';
  key: string;
  /** When the previous key stops working (ms since epoch); equals now when overlap is 0. */
  previousExpiresAt: number;
}

/**
 * Key hygiene: rotation with an overlap window, revocation, listing. Secret keys are only
 * ever stored as SHA-256 hashes; write keys are public by design but rotate the same way.
 */
export interface KeyStore {
  /**
   * Issue a new secret or write key for a site. The previous key keeps working for
   * `overlapMs` (0 = revoked at once), so deployments can switch without downtime.
   */
  rotateKey(siteId: string, kind: 'secret' | 'write', overlapMs: number): Promise<RotatedKey>;
  /** Revoke every rotated-out key of a site at once (the current keys stay). Returns how many. */
  revokeOldKeys(siteId: string, kind?: 'secret' | 'write'): Promise<number>;
  /** Current and rotated-out keys of a site (prefixes only). */
  listKeys(siteId: string): Promise<SiteKeyInfo[]>;
  /**
   * True while the secret key whose SHA-256 (lowercase hex) is `keyHash` still opens `siteId`:
   * it is the site's current secret key, or a rotated-out one neither expired nor revoked.
   * Reads the database each call (one primary-key lookup), so a rotation or revocation made by
   * another process (the CLI) counts at once. The dashboard checks it on every request of a
   * session opened with a secret key.
   */
  secretKeyActive(siteId: string, keyHash: string): Promise<boolean>;
}
