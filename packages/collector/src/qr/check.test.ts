import { describe, expect, test } from 'vitest';
import { ALPHABET, BASE } from './alphabet';
import { checkChar, dammStep, isValidWithCheck } from './check';
import { formatHandoffCode, generateHandoffCode, parseHandoffCode } from './handoff-code';

describe('Damm check over the 31-symbol alphabet', () => {
  test('the operation is a quasigroup: every row and column is a permutation', () => {
    for (let a = 0; a < BASE; a++) {
      const row = new Set<number>();
      const col = new Set<number>();
      for (let b = 0; b < BASE; b++) {
        row.add(dammStep(a, b));
        col.add(dammStep(b, a));
      }
      expect(row.size).toBe(BASE);
      expect(col.size).toBe(BASE);
    }
  });

  test('the operation is totally anti-symmetric: (c∘x)∘y = (c∘y)∘x only when x = y (all 31³ cases)', () => {
    let collisions = 0;
    for (let c = 0; c < BASE; c++)
      for (let x = 0; x < BASE; x++)
        for (let y = 0; y < BASE; y++) if (x !== y && dammStep(dammStep(c, x), y) === dammStep(dammStep(c, y), x)) collisions++;
    expect(collisions).toBe(0);
  });

  // Exhaustive over every 3-symbol payload (29 791 codes of 4 symbols with the check):
  // all 4 × 30 single substitutions and all 3 adjacent swaps of distinct symbols.
  test('every single substitution and every adjacent transposition of every 3-symbol payload is caught', () => {
    let checked = 0;
    let missed = 0;
    for (const a of ALPHABET)
      for (const b of ALPHABET)
        for (const c of ALPHABET) {
          const code = a + b + c + checkChar(a + b + c);
          if (!isValidWithCheck(code)) missed++;
          for (let i = 0; i < code.length; i++) {
            for (const s of ALPHABET) {
              if (s === code[i]) continue;
              checked++;
              if (isValidWithCheck(code.slice(0, i) + s + code.slice(i + 1))) missed++;
            }
            if (i + 1 < code.length && code[i] !== code[i + 1]) {
              checked++;
              if (isValidWithCheck(code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2))) missed++;
            }
          }
        }
    expect(checked).toBeGreaterThan(29_791 * 120);
    expect(missed).toBe(0);
  });

  test('the same holds for full-length handoff codes (every error of 2 000 random codes)', () => {
    let missed = 0;
    for (let n = 0; n < 2000; n++) {
      const code = generateHandoffCode(6 + (n % 3));
      expect(isValidWithCheck(code)).toBe(true);
      for (let i = 0; i < code.length; i++) {
        for (const s of ALPHABET) if (s !== code[i] && isValidWithCheck(code.slice(0, i) + s + code.slice(i + 1))) missed++;
        if (i + 1 < code.length && code[i] !== code[i + 1] && isValidWithCheck(code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2))) missed++;
      }
    }
    expect(missed).toBe(0);
  });
});

describe('handoff codes', () => {
  test('length, alphabet and display', () => {
    for (const len of [6, 7, 8]) {
      const code = generateHandoffCode(len);
      expect(code).toMatch(new RegExp(`^[${ALPHABET}]{${len}}$`));
    }
    expect(formatHandoffCode('K7M2QX')).toBe('K7M-2QX');
    expect(formatHandoffCode('K7M2QXP')).toBe('K7M-2QXP');
    expect(formatHandoffCode('K7M2QXPR')).toBe('K7M2-QXPR');
    expect(() => generateHandoffCode(5)).toThrow(RangeError);
    expect(() => generateHandoffCode(9)).toThrow(RangeError);
  });

  test('parse: case, dashes and spaces do not matter; problems are named', () => {
    const code = generateHandoffCode();
    const typed = ` ${formatHandoffCode(code).toLowerCase()} `;
    expect(parseHandoffCode(typed)).toEqual({ ok: true, code });
    const swapped = code[1] !== code[2] ? code[0] + code[2] + code[1] + code.slice(3) : null;
    if (swapped) expect(parseHandoffCode(swapped)).toMatchObject({ ok: false, reason: 'check' });
    const typo = code.slice(0, 5) + (code[5] === 'A' ? 'B' : 'A');
    expect(parseHandoffCode(typo)).toMatchObject({ ok: false, reason: 'check' });
    expect(parseHandoffCode('K0M-2QX')).toMatchObject({ ok: false, reason: 'format' });
    expect(parseHandoffCode('K7M')).toMatchObject({ ok: false, reason: 'format' });
    expect(parseHandoffCode(42)).toMatchObject({ ok: false, reason: 'format' });
    const r = parseHandoffCode(typo);
    expect(!r.ok && r.message).toMatch(/typo|swapped/);
  });
});
