import type { RateSpec } from '../ingest/rate-limit';

/** Collector options of the QR scan endpoint (`createCollector({ qr })`). */
export interface QrOptions {
  /** Life of the `ot_scan` token on the landing URL, ms. Default 1 h. */
  scanTokenTtlMs?: number;
  /**
   * Recorded scans per client IP (needs `clientIp`); over it the visitor is still redirected,
   * but the scan is not recorded (stops one phone or script from inflating a campaign).
   * Default 1/s, burst 20. `false` turns it off.
   */
  scanLimitPerIp?: RateSpec | false;
}

/** Collector options of `POST /v1/handoff` (`createCollector({ handoff })`). */
export interface HandoffOptions {
  /** Days a handoff code stays valid. Default 14. */
  validityDays?: number;
  /** Code length with its check character, 6–8. Default 6 (`K7M-2QX`). */
  length?: number;
  /**
   * Limits per write key, per client IP (needs `clientIp`) and per visitor (anonymousId);
   * 429 with Retry-After. Defaults: per key 50/s burst 200; per IP 1/s burst 10; per visitor
   * 1 per 10 s, burst 5. `false` turns all off.
   */
  rateLimit?: false | { perKey?: RateSpec | false; perIp?: RateSpec | false; perVisitor?: RateSpec | false };
}

export const DEFAULT_HANDOFF_VALIDITY_DAYS = 14;
