import { parse } from 'csv-parse/sync';
import { hashPii } from '../pii';
import type { QrRecipient } from '../store/qr';
import { QrInputError } from './errors';

/**
 * Column names (CSV) and keys (JSON) accepted for each recipient field: case-insensitive,
 * `-`/space read as `_` (`Email`, `E-Mail`, `Customer ID` all work). Others are ignored with
 * one warning naming them.
 */
const COLUMNS: Record<keyof QrRecipient | 'email' | 'phone', string[]> = {
  ref: ['recipient_ref', 'ref', 'recipient', 'recipient_id', 'id'],
  customerId: ['customer_id', 'customerid', 'user_id', 'userid', 'customer'],
  email: ['email', 'e_mail', 'mail', 'email_address', 'e_mail_address'],
  phone: ['phone', 'telephone', 'tel', 'mobile', 'phone_number'],
  loyaltyId: ['loyalty_id', 'loyaltyid', 'loyalty', 'loyalty_card', 'card'],
  emailSha256: ['email_sha256'],
  phoneSha256: ['phone_sha256'],
};

/** A row of a recipient list that could not be used (the others go ahead). */
export interface RecipientProblem {
  /** 1-based line in the CSV file (header = line 1), or 1-based index in a JSON array. */
  line: number;
  ref: string | null;
  reason: string;
}

/** Parsed recipient list: good rows, rejected rows, and warnings on rows kept without a bad field. */
export interface ParsedRecipients {
  recipients: QrRecipient[];
  rejected: RecipientProblem[];
  warnings: RecipientProblem[];
}

function canon(h: string): string {
  return h.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/** Every accepted column name (canonical form). */
const KNOWN = new Set(Object.values(COLUMNS).flat());

/**
 * A warning naming the columns (keys) that are not used, so a list exported with a `Telefon`
 * or `Name` column does not lose data silently; null when every column is known.
 */
function unknownColumnsWarning(names: Iterable<string>, line: number): RecipientProblem | null {
  const unknown = [...new Set([...names].filter((n) => n.trim() !== '' && !KNOWN.has(canon(n))))];
  if (unknown.length === 0) return null;
  return {
    line,
    ref: null,
    reason: `column${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n.slice(0, 40))).join(', ')} ignored (recipient columns: recipient_ref, customer_id, email, phone, loyalty_id, email_sha256, phone_sha256; names are case-insensitive)`,
  };
}

function pick(row: Record<string, unknown>, names: string[]): string | null {
  for (const n of names) {
    const v = row[n];
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
  }
  return null;
}

/**
 * Normalises recipient rows (objects keyed by any of the accepted column names): trims, hashes
 * e-mail and phone with `hashPii` (the same hashing as identify traits and orders), rejects rows
 * without a recipient ref or with a ref already seen. A bad e-mail/phone only drops that field
 * (the letter still needs its code) and is reported as a warning.
 *
 * @example
 * const { recipients, rejected } = await normaliseRecipients([{ ref: 'R-1', email: 'Jane@Example.com' }]);
 */
export async function normaliseRecipients(rows: Record<string, unknown>[], opts: { defaultCountry?: string; firstLine?: number; checkColumns?: boolean } = {}): Promise<ParsedRecipients> {
  const first = opts.firstLine ?? 1;
  const out: ParsedRecipients = { recipients: [], rejected: [], warnings: [] };
  const seen = new Set<string>();
  /** Keys not used by any field, and the first row naming one (JSON lists: keys vary per row). */
  const unknown = new Set<string>();
  let unknownAt = 0;
  for (let i = 0; i < rows.length; i++) {
    const line = first + i;
    const raw = rows[i];
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      out.rejected.push({ line, ref: null, reason: 'not an object' });
      continue;
    }
    if (opts.checkColumns !== false) {
      for (const k of Object.keys(raw)) {
        if (KNOWN.has(canon(k)) || unknown.has(k)) continue;
        unknown.add(k);
        unknownAt ||= line;
      }
    }
    const row: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) row[canon(k)] = v;
    const ref = pick(row, COLUMNS.ref);
    if (!ref) {
      out.rejected.push({ line, ref: null, reason: `missing recipient ref (column ${COLUMNS.ref.join(' / ')})` });
      continue;
    }
    if (ref.length > 200) {
      out.rejected.push({ line, ref: ref.slice(0, 40), reason: 'recipient ref longer than 200 characters' });
      continue;
    }
    if (seen.has(ref)) {
      out.rejected.push({ line, ref, reason: 'duplicate recipient ref in this list' });
      continue;
    }
    seen.add(ref);
    const rec: QrRecipient = { ref };
    const customerId = pick(row, COLUMNS.customerId);
    if (customerId) rec.customerId = customerId;
    const loyalty = pick(row, COLUMNS.loyaltyId);
    if (loyalty) rec.loyaltyId = loyalty;
    for (const kind of ['email', 'phone'] as const) {
      const given = pick(row, COLUMNS[kind]) ?? pick(row, COLUMNS[kind === 'email' ? 'emailSha256' : 'phoneSha256']);
      if (!given) continue;
      const hash = await hashPii(kind, given, opts.defaultCountry);
      if (hash) rec[kind === 'email' ? 'emailSha256' : 'phoneSha256'] = hash;
      else out.warnings.push({ line, ref, reason: `${kind} is not valid and was left out${kind === 'phone' && !opts.defaultCountry ? ' (national numbers need a default country)' : ''}` });
    }
    out.recipients.push(rec);
  }
  const w = unknownColumnsWarning(unknown, unknownAt);
  if (w) out.warnings.unshift(w);
  return out;
}

/**
 * Parses a recipient list from CSV text (header row; `,` `;` or tab separated; BOM tolerated —
 * what Excel exports) and normalises it (see `normaliseRecipients`). Line numbers in problems
 * are file lines, header = line 1.
 *
 * @example
 * const { recipients, rejected } = await parseRecipientsCsv('recipient_ref;email\nR-1;jane@example.com\n');
 */
export async function parseRecipientsCsv(text: string, opts: { defaultCountry?: string } = {}): Promise<ParsedRecipients> {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  let header: string[] = [];
  try {
    records = parse(text, {
      bom: true,
      columns: (h: string[]) => ((header = h), h.map(canon)),
      delimiter: [',', ';', '\t'],
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      info: true,
    }) as unknown as typeof records;
  } catch (e) {
    throw new QrInputError(`recipient list is not valid CSV: ${(e as Error).message}`);
  }
  const rows = records.map((r) => r.record);
  const res = await normaliseRecipients(rows, { defaultCountry: opts.defaultCountry, checkColumns: false });
  // Map row positions back to file lines (quoted fields may span lines; header = line 1).
  for (const p of [...res.rejected, ...res.warnings]) p.line = records[p.line - 1]?.info.lines ?? p.line + 1;
  // Unknown columns are named once, at the header line, in the spelling of the file.
  const w = unknownColumnsWarning(header, 1);
  if (w) res.warnings.unshift(w);
  return res;
}

/**
 * Parses a recipient list from a JSON value: an array of objects, or `{ recipients: [...] }`.
 *
 * @example
 * await parseRecipientsJson([{ ref: 'R-1', loyaltyId: 'L-4711' }])
 */
export async function parseRecipientsJson(value: unknown, opts: { defaultCountry?: string } = {}): Promise<ParsedRecipients> {
  const list = Array.isArray(value) ? value : value && typeof value === 'object' ? (value as { recipients?: unknown }).recipients : undefined;
  if (!Array.isArray(list)) throw new QrInputError('recipients must be an array of objects (or { "recipients": [...] })');
  return normaliseRecipients(list as Record<string, unknown>[], { defaultCountry: opts.defaultCountry });
}
