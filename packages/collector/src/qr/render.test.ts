import { describe, expect, test } from 'vitest';
import { PNG } from 'pngjs';
import { randomSymbols } from './alphabet';
import { parseRenderOptions, renderPng, renderSvg } from './render';
import { decodeQrPng as decodePng } from './testing';
import { scanUrl } from './url';


describe('QR rendering', () => {
  test('every PNG decodes (jsQR) to exactly its scan URL — both code lengths, all ECC levels, sizes', async () => {
    const cases: [string, Parameters<typeof renderPng>[1]][] = [];
    for (const len of [8, 13]) for (const ecc of ['L', 'M', 'Q', 'H'] as const) cases.push([scanUrl('https://t.shop.example', randomSymbols(len)), { ecc }]);
    cases.push([scanUrl('http://127.0.0.1:8787', randomSymbols(13)), { size: 128, margin: 4 }]);
    cases.push([scanUrl('https://collector.example.com/omnitrail', randomSymbols(13)), { size: 1024 }]);
    for (const [url, opts] of cases) {
      const png = await renderPng(url, opts);
      expect(decodePng(png)).toBe(url);
    }
  });

  test('size and quiet zone options are honoured', async () => {
    const url = scanUrl('https://t.shop.example', randomSymbols(13));
    const png = PNG.sync.read(Buffer.from(await renderPng(url, { size: 300 })));
    expect(png.width).toBe(300);
    expect(png.height).toBe(300);
    // Quiet zone: the border (4 modules ≥ 4 % of the width) is white.
    for (let x = 0; x < 300; x++) expect(png.data[(2 * 300 + x) * 4]).toBe(255);
    const svg = await renderSvg(url, { size: 240 });
    expect(svg).toMatch(/^<svg[^>]+width="240"/);
    expect(svg).toContain('viewBox');
  });

  test('default error correction is M', async () => {
    const url = scanUrl('https://t.shop.example', randomSymbols(13));
    // With M this URL fits version 3 (29 modules + 8 quiet) = 37 modules across; H needs more.
    const m = await renderSvg(url);
    const h = await renderSvg(url, { ecc: 'H' });
    const width = (s: string) => Number(/viewBox="0 0 (\d+) /.exec(s)![1]);
    expect(width(m)).toBe(width(await renderSvg(url, { ecc: 'M' })));
    expect(width(h)).toBeGreaterThan(width(m));
  });

  test('options are validated', () => {
    expect(parseRenderOptions({})).toEqual({ ecc: 'M', size: undefined, margin: 4 });
    expect(parseRenderOptions({ ecc: 'q', size: '512', margin: '2' })).toEqual({ ecc: 'Q', size: 512, margin: 2 });
    expect(() => parseRenderOptions({ ecc: 'X' })).toThrow(/ecc/);
    expect(() => parseRenderOptions({ size: '10' })).toThrow(/size/);
    expect(() => parseRenderOptions({ size: '1e9' })).toThrow(/size/);
    expect(() => parseRenderOptions({ margin: '-1' })).toThrow(/margin/);
  });
});
