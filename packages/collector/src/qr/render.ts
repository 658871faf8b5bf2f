import * as QRCode from 'qrcode';
import { QrInputError } from './errors';

/** QR error correction level: L ≈ 7 %, M ≈ 15 % (default: survives a crease or a smudge), Q ≈ 25 %, H ≈ 30 %. */
export type QrEcc = 'L' | 'M' | 'Q' | 'H';

/** Rendering options shared by SVG and PNG. */
export interface RenderOptions {
  /** Error correction level; default `M`. */
  ecc?: QrEcc;
  /** Image width in pixels (PNG) or user units (SVG); default 512 for PNG, natural size for SVG. */
  size?: number;
  /** Quiet zone in modules; default 4, the minimum ISO/IEC 18004 asks for. */
  margin?: number;
}

const MIN_SIZE = 64;
const MAX_SIZE = 4096;

/**
 * Parses rendering options from strings (query parameters, CLI flags) and validates them.
 *
 * @example
 * parseRenderOptions({ ecc: 'q', size: '1024' }) // { ecc: 'Q', size: 1024, margin: 4 }
 */
export function parseRenderOptions(raw: { ecc?: unknown; size?: unknown; margin?: unknown }): Required<Omit<RenderOptions, 'size'>> & { size?: number } {
  const ecc = raw.ecc === undefined || raw.ecc === '' ? 'M' : String(raw.ecc).toUpperCase();
  if (ecc !== 'L' && ecc !== 'M' && ecc !== 'Q' && ecc !== 'H') throw new QrInputError('ecc must be one of L, M, Q, H');
  let size: number | undefined;
  if (raw.size !== undefined && raw.size !== '') {
    size = Number(raw.size);
    if (!Number.isInteger(size) || size < MIN_SIZE || size > MAX_SIZE) {
      throw new QrInputError(`size must be an integer from ${MIN_SIZE} to ${MAX_SIZE}`);
    }
  }
  let margin = 4;
  if (raw.margin !== undefined && raw.margin !== '') {
    margin = Number(raw.margin);
    if (!Number.isInteger(margin) || margin < 0 || margin > 16) throw new QrInputError('margin must be an integer from 0 to 16');
  }
  return { ecc, size, margin };
}

/**
 * The QR code of `text` as an SVG document (black on white, crisp edges, scalable).
 *
 * @example
 * const svg = await renderSvg('https://t.shop.example/q/K7M2QXPR', { size: 300 });
 */
export async function renderSvg(text: string, opts: RenderOptions = {}): Promise<string> {
  return QRCode.toString(text, {
    type: 'svg',
    errorCorrectionLevel: opts.ecc ?? 'M',
    margin: opts.margin ?? 4,
    ...(opts.size ? { width: opts.size } : {}),
    color: { dark: '#000000ff', light: '#ffffffff' },
  });
}

/** True where the `qrcode` build in use can write PNG (its Node build; edge bundlers pick the browser build). */
export function canRenderPng(): boolean {
  return typeof (QRCode as { toBuffer?: unknown }).toBuffer === 'function';
}

/**
 * The QR code of `text` as PNG bytes (via the `qrcode` library's pngjs renderer, Node only:
 * check `canRenderPng()` on other runtimes).
 *
 * @example
 * await writeFile('code.png', await renderPng('https://t.shop.example/q/K7M2QXPR', { size: 600 }));
 */
export async function renderPng(text: string, opts: RenderOptions = {}): Promise<Uint8Array> {
  if (!canRenderPng()) throw new Error('PNG rendering needs the Node build of the qrcode library; use SVG');
  const buf = await QRCode.toBuffer(text, {
    type: 'png',
    errorCorrectionLevel: opts.ecc ?? 'M',
    margin: opts.margin ?? 4,
    width: opts.size ?? 512,
    color: { dark: '#000000ff', light: '#ffffffff' },
  });
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
