import type { OrderInput } from '@omnitrail/schema';
import type { OrderStatus } from '../attribution/journey';
import { keyHash } from '../store/key-hash';
import type { OrderProduct, OrderRecord } from '../store/orders';
import { scrubString } from '../pii/scrub';
import { offlineIdentifiers } from '../stitch/derive';
import { collectIdentifiers, type CodeResolver, type PiiMemo } from './identifiers';
import { FieldError, isBlank, optString, parseAmount, parseCurrency, parseQuantity, parseTime } from './parse';

/** Options shared by order and touchpoint normalisation. */
export interface NormaliseOptions {
  /** Country for national-format phone numbers (ISO 3166-1 alpha-2). */
  defaultCountry?: string;
  /** "Now" in ms (records without a time get it; tests pin it). */
  now: number;
  /** Validates quoted handoff / QR codes; without one, codes are only format-checked by identity rules. */
  resolveCodes?: CodeResolver;
  /** Hash memo for bulk imports (see `createPiiMemo`). */
  piiMemo?: PiiMemo;
}

/** Outcome of normalising one order: a record plus what the caller must still resolve, or a reason. */
export type NormalisedOrder =
  | { ok: true; record: OrderRecord; warnings: string[] }
  | { ok: false; orderId?: string; reason: string };

const STATUSES = new Set<OrderStatus>(['completed', 'refunded', 'cancelled']);
const STATUS_ALIASES: Record<string, OrderStatus> = { canceled: 'cancelled', complete: 'completed', refund: 'refunded' };
const MAX_PRODUCTS = 500;

function parseProducts(v: unknown): OrderProduct[] {
  if (isBlank(v)) return [];
  if (typeof v === 'string') {
    // CSV cells may carry the product list as JSON.
    try {
      v = JSON.parse(v);
    } catch {
      throw new FieldError('products must be an array (or a JSON array in CSV)');
    }
  }
  if (!Array.isArray(v)) throw new FieldError('products must be an array');
  if (v.length > MAX_PRODUCTS) throw new FieldError(`products has more than ${MAX_PRODUCTS} lines`);
  return v.map((p, i) => {
    if (!p || typeof p !== 'object' || Array.isArray(p)) throw new FieldError(`products[${i}] must be an object`);
    const o = p as Record<string, unknown>;
    const out: OrderProduct = { quantity: parseQuantity(o.quantity, `products[${i}].quantity`) };
    const id = optString(o.id ?? o.product_id, `products[${i}].id`);
    const sku = optString(o.sku, `products[${i}].sku`);
    const name = optString(o.name, `products[${i}].name`, 500);
    const price = parseAmount(o.price, `products[${i}].price`);
    const category = optString(o.category, `products[${i}].category`);
    if (id !== undefined) out.id = id;
    if (sku !== undefined) out.sku = sku;
    if (name !== undefined) out.name = name;
    if (price !== undefined) out.price = price;
    if (category !== undefined) out.category = category;
    if (id === undefined && sku === undefined && name === undefined) {
      throw new FieldError(`products[${i}] needs an id, sku or name`);
    }
    return out;
  });
}

/** A free text field with e-mail addresses hashed or redacted (pii/scrub.ts), or null. */
async function scrubOpt(v: string | undefined): Promise<string | null> {
  return v === undefined ? null : scrubString(v);
}

function parseStatus(v: unknown): OrderStatus {
  const s = optString(v, 'status', 20)?.toLowerCase();
  if (s === undefined) return 'completed';
  const st = (STATUS_ALIASES[s] ?? s) as OrderStatus;
  if (!STATUSES.has(st)) throw new FieldError('status must be completed, refunded or cancelled');
  return st;
}

/**
 * A stable content hash of a server record: identical resends (same fields, whatever their
 * spelling — `"89,90"` vs `89.9`, key order) produce the same ref and are recognised as
 * duplicates. The receive time is not part of it. Two pure-JS hashes (the `keyHash` of the
 * event log; 53 + 32 bits, as the two-argument form carries 32, see `key-hash.ts`): refs are compared only among the records of one order, and
 * a synchronous hash keeps a million-row import off the Web Crypto thread pool.
 */
function contentRef(r: Omit<OrderRecord, 'ref' | 'receivedAt'>): string {
  const ids = [...r.identifiers].map((i) => `${i.kind}=${i.value}`).sort();
  const canon = JSON.stringify([r.orderId, r.channel, r.location, r.ts, r.revenue, r.currency, r.status, r.coupon, r.products, ids, r.qrCode]);
  return `s:${keyHash(canon).toString(36)}.${keyHash(canon, 'ref').toString(36)}`;
}

/**
 * Validate and normalise one server order (`POST /v1/orders` body or a CSV row) into an
 * `OrderRecord`. Revenue defaults to `total`, then to the sum of `price × quantity`; a
 * refund/cancel record without revenue means a full refund (revenue 0). E-mail and phone
 * are hashed here. Handoff codes are returned for the caller to validate against storage.
 *
 * @example
 * const r = await normaliseOrder({ order_id: 'B-1', revenue: '89,90', email: 'Jane@x.de' }, { now: Date.now() });
 * if (r.ok) r.record.revenue // 89.9
 */
export async function normaliseOrder(input: unknown, opts: NormaliseOptions): Promise<NormalisedOrder> {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return { ok: false, reason: 'order must be a JSON object' };
  const o = input as OrderInput & Record<string, unknown>;
  let orderId: string | undefined;
  try {
    orderId = optString(o.order_id ?? o.orderId, 'order_id', 100);
    if (orderId === undefined) return { ok: false, reason: 'order_id is required' };
    const status = parseStatus(o.status);
    const products = parseProducts(o.products);
    let revenue = parseAmount(o.revenue, 'revenue') ?? parseAmount(o.total, 'total');
    if (revenue === undefined) {
      if (status !== 'completed') revenue = 0;
      else if (products.length && products.every((p) => p.price !== undefined)) {
        revenue = Math.round(products.reduce((s, p) => s + p.price! * p.quantity, 0) * 1e6) / 1e6;
      } else return { ok: false, orderId, reason: 'revenue is required (or total, or products with prices)' };
    }
    if (revenue < 0) return { ok: false, orderId, reason: 'revenue must not be negative' };
    const channel = optString(o.channel, 'channel', 40)?.toLowerCase() ?? null;
    const ids = await collectIdentifiers(o, opts.defaultCountry, opts.piiMemo);
    const ts = parseTime(o.timestamp ?? o.time, 'timestamp', opts.now);
    if (opts.resolveCodes && (ids.handoffCode || ids.qrCode)) {
      const res = await opts.resolveCodes({ handoffCode: ids.handoffCode, qrCode: ids.qrCode }, ts ?? opts.now);
      if (!res.ok) return { ok: false, orderId, reason: res.reason };
      if (res.qrRecipient) ids.fields.qrRecipient = res.qrRecipient;
    }
    const base = {
      orderId,
      source: 'server' as const,
      channel,
      location: await scrubOpt(optString(o.location ?? o.store_id ?? o.location_id, 'location', 100)),
      ts: ts ?? opts.now,
      revenue,
      currency: parseCurrency(o.currency) ?? null,
      status,
      coupon: await scrubOpt(optString(o.coupon, 'coupon', 100)),
      products,
      identifiers: offlineIdentifiers({ ...ids.fields, handoffCode: ids.handoffCode }),
      qrCode: ids.qrCode ?? null,
    };
    // A record without a time gets "now"; hashing that would make every resend look new,
    // so the ref of an untimed record leaves the time out.
    const ref = contentRef(ts !== undefined ? base : { ...base, ts: 0 });
    return { ok: true, record: { ...base, ref, receivedAt: opts.now }, warnings: ids.warnings };
  } catch (e) {
    if (e instanceof FieldError) return { ok: false, orderId, reason: e.message };
    throw e;
  }
}
