// @vitest-environment node
// Size budgets (deterministic: rollup + the repo's terser settings + node:zlib, no timing).
// Budgets are the measured size plus ≤ 1 % and go down; they rose only for correctness fixes, each
// with its byte cost in the README Limitations. README "Size" has the table.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundleSize, productionTerser, SDK_CASES } from '../scripts/bundle-size.mjs';
import * as index from './index';
import * as queue from './queue';
import * as vitals from './vitals';
import { VERSION } from './version';

/** [brotli, gzip] budgets in bytes, per import combination. */
const BUDGETS: Record<keyof typeof SDK_CASES, [number, number]> = {
  'createTracker + track': [2345, 2645],
  '+ IndexedDB queue': [2835, 3175],
  '+ vitals': [4825, 5335],
  'script tag (IIFE)': [4065, 4510],
  'script tag + vitals (IIFE)': [6055, 6685],
};

describe('bundle size budgets (brotli, gzip)', () => {
  for (const [name, c] of Object.entries(SDK_CASES) as [keyof typeof SDK_CASES, (typeof SDK_CASES)[keyof typeof SDK_CASES]][]) {
    it(name, { timeout: 120_000 }, async () => {
      const r = await bundleSize(c.code, { format: c.format });
      const [brotli, gzip] = BUDGETS[name];
      console.log(`${name}: ${r.brotli} B brotli, ${r.gzip} B gzip, ${r.raw} B minified`);
      expect(r.brotli).toBeLessThanOrEqual(brotli);
      expect(r.gzip).toBeLessThanOrEqual(gzip);
      // Debug-only messages vanish from production builds.
      expect(r.code).not.toContain('queue full');
      expect(r.code).not.toContain('retry in');
      // Tree-shaking: the core never drags in the optional modules.
      if (name === 'createTracker + track') {
        expect(r.code).not.toContain('indexedDB');
        expect(r.code).not.toContain('largest-contentful-paint');
      }
      // Opt-in plugins stay out of the npm bundles that do not list them, and all are in the script tag.
      for (const marker of ['ot_ses', 'ot_scan', 'credentials', 'pagehide', 'handoff']) {
        if (name.includes('script tag')) expect(r.code).toContain(marker);
        else expect(r.code).not.toContain(marker);
      }
      if (!name.includes('vitals')) expect(r.code).not.toContain('largest-contentful-paint');
    });
  }

  it('keeps the debug messages when __DEBUG__ is on (so the check above can fail)', { timeout: 120_000 }, async () => {
    const terserOptions = await productionTerser();
    const debug = await bundleSize(SDK_CASES['createTracker + track'].code, {
      terserOptions: { ...terserOptions, compress: { ...terserOptions.compress, global_defs: { __DEBUG__: true } } },
    });
    expect(debug.code).toContain('queue full');
    expect(debug.code).toContain('retry in');
  });
});

describe('public API', () => {
  it('export names of each entry', () => {
    expect(Object.keys(index).sort()).toMatchInlineSnapshot(`
      [
        "createTracker",
        "handoffCode",
        "idRefresh",
        "keepalive",
        "memoryQueue",
        "scanToken",
        "sessions",
        "trackPageviews",
        "uuidv7",
      ]
    `);
    expect(Object.keys(queue).sort()).toMatchInlineSnapshot(`
      [
        "idbQueue",
      ]
    `);
    expect(Object.keys(vitals).sort()).toMatchInlineSnapshot(`
      [
        "trackVitals",
      ]
    `);
  });

  it('context.library.version follows package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });
});
