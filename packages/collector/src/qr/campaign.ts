import type { NewQrCampaign, QrCampaign, QrCampaignPatch } from '../store/qr';
import { parseMsOrIso } from '../ingest/time';
import { QrInputError } from './errors';
import { defaultUtm, validateBaseUrl, validateFallbackUrl, validateTargetUrl, validateUtm } from './url';

/**
 * A time given as ISO-8601 string or ms since epoch; null/undefined/'' → null.
 *
 * @example
 * parseTime('2026-12-01T00:00:00Z', 'startsAt') // 1796083200000
 */
export function parseTime(raw: unknown, what: string): number | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const t = typeof raw === 'number' ? raw : typeof raw === 'string' ? parseMsOrIso(raw) : NaN;
  if (!Number.isFinite(t) || t < 0) throw new QrInputError(`${what} must be an ISO-8601 time or ms since epoch`);
  return t;
}

function parseName(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim().length === 0 || raw.trim().length > 200) {
    throw new QrInputError('name must be a non-empty string of at most 200 characters');
  }
  return raw.trim();
}

function checkWindow(startsAt: number | null, endsAt: number | null): void {
  if (startsAt !== null && endsAt !== null && endsAt <= startsAt) throw new QrInputError('endsAt must be after startsAt');
}

/**
 * Validates a "create campaign" body (API and CLI share it). `baseUrl` defaults to the
 * collector's configured public URL; the target must be on one of the site's origins.
 *
 * @example
 * parseNewCampaign({ name: 'Spring flyer', targetUrl: 'https://shop.example/spring' }, ['https://shop.example'], 'https://t.shop.example')
 * // { name: 'Spring flyer', targetUrl: 'https://shop.example/spring', utm: { utm_source: 'qr', utm_medium: 'print', utm_campaign: 'spring-flyer' }, … }
 */
export function parseNewCampaign(body: unknown, origins: string[], defaultBaseUrl: string): NewQrCampaign {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new QrInputError('body must be a JSON object');
  const b = body as Record<string, unknown>;
  const name = parseName(b.name);
  const targetUrl = validateTargetUrl(b.targetUrl ?? b.target_url ?? b.target, origins);
  const fb = b.fallbackUrl ?? b.fallback_url ?? b.fallback;
  const fallbackUrl = fb === undefined || fb === null || fb === '' ? null : validateFallbackUrl(fb);
  const utm = defaultUtm(name, validateUtm(b.utm));
  const baseUrl = validateBaseUrl(b.baseUrl ?? b.base_url ?? defaultBaseUrl);
  const startsAt = parseTime(b.startsAt ?? b.starts_at, 'startsAt');
  const endsAt = parseTime(b.endsAt ?? b.ends_at, 'endsAt');
  checkWindow(startsAt, endsAt);
  return { name, targetUrl, fallbackUrl, utm, baseUrl, startsAt, endsAt };
}

/**
 * Validates a "change campaign" body: any of name, targetUrl, fallbackUrl (null clears),
 * utm (replaces), startsAt/endsAt (null clears), disabled.
 *
 * @example
 * parseCampaignPatch({ disabled: true }, current, origins) // { disabled: true }
 */
export function parseCampaignPatch(body: unknown, current: QrCampaign, origins: string[]): QrCampaignPatch {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new QrInputError('body must be a JSON object');
  const b = body as Record<string, unknown>;
  const patch: QrCampaignPatch = {};
  if (b.name !== undefined) patch.name = parseName(b.name);
  if (b.targetUrl !== undefined) patch.targetUrl = validateTargetUrl(b.targetUrl, origins);
  if (b.fallbackUrl !== undefined) patch.fallbackUrl = b.fallbackUrl === null || b.fallbackUrl === '' ? null : validateFallbackUrl(b.fallbackUrl);
  if (b.utm !== undefined) patch.utm = validateUtm(b.utm);
  if (b.startsAt !== undefined) patch.startsAt = parseTime(b.startsAt, 'startsAt');
  if (b.endsAt !== undefined) patch.endsAt = parseTime(b.endsAt, 'endsAt');
  if (b.disabled !== undefined) {
    if (typeof b.disabled !== 'boolean') throw new QrInputError('disabled must be true or false');
    patch.disabled = b.disabled;
  }
  checkWindow(patch.startsAt !== undefined ? patch.startsAt : current.startsAt, patch.endsAt !== undefined ? patch.endsAt : current.endsAt);
  return patch;
}

/** Whether a code works at time `now`, and if not, why. */
export type CodeState = 'active' | 'disabled' | 'not-started' | 'ended';

/**
 * The state of a code of a campaign at `now`.
 *
 * @example
 * codeState({ disabled: false }, { disabled: false, startsAt: null, endsAt: 0 }, Date.now()) // 'ended'
 */
export function codeState(code: { disabled: boolean }, campaign: Pick<QrCampaign, 'disabled' | 'startsAt' | 'endsAt'>, now: number): CodeState {
  if (code.disabled || campaign.disabled) return 'disabled';
  if (campaign.startsAt !== null && now < campaign.startsAt) return 'not-started';
  if (campaign.endsAt !== null && now >= campaign.endsAt) return 'ended';
  return 'active';
}
