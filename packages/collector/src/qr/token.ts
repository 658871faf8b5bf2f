import { ALPHABET, BASE, randomSymbols } from './alphabet';

/**
 * Scan tokens (`ot_scan` on the landing URL). A token is created per recorded scan and carries
 * its own expiry, so whoever sees it echoed by the SDK (the identity deriver) can refuse a stale
 * token from the event alone — no lookup, and the same answer in any ingestion order. That
 * matters because landing URLs get shared: without expiry every reader of a forwarded link
 * would be fused into the recipient's person.
 *
 * Format: `<random: 16 symbols ≈ 79 bits>.<expiry: unix seconds, base 36>`, e.g.
 * `K7M2QXPRTV8WZ3HA.t4x2kq`. URL-safe, no percent-encoding needed.
 */
export const SCAN_TOKEN_RANDOM_SYMBOLS = 16;

/** Default life of a scan token: the SDK sends it with the first event of the landing page. */
export const DEFAULT_SCAN_TOKEN_TTL_MS = 60 * 60 * 1000;

/**
 * A new scan token valid until `now + ttlMs`.
 *
 * @example
 * createScanToken(Date.now()) // 'K7M2QXPRTV8WZ3HA.t4x2kq'
 */
export function createScanToken(now: number, ttlMs = DEFAULT_SCAN_TOKEN_TTL_MS): string {
  return formatScanToken(randomSymbols(SCAN_TOKEN_RANDOM_SYMBOLS), now + ttlMs);
}

/**
 * A scan token from a random source of your choice: the demo generator and tests use a seeded
 * PRNG (`rand` returns floats in [0, 1)) so their data is reproducible yet made of real tokens
 * that the identity deriver accepts. Never use a predictable `rand` for live scans.
 *
 * @example
 * seededScanToken(prng(7), Date.UTC(2026, 0, 1) + 3_600_000) // 'Q2M…(16 symbols).t4x2kq'
 */
export function seededScanToken(rand: () => number, expiresAt: number): string {
  let symbols = '';
  for (let i = 0; i < SCAN_TOKEN_RANDOM_SYMBOLS; i++) symbols += ALPHABET[Math.floor(rand() * BASE) % BASE];
  return formatScanToken(symbols, expiresAt);
}

/** `<symbols>.<expiry in unix seconds, base 36>`; the expiry is rounded up to the second. */
function formatScanToken(symbols: string, expiresAt: number): string {
  return `${symbols}.${Math.ceil(expiresAt / 1000).toString(36)}`;
}

/** What a scan token says about itself. */
export interface ScanTokenInfo {
  token: string;
  /** Expiry, ms since epoch. */
  expiresAt: number;
}

const TOKEN_RE = /^[23456789ABCDEFGHJKLMNPQRSTVWXYZ]{16}\.[0-9a-z]{1,10}$/;

/**
 * Parses a token echoed by a browser; null when it is not a token this collector makes.
 *
 * @example
 * const info = parseScanToken(ev.context.omnitrail?.scanToken);
 * if (info && ev.timestamp <= info.expiresAt) linkAnonToScan();
 */
export function parseScanToken(raw: unknown): ScanTokenInfo | null {
  if (typeof raw !== 'string' || !TOKEN_RE.test(raw)) return null;
  const exp = parseInt(raw.slice(raw.indexOf('.') + 1), 36);
  if (!Number.isFinite(exp)) return null;
  return { token: raw, expiresAt: exp * 1000 };
}

/**
 * True when `token` is well-formed and not expired at `at` (ms since epoch; use the echoing
 * event's timestamp, not the time of ingestion, so late offline-queued events still link).
 *
 * @example
 * isScanTokenValidAt(token, ev.timestamp)
 */
export function isScanTokenValidAt(token: unknown, at: number): boolean {
  const info = parseScanToken(token);
  return info !== null && at <= info.expiresAt;
}
