import { describe, expect, test } from 'vitest';
import { ALPHABET, BASE, isCodeString, normaliseCode, randomSymbols, symbolsForBits } from './alphabet';
import { PERSONAL_CODE_LENGTH, SHARED_CODE_LENGTH } from '../store/sqlite/qr';
import { createScanToken, isScanTokenValidAt, parseScanToken } from './token';

describe('code alphabet', () => {
  test('URL-safe, unambiguous: no 0 O 1 I l (and no U), upper case only, 31 symbols', () => {
    expect(BASE).toBe(31);
    expect(new Set(ALPHABET).size).toBe(31);
    for (const bad of ['0', 'O', '1', 'I', 'l', 'U', 'o', 'i']) expect(ALPHABET).not.toContain(bad);
    expect(ALPHABET).toMatch(/^[A-Z2-9]+$/);
    expect(encodeURIComponent(ALPHABET)).toBe(ALPHABET);
  });

  test('personalised codes carry ≥ 64 bits; shared codes are short', () => {
    expect(PERSONAL_CODE_LENGTH).toBe(symbolsForBits(64));
    expect(PERSONAL_CODE_LENGTH * Math.log2(BASE)).toBeGreaterThanOrEqual(64);
    expect(SHARED_CODE_LENGTH).toBeLessThanOrEqual(8);
  });

  test('random symbols are uniform (chi-square over 310 000 draws) and never repeat at 64 bits', () => {
    const counts = new Map<string, number>();
    const s = randomSymbols(310_000);
    for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(31);
    let chi = 0;
    for (const n of counts.values()) chi += (n - 10_000) ** 2 / 10_000;
    // 30 degrees of freedom: p = 0.0001 at χ² ≈ 70. A biased `byte % 31` would give ≈ 480.
    expect(chi).toBeLessThan(70);
    const codes = new Set(Array.from({ length: 20_000 }, () => randomSymbols(PERSONAL_CODE_LENGTH)));
    expect(codes.size).toBe(20_000);
  });

  test('normalise and validate', () => {
    expect(normaliseCode(' k7m-2qx ')).toBe('K7M2QX');
    expect(isCodeString('K7M2QX')).toBe(true);
    expect(isCodeString('K7M2QO')).toBe(false);
    expect(isCodeString('')).toBe(false);
    expect(isCodeString('K7M2', 5)).toBe(false);
  });
});

describe('scan tokens', () => {
  test('carry their expiry and are URL-safe', () => {
    const now = Date.UTC(2026, 10, 26, 8, 0, 0);
    const t = createScanToken(now, 3_600_000);
    expect(encodeURIComponent(t)).toBe(t);
    expect(parseScanToken(t)).toEqual({ token: t, expiresAt: now + 3_600_000 });
    expect(isScanTokenValidAt(t, now + 3_600_000)).toBe(true);
    expect(isScanTokenValidAt(t, now + 3_601_000)).toBe(false);
    expect(parseScanToken('nope')).toBeNull();
    expect(parseScanToken(`${t}\r\n`)).toBeNull();
    expect(createScanToken(now)).not.toBe(createScanToken(now));
  });
});
