/**
 * Text encodings of CSV exports. Current spreadsheets and POS systems write UTF-8; older Excel
 * ("CSV (semicolon)") and many cash registers write Windows-1252, where "€" is byte 0x80 and
 * "ü" is 0xFC. Read as UTF-8 those become U+FFFD ("M�nchen", "129,00 �" refused as a number);
 * read as ISO-8859-1 (Node's `latin1` Buffer encoding) the euro sign becomes an invisible U+0080.
 * Decoded here by the WHATWG Windows-1252 table, the same on every runtime.
 */

/** `auto`: UTF-8 when the bytes are valid UTF-8, else Windows-1252. */
export type CsvEncoding = 'auto' | 'utf8' | 'windows-1252';

/**
 * The encoding a `--encoding` value or form field names: `latin1`, `iso-8859-1`, `cp1252` and
 * `ansi` all mean what such exports really are, Windows-1252. Null for anything else.
 *
 * @example
 * csvEncoding('latin1') // 'windows-1252'
 */
export function csvEncoding(v: string | undefined): CsvEncoding | null {
  const s = (v ?? 'auto').trim().toLowerCase().replace(/[_\s]/g, '-');
  if (s === 'auto') return 'auto';
  if (s === 'utf8' || s === 'utf-8') return 'utf8';
  if (['windows-1252', 'cp1252', 'latin1', 'latin-1', 'iso-8859-1', 'ansi'].includes(s)) return 'windows-1252';
  return null;
}

/**
 * A decoder that checks UTF-8 chunk by chunk (`decode(chunk, true)` for every chunk but the
 * last): false once the input is not UTF-8.
 *
 * @example
 * const check = utf8Checker(); for (const c of chunks) if (!check(c, true)) break;
 */
export function utf8Checker(): (chunk: Uint8Array | undefined, more: boolean) => boolean {
  const d = new TextDecoder('utf-8', { fatal: true });
  return (chunk, more) => {
    try {
      d.decode(chunk, { stream: more });
      return true;
    } catch {
      return false;
    }
  };
}

/**
 * A streaming decoder for a chosen encoding (never `auto`: detect first), `decode(chunk, more)`.
 *
 * @example
 * const dec = textDecoder('windows-1252'); dec(new Uint8Array([0x80]), false) // '€'
 */
export function textDecoder(encoding: Exclude<CsvEncoding, 'auto'>): (chunk: Uint8Array | undefined, more: boolean) => string {
  if (encoding === 'windows-1252') return (chunk) => (chunk ? decode1252(chunk) : '');
  const d = new TextDecoder('utf-8');
  return (chunk, more) => d.decode(chunk, { stream: more });
}

// Bytes 0x80–0x9F of Windows-1252 (WHATWG index; the other bytes are ISO-8859-1). Node 20's
// TextDecoder('windows-1252') decodes them as ISO-8859-1 C1 controls (fixed in Node 22), so
// they are mapped here on every runtime.
const HIGH = String.fromCharCode(
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
);
let latin1: TextDecoder | undefined;

/** Windows-1252 bytes as text (single-byte: chunks decode independently). */
function decode1252(bytes: Uint8Array): string {
  return (latin1 ??= new TextDecoder('latin1')).decode(bytes).replace(/[\x80-\x9f]/g, (c) => HIGH[c.charCodeAt(0) - 0x80]);
}

/**
 * A whole CSV upload as text: `auto` picks UTF-8 when the bytes are valid UTF-8, else
 * Windows-1252. A UTF-8 byte-order mark is dropped.
 *
 * @example
 * decodeCsv(new Uint8Array([0x4d, 0xfc, 0x6e]), 'auto') // 'Mün'
 */
export function decodeCsv(bytes: Uint8Array, encoding: CsvEncoding = 'auto'): string {
  const enc = encoding === 'auto' ? (utf8Checker()(bytes, false) ? 'utf8' : 'windows-1252') : encoding;
  return textDecoder(enc)(bytes, false);
}
