import { isCodeString, normaliseCode, randomSymbols } from './alphabet';
import { checkChar, isValidWithCheck } from './check';

/** Shortest and longest handoff code, check character included. */
export const HANDOFF_MIN_LENGTH = 6;
export const HANDOFF_MAX_LENGTH = 8;

/**
 * A fresh handoff code: `length − 1` random symbols plus one Damm check character.
 * Six characters (the default) give 31⁵ ≈ 28.6 million codes; uniqueness among live codes is
 * enforced by storage, which retries on a collision.
 *
 * @example
 * generateHandoffCode() // e.g. 'K7M2QX'
 */
export function generateHandoffCode(length = HANDOFF_MIN_LENGTH): string {
  if (!Number.isInteger(length) || length < HANDOFF_MIN_LENGTH || length > HANDOFF_MAX_LENGTH) {
    throw new RangeError(`handoff code length must be ${HANDOFF_MIN_LENGTH}–${HANDOFF_MAX_LENGTH}`);
  }
  const payload = randomSymbols(length - 1);
  return payload + checkChar(payload);
}

/**
 * The code grouped for reading aloud and typing: 6 → `K7M-2QX`, 7 → `K7M-2QXP`, 8 → `K7M2-QXPR`.
 *
 * @example
 * formatHandoffCode('K7M2QX') // 'K7M-2QX'
 */
export function formatHandoffCode(code: string): string {
  const cut = code.length === 8 ? 4 : 3;
  return `${code.slice(0, cut)}-${code.slice(cut)}`;
}

/** Why a quoted handoff code was refused (before any lookup). */
export type HandoffFormatProblem = 'format' | 'check';

/** Result of `parseHandoffCode`. */
export type ParsedHandoffCode =
  | { ok: true; code: string }
  | { ok: false; reason: HandoffFormatProblem; message: string };

/**
 * Normalises a code as staff typed it (case, spaces and dashes do not matter) and checks its
 * shape and check character. A failed check means a typo: no lookup is needed to say so.
 *
 * @example
 * parseHandoffCode('k7m-2qx') // { ok: true, code: 'K7M2QX' } when the check character matches
 * parseHandoffCode('K7M-2XQ') // { ok: false, reason: 'check', … } (two letters swapped)
 */
export function parseHandoffCode(raw: unknown): ParsedHandoffCode {
  if (typeof raw !== 'string') {
    return { ok: false, reason: 'format', message: 'handoff code must be a string' };
  }
  const code = normaliseCode(raw);
  if (code.length < HANDOFF_MIN_LENGTH || code.length > HANDOFF_MAX_LENGTH) {
    return {
      ok: false,
      reason: 'format',
      message: `handoff code "${clip(raw)}" must have ${HANDOFF_MIN_LENGTH}–${HANDOFF_MAX_LENGTH} characters (dashes and spaces ignored)`,
    };
  }
  if (!isCodeString(code)) {
    return {
      ok: false,
      reason: 'format',
      message: `handoff code "${clip(raw)}" contains a character that never appears in codes (codes use only 2–9 and A–Z without I, O and U)`,
    };
  }
  if (!isValidWithCheck(code)) {
    return {
      ok: false,
      reason: 'check',
      message: `handoff code "${clip(raw)}" fails its check character: probably a typo or two swapped characters; ask the customer to read it again`,
    };
  }
  return { ok: true, code };
}

function clip(s: string): string {
  const t = s.replace(/[^\x20-\x7e]/g, '?');
  return t.length > 20 ? `${t.slice(0, 20)}…` : t;
}
