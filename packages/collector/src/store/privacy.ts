import type { Identifier } from '../stitch/types';
import type { StoredEvent } from './core';

/** What an erasure removed (counts only: the report itself holds no personal data). */
export interface ErasureCounts {
  identifiers: number;
  events: number;
  /** Orders kept for bookkeeping with every identifier removed (revenue, channel, date, products stay). */
  ordersAnonymised: number;
  scans: number;
  handoffCodes: number;
  recipients: number;
  /** The anonymous IDs put on the suppression list (events from them are dropped from now on). */
  suppressed: number;
}

/** Everything stored about one stitched person (GDPR Art. 15 access / Art. 20 portability). */
export interface PersonExport {
  exportedAt: string;
  siteId: string;
  /** Identifiers; e-mail and phone appear only as their SHA-256 hashes (the raw values were never stored). */
  identifiers: Identifier[];
  /** How the identifiers were joined (which evidence, when, which rule). */
  links: { a: Identifier; b: Identifier; rule: string; source: string; at: string; status: string }[];
  events: StoredEvent[];
  orders: Record<string, unknown>[];
  qrScans: { code: string; campaignId: string; at: string }[];
  handoffCodes: { code: string; issuedAt: string; expiresAt: string }[];
  mailings: { campaignId: string; recipientRef: string }[];
}

/** One line of the privacy audit log: what was asked, when, by which kind of identifier — never the value. */
export interface PrivacyAuditEntry {
  id: number;
  siteId: string;
  action: 'erase' | 'export';
  identifierKind: string;
  at: number;
  /** Counts for an erasure; number of records for an export. */
  result: Record<string, number>;
}

/** Result of a retention pass. */
export interface RetentionResult {
  siteId: string;
  /** Events older than this (ms since epoch) were removed. */
  cutoff: number;
  deleted: number;
  batches: number;
  /** Handoff codes removed (expired more than 30 days before). */
  handoffCodes: number;
}

/** Erasure, export, suppression, audit and retention. */
export interface PrivacyStore {
  /**
   * Erase the whole stitched person holding `id` (GDPR Art. 17): identifiers, events, scans,
   * touchpoints, links, handoff codes, mailing recipients, and the personal side of orders.
   * Idempotent: a second call finds nothing and returns zero counts. Another person who shared
   * a device but was never stitched to this one is untouched.
   */
  erasePerson(siteId: string, id: Identifier, opts?: { suppress?: boolean }): Promise<ErasureCounts>;
  /** Everything stored about the person holding `id`, or null when nothing is known. */
  exportPerson(siteId: string, id: Identifier): Promise<PersonExport | null>;
  /** The newest audit entries of a site. */
  privacyAudit(siteId: string, limit?: number): Promise<PrivacyAuditEntry[]>;
  /**
   * Delete raw events older than the site's retention (`settings.retentionDays`, default 25
   * months ≈ 760 days) in small batches, each its own group commit, yielding between batches
   * so ingest is never stalled. Orders (bookkeeping) and identity links are kept.
   */
  runRetention(siteId: string, opts?: { now?: number; batchSize?: number; retentionDays?: number }): Promise<RetentionResult>;
}
