import { describe, expect, it } from 'vitest';
import { csvEncoding, decodeCsv, textDecoder, utf8Checker } from './csv-encoding';

// "München;129,00 €" as Windows-1252 (ü = 0xFC, € = 0x80) and as UTF-8.
const CP1252 = new Uint8Array([0x4d, 0xfc, 0x6e, 0x63, 0x68, 0x65, 0x6e, 0x3b, 0x31, 0x32, 0x39, 0x2c, 0x30, 0x30, 0x20, 0x80]);
const UTF8 = new TextEncoder().encode('München;129,00 €');

describe('CSV encodings', () => {
  it('names: latin1 and its aliases mean Windows-1252; unknown names are refused', () => {
    expect(csvEncoding(undefined)).toBe('auto');
    expect(csvEncoding('UTF-8')).toBe('utf8');
    for (const n of ['latin1', 'ISO-8859-1', 'cp1252', 'windows_1252', 'ANSI']) expect(csvEncoding(n), n).toBe('windows-1252');
    expect(csvEncoding('ebcdic')).toBeNull();
  });

  it('auto reads UTF-8 as UTF-8 and a Windows-1252 export with its euro sign and umlauts intact', () => {
    expect(decodeCsv(UTF8)).toBe('München;129,00 €');
    expect(decodeCsv(CP1252)).toBe('München;129,00 €');
    expect(decodeCsv(new Uint8Array([0xef, 0xbb, 0xbf, ...UTF8]))).toBe('München;129,00 €');
    // An explicit choice is honoured: the same bytes read as UTF-8 lose their characters.
    expect(decodeCsv(CP1252, 'utf8')).toBe('M\uFFFDnchen;129,00 \uFFFD');
    expect(decodeCsv(CP1252, 'windows-1252')).toBe('München;129,00 €');
    // The WHATWG table for 0x80–0x9F (Node 20's own TextDecoder reads them as C1 controls).
    expect(decodeCsv(new Uint8Array([0x80, 0x84, 0x8a, 0x93, 0x94, 0x96, 0x99, 0x9f, 0x81, 0xe4, 0xdf]), 'windows-1252')).toBe('€„Š“”–™Ÿ\u0081äß');
  });

  it('streams: a character split across chunks is still valid UTF-8 and decodes whole', () => {
    const check = utf8Checker();
    const at = UTF8.indexOf(0xc3) + 1; // inside "ü"
    expect(check(UTF8.subarray(0, at), true)).toBe(true);
    expect(check(UTF8.subarray(at), true)).toBe(true);
    expect(check(undefined, false)).toBe(true);
    const cut = utf8Checker();
    expect(cut(UTF8.subarray(0, at), true)).toBe(true);
    expect(cut(undefined, false)).toBe(false); // the input ended inside a character
    expect(utf8Checker()(CP1252, true)).toBe(false);
    const dec = textDecoder('utf8');
    expect(dec(UTF8.subarray(0, at), true) + dec(UTF8.subarray(at), true) + dec(undefined, false)).toBe('München;129,00 €');
  });
});
