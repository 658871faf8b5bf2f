/**
 * CSV rows → order / touchpoint inputs for `omnitrail import`: column mapping, delimiter
 * sniffing and grouping of line-item rows into orders. No I/O here.
 */

/** What is imported. */
export type ImportKind = 'orders' | 'touchpoints';

const IDENTIFIER_FIELDS = [
  'userId', 'email', 'phone', 'email_sha256', 'phone_sha256', 'loyaltyId', 'anonymousId', 'handoffCode', 'qrCode', 'scanToken',
];

/** Fields each kind understands; `ext.<name>` (external IDs) is accepted for both. */
export const FIELDS: Record<ImportKind, readonly string[]> = {
  orders: [
    'order_id', 'channel', 'location', 'timestamp', 'revenue', 'currency', 'status', 'coupon', 'products',
    'product_id', 'sku', 'product_name', 'price', 'quantity', 'category', ...IDENTIFIER_FIELDS,
  ],
  touchpoints: ['touchpoint_id', 'type', 'name', 'timestamp', 'location', 'note', 'staff', 'channel', 'appointment_at', ...IDENTIFIER_FIELDS],
};

// Header spellings found in real exports, matched case- and separator-insensitively.
const SYNONYMS: Record<string, string> = {
  orderid: 'order_id', order: 'order_id', ordernumber: 'order_id', total: 'revenue', amount: 'revenue',
  storeid: 'location', store: 'location', locationid: 'location', time: 'timestamp', date: 'timestamp',
  datetime: 'timestamp', createdat: 'timestamp', customerid: 'userId', userid: 'userId', user: 'userId',
  mail: 'email', emailaddress: 'email', phonenumber: 'phone', telephone: 'phone', mobile: 'phone',
  loyaltyid: 'loyaltyId', loyaltycard: 'loyaltyId', loyaltynumber: 'loyaltyId', anonymousid: 'anonymousId',
  handoffcode: 'handoffCode', handoff: 'handoffCode', qrcode: 'qrCode', qr: 'qrCode', scantoken: 'scanToken',
  productid: 'product_id', productname: 'product_name', qty: 'quantity', touchpointid: 'touchpoint_id',
  touchpointtype: 'type', kind: 'type', staffnote: 'note', notes: 'note', comment: 'note', employee: 'staff',
  // German exports (the seed shops): Bestellnummer, Kundennummer, Kundenkarte, Filiale, …
  bestellnr: 'order_id', bestellnummer: 'order_id', auftragsnummer: 'order_id', kundennr: 'userId', kundennummer: 'userId',
  kundenkarte: 'loyaltyId', filiale: 'location', umsatz: 'revenue', betrag: 'revenue', summe: 'revenue', datum: 'timestamp',
  zeit: 'timestamp',
  waehrung: 'currency', telefon: 'phone', telefonnummer: 'phone', handy: 'phone',
  gutschein: 'coupon', menge: 'quantity', anzahl: 'quantity', preis: 'price', artikelnummer: 'sku', artikel: 'product_name',
  notiz: 'note', mitarbeiter: 'staff', art: 'type', termin: 'appointment_at', appointment: 'appointment_at',
  emailsha256: 'email_sha256', phonesha256: 'phone_sha256', couponcode: 'coupon', orderstatus: 'status',
};

const squash = (s: string) => s.toLowerCase().replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue').replace(/[^a-z0-9]/g, '');

/**
 * Parse `--map field=Column` flags into field → column. Throws on unknown fields, so a
 * typo in a mapping fails before a million rows are read.
 *
 * @example
 * parseMappings(['order_id=Bestellnr', 'revenue=Umsatz'], 'orders') // { order_id: 'Bestellnr', revenue: 'Umsatz' }
 */
export function parseMappings(flags: readonly string[], kind: ImportKind): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const eq = f.indexOf('=');
    if (eq <= 0 || eq === f.length - 1) throw new Error(`--map ${f}: expected field=Column, e.g. --map order_id=Bestellnr`);
    const field = f.slice(0, eq).trim();
    if (!FIELDS[kind].includes(field) && !/^ext\.[A-Za-z0-9_.-]{1,40}$/.test(field)) {
      throw new Error(`--map ${f}: unknown field "${field}"; known: ${FIELDS[kind].join(', ')}, ext.<name>`);
    }
    out[field] = f.slice(eq + 1);
  }
  return out;
}

/**
 * Decide which CSV column feeds which field: explicit mappings first, then headers that
 * name a field (`order_id`, `Order ID`, `customer_id`, …). Returns column index per field
 * and the fields whose mapped column is missing (an error for the caller to report).
 *
 * @example
 * resolveColumns(['Bestellnr', 'Email'], { order_id: 'Bestellnr' }, 'orders').columns // { order_id: 0, email: 1 }
 */
export function resolveColumns(
  header: readonly string[],
  mappings: Record<string, string>,
  kind: ImportKind,
): { columns: Record<string, number>; missing: string[]; ignored: string[] } {
  const columns: Record<string, number> = {};
  const missing: string[] = [];
  const used = new Set<number>();
  for (const [field, col] of Object.entries(mappings)) {
    let i = header.indexOf(col);
    if (i < 0) i = header.findIndex((h) => h.trim().toLowerCase() === col.trim().toLowerCase());
    if (i < 0) missing.push(`${field}=${col}`);
    else {
      columns[field] = i;
      used.add(i);
    }
  }
  const byName = new Map<string, string>();
  for (const f of FIELDS[kind]) byName.set(squash(f), f);
  for (const [k, v] of Object.entries(SYNONYMS)) if (FIELDS[kind].includes(v) && !byName.has(k)) byName.set(k, v);
  if (kind === 'touchpoints') byName.set('touchpointtype', 'type');
  header.forEach((h, i) => {
    if (used.has(i)) return;
    const field = byName.get(squash(h));
    if (field && columns[field] === undefined) {
      columns[field] = i;
      used.add(i);
    }
  });
  const ignored = header.filter((h, i) => !used.has(i) && h.trim() !== '');
  return { columns, missing, ignored };
}

/** One CSV row turned into the fields of an input (strings; validation happens later). */
export function rowToFields(row: readonly string[], columns: Record<string, number>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, i] of Object.entries(columns)) {
    const v = row[i];
    if (v === undefined || v.trim() === '') continue;
    if (field.startsWith('ext.')) {
      const ext = (out.externalIds ??= {}) as Record<string, string>;
      ext[field.slice(4)] = v;
    } else out[field] = v;
  }
  return out;
}

const LINE_FIELDS = ['product_id', 'sku', 'product_name', 'price', 'quantity', 'category'];

/**
 * Accumulates rows into orders. Consecutive rows with the same `order_id` are line items of
 * one order (POS exports repeat the order on each line) unless their status differs (a
 * refund row right after its order is a second record): their product columns become the
 * `products` list, and the order fields (revenue, identifiers, …) are taken from the first
 * row — a later row that disagrees on revenue rejects the order, rather than guessing.
 */
export class OrderGrouper {
  private current: { input: Record<string, unknown>; line: number; error?: string } | null = null;

  /** Add a row; returns the previous order when this row starts a new one. */
  push(fields: Record<string, unknown>, line: number): { input: Record<string, unknown>; line: number; error?: string } | null {
    const line0 = this.take(fields);
    const id = typeof fields.order_id === 'string' ? fields.order_id.trim() : undefined;
    const cur = this.current;
    const sameStatus = String(cur?.input.status ?? '').trim().toLowerCase() === String(fields.status ?? '').trim().toLowerCase();
    if (cur && id !== undefined && cur.input.order_id === id && sameStatus) {
      if (line0) (cur.input.products as unknown[]).push(line0);
      const a = cur.input.revenue;
      const b = fields.revenue;
      if (b !== undefined && a !== undefined && String(a).trim() !== String(b).trim()) {
        cur.error ??= `rows of order ${id} disagree on revenue (${a} vs ${b} on line ${line}); put the order total on every row or leave it empty`;
      }
      if (a === undefined && b !== undefined) cur.input.revenue = b;
      return null;
    }
    const done = this.current;
    const input: Record<string, unknown> = { ...fields, ...(id !== undefined ? { order_id: id } : {}) };
    for (const f of LINE_FIELDS) delete input[f];
    if (line0) {
      if (input.products !== undefined) {
        this.current = { input, line, error: 'use either a products (JSON) column or product line columns, not both' };
        return done;
      }
      input.products = [line0];
    }
    this.current = { input, line };
    return done;
  }

  /** The last order (end of file). */
  flush(): { input: Record<string, unknown>; line: number; error?: string } | null {
    const done = this.current;
    this.current = null;
    return done;
  }

  private take(fields: Record<string, unknown>): Record<string, unknown> | null {
    if (!LINE_FIELDS.some((f) => fields[f] !== undefined)) return null;
    const p: Record<string, unknown> = {};
    if (fields.product_id !== undefined) p.id = fields.product_id;
    if (fields.sku !== undefined) p.sku = fields.sku;
    if (fields.product_name !== undefined) p.name = fields.product_name;
    if (fields.price !== undefined) p.price = fields.price;
    if (fields.quantity !== undefined) p.quantity = fields.quantity;
    if (fields.category !== undefined) p.category = fields.category;
    return p;
  }
}

/**
 * Guess the delimiter from the header line: the most frequent of `,` `;` tab `|` outside
 * quotes (German spreadsheet exports use `;` because `,` is the decimal separator).
 *
 * @example
 * sniffDelimiter('Bestellnr;Umsatz;E-Mail\n') // ';'
 */
export function sniffDelimiter(sample: string): string {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0, '|': 0 };
  let quoted = false;
  for (const ch of sample) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch in counts) counts[ch]++;
  }
  let best = ',';
  for (const d of Object.keys(counts)) if (counts[d] > counts[best]) best = d;
  return best;
}
