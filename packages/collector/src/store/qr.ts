import type { Utm } from '../qr/url';

/** A QR campaign: where its codes lead and when they work. */
export interface QrCampaign {
  id: string;
  siteId: string;
  name: string;
  /** Registered landing page, on one of the site's origins. */
  targetUrl: string;
  /** Where disabled, expired or not-yet-active codes send people (else a friendly page). */
  fallbackUrl: string | null;
  /** UTM parameters added to the target on every scan. */
  utm: Utm;
  /** Public collector URL printed into the codes (`<baseUrl>/q/<code>`), fixed at creation so printed codes stay valid. */
  baseUrl: string;
  /** Active window, ms since epoch; null = open-ended. */
  startsAt: number | null;
  endsAt: number | null;
  disabled: boolean;
  createdAt: number;
  /** Counts (list/get only): codes, and recorded (non-bot) scans. */
  codes?: number;
  scans?: number;
}

/** Input of `createQrCampaign` (already validated: see `qr/campaign.ts`). */
export interface NewQrCampaign {
  name: string;
  targetUrl: string;
  fallbackUrl?: string | null;
  utm: Utm;
  baseUrl: string;
  startsAt?: number | null;
  endsAt?: number | null;
}

/** Fields an admin may change on a campaign. */
export type QrCampaignPatch = Partial<Pick<QrCampaign, 'name' | 'targetUrl' | 'fallbackUrl' | 'utm' | 'startsAt' | 'endsAt' | 'disabled'>>;

/** One code: a shared campaign code or a personalised code bound to one recipient. */
export interface QrCode {
  code: string;
  siteId: string;
  campaignId: string;
  kind: 'shared' | 'personal';
  /** Personalised codes: the recipient reference of the mailing list. */
  recipientRef: string | null;
  /** Shared codes: a free label (placement: "poster A1", "flyer back"). */
  label: string | null;
  /** Shared codes may override the campaign target (another page on the site's origins). */
  targetUrl: string | null;
  disabled: boolean;
  createdAt: number;
  /** Recorded (non-bot) scans, when listed. */
  scans?: number;
}

/**
 * One recipient of a mailing, PII already normalised and hashed (`hashPii`): raw e-mail and
 * phone never reach storage.
 */
export interface QrRecipient {
  ref: string;
  customerId?: string | null;
  emailSha256?: string | null;
  phoneSha256?: string | null;
  loyaltyId?: string | null;
}

/** Result of creating codes: every requested code, new or already existing (idempotent re-runs). */
export interface QrCodesResult {
  codes: QrCode[];
  created: number;
  existing: number;
}

/** A code with its campaign, as the scan endpoint needs it. */
export interface ResolvedQrCode {
  code: QrCode;
  campaign: QrCampaign;
}

/** A handoff code as stored. */
export interface HandoffCodeRecord {
  siteId: string;
  code: string;
  anonymousId: string;
  issuedAt: number;
  expiresAt: number;
}

/**
 * Why a quoted handoff code was refused (`GET /v1/handoff/:code` answers `handoff_<reason>`):
 * `not_yet_issued` is a record dated before the code existed (a wrong date, or a code from a
 * later visit), told apart from `expired` so a till can say which date to check.
 */
export type HandoffProblem = 'format' | 'check' | 'unknown' | 'expired' | 'not_yet_issued';

/** Result of looking up a handoff code quoted by staff. */
export type HandoffLookup =
  | { ok: true; record: HandoffCodeRecord }
  | { ok: false; reason: HandoffProblem; message: string };

/** Options of `issueHandoffCode`. */
export interface IssueHandoffOptions {
  now: number;
  validityMs: number;
  /** Code length including the check character (6–8). */
  length: number;
}

/**
 * QR campaigns, codes, mailing recipients, scans and handoff codes.
 * Codes are globally unique (the scan URL carries no site), case-insensitive, upper-case stored.
 */
export interface QrStore {
  createQrCampaign(siteId: string, input: NewQrCampaign): Promise<QrCampaign>;
  listQrCampaigns(siteId: string): Promise<QrCampaign[]>;
  getQrCampaign(siteId: string, campaignId: string): Promise<QrCampaign | null>;
  updateQrCampaign(siteId: string, campaignId: string, patch: QrCampaignPatch): Promise<QrCampaign | null>;

  /** Creates `count` shared codes (default 1) for a campaign. */
  createSharedQrCodes(siteId: string, campaignId: string, opts?: { count?: number; label?: string | null; targetUrl?: string | null }): Promise<QrCode[]>;
  /**
   * One personalised code per recipient, bound to it; recipients already in the campaign keep
   * their code (re-running a mailing import creates nothing twice). Each recipient's identifiers
   * are linked in the identity graph (`recordIdentifierSet`, rule `qr-recipient-list`).
   */
  createPersonalQrCodes(siteId: string, campaignId: string, recipients: QrRecipient[]): Promise<QrCodesResult>;
  /** Codes of a campaign in creation order, paged by `after` (the last code of the previous page). */
  listQrCodes(siteId: string, campaignId: string, opts?: { after?: string | null; limit?: number }): Promise<QrCode[]>;
  getQrCode(siteId: string, code: string): Promise<QrCode | null>;
  setQrCodeDisabled(siteId: string, code: string, disabled: boolean): Promise<QrCode | null>;
  /** The code (any site) with its campaign, for `/q/<code>`. */
  resolveQrCode(code: string): Promise<ResolvedQrCode | null>;

  /**
   * A handoff code for a browser: its live code if more than half of the validity is left,
   * else a new one (unique per site, never reused).
   */
  issueHandoffCode(siteId: string, anonymousId: string, opts: IssueHandoffOptions): Promise<{ record: HandoffCodeRecord; reused: boolean }>;
  /** Validates a code quoted by staff, as valid at time `at` (the order's or touchpoint's time). */
  lookupHandoffCode(siteId: string, raw: unknown, at: number): Promise<HandoffLookup>;
}
