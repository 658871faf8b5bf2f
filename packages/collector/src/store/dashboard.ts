/**
 * Dashboard settings the collector keeps in its own database: the admin password
 * (hashed, never the password itself) and the secret that signs dashboard session cookies.
 * Global to the installation, not per site.
 */
export interface DashboardAuth {
  /** `pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>`, or null when no admin password is set. */
  passwordHash: string | null;
  /** Random secret (hex) signing session cookies; rotated when the password changes so old sessions die. */
  cookieSecret: string;
  updatedAt: number;
}

/** Storage for the dashboard login. */
export interface DashboardStore {
  /** The dashboard's auth settings, or null before the first start. */
  getDashboardAuth(): Promise<DashboardAuth | null>;
  /** Replace the dashboard's auth settings (durable when the promise resolves). */
  setDashboardAuth(auth: DashboardAuth): Promise<void>;
  /**
   * Remember that the session `sid` was ended (logout) until `expiresAt`, its own expiry, so its
   * signed cookie no longer opens the dashboard even if a copy of it survives. Forgets the ended
   * sessions that have expired anyway (durable when the promise resolves).
   */
  endDashboardSession(sid: string, expiresAt: number, now?: number): Promise<void>;
  /** True when the session `sid` was ended by {@link DashboardStore.endDashboardSession}. */
  dashboardSessionEnded(sid: string): Promise<boolean>;
  /**
   * Delete a site and every row of every domain that belongs to it (events, orders, identity
   * graph, QR campaigns, …): the events in short batches beside ingest (`onProgress` hears the
   * count so far), then the rest in one transaction. Used by `omnitrail site remove` and
   * `demo remove`. Returns the number of rows deleted per table.
   */
  removeSite(siteId: string, opts?: { onProgress?: (eventsDeleted: number) => void }): Promise<Record<string, number>>;
}
