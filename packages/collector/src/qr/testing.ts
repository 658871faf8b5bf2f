import jsQR from 'jsqr';
import { PNG } from 'pngjs';

/**
 * Test helper: decodes a PNG with an independent decoder (jsQR over pngjs pixels), so tests
 * check what a phone camera would read, not what our renderer meant to draw. Not part of any
 * build entry (jsqr and pngjs are dev dependencies).
 *
 * @example
 * expect(decodeQrPng(await renderPng(url))).toBe(url);
 */
export function decodeQrPng(bytes: Uint8Array): string | null {
  const png = PNG.sync.read(Buffer.from(bytes));
  const r = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength), png.width, png.height);
  return r ? r.data : null;
}
