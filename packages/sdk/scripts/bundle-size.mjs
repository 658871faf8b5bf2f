// Deterministic bundle-size measurement shared by the size-budget test and `pnpm bench`:
// rollup (node-resolve, TypeScript transpiled without type-checking) + the repo's terser settings,
// then brotli (quality 11) and gzip (level 9) from node:zlib.
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import terser from '@rollup/plugin-terser';
import ts from 'typescript';
import { readFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const sdkDir = join(here, '..');
export const repoRoot = join(sdkDir, '..', '..');

/** The repo's production terser settings (root rollup.config.mjs): `__DEBUG__` is false. */
export async function productionTerser() {
  return (await import(join(repoRoot, 'rollup.config.mjs'))).terserOptions;
}

const transpile = {
  name: 'transpile-ts',
  resolveId(id, importer) {
    if (id === '@omnitrail/schema') return join(repoRoot, 'packages/schema/src/index.ts');
    if (importer && id.startsWith('.') && importer.endsWith('.ts')) return join(dirname(importer), id.endsWith('.ts') ? id : id + '.ts');
    return null;
  },
  transform(code, id) {
    if (!id.endsWith('.ts')) return null;
    return ts.transpileModule(code, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true }, fileName: id }).outputText;
  },
};

/**
 * Bundles `code` (an ES module; relative imports resolve from `resolveDir`) for the browser and
 * returns the minified text with its brotli and gzip sizes in bytes.
 *
 * @example
 * await bundleSize(`import { createTracker } from './src/index.ts'; createTracker({ writeKey: 'k', endpoint: 'https://e.x' }).track('e');`)
 */
export async function bundleSize(code, { resolveDir = sdkDir, format = 'es', terserOptions, split = false } = {}) {
  const entry = join(resolveDir, '__size_entry__.js');
  const bundle = await rollup({
    input: entry,
    plugins: [
      { name: 'entry', resolveId: (id) => (id === entry ? id : null), load: (id) => (id === entry ? code : null) },
      {
        name: 'entry-relative',
        resolveId(id, importer) {
          if (importer === entry && id.startsWith('.')) return join(resolveDir, id);
          return null;
        },
      },
      transpile,
      nodeResolve({ browser: true, rootDir: resolveDir }),
      // Some competitors' dependencies still ship CommonJS; our own code never needs this.
      commonjs(),
      {
        name: 'node-env',
        transform(src) {
          return src.includes('process.env.NODE_ENV') ? src.replaceAll('process.env.NODE_ENV', '"production"') : null;
        },
      },
      {
        name: 'json',
        transform(src, id) {
          return id.endsWith('.json') ? `export default ${src};` : null;
        },
      },
    ],
    onwarn() {},
  });
  const opts = terserOptions ?? (await productionTerser());
  const { output } = await bundle.generate({ format, inlineDynamicImports: !split, plugins: [terser({ ...opts, module: format === 'es' })] });
  await bundle.close();
  const result = sizes(output[0].code);
  // With `split`, lazily loaded chunks count in `total` (what a visitor eventually downloads).
  if (split) result.total = output.filter((o) => o.type === 'chunk').reduce((t, o) => t + sizes(o.code).brotli, 0);
  return result;
}

function sizes(min) {
  const buf = Buffer.from(min);
  return {
    code: min,
    raw: buf.length,
    brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: buf.length } }).length,
    gzip: gzipSync(buf, { level: 9 }).length,
  };
}

const CORE = `import { createTracker } from './src/index.ts';
const t = createTracker({ writeKey: 'k', endpoint: 'https://e.example' });`;

/** The five import combinations of the size budgets. */
export const SDK_CASES = {
  'createTracker + track': { code: `${CORE}\nt.track('e');` },
  '+ IndexedDB queue': {
    code: `import { createTracker } from './src/index.ts'; import { idbQueue } from './src/queue.ts';
createTracker({ writeKey: 'k', endpoint: 'https://e.example', queue: idbQueue }).track('e');`,
  },
  '+ vitals': {
    code: `import { createTracker } from './src/index.ts'; import { idbQueue } from './src/queue.ts'; import { trackVitals } from './src/vitals.ts';
const t = createTracker({ writeKey: 'k', endpoint: 'https://e.example', queue: idbQueue }); trackVitals(t); t.track('e');`,
  },
  'script tag (IIFE)': { code: `import './src/script.ts';`, format: 'iife' },
  'script tag + vitals (IIFE)': { code: `import './src/script-vitals.ts';`, format: 'iife' },
};

/** Measures every SDK case: `{ name: { raw, brotli, gzip, code } }`. */
export async function measureSdk() {
  const out = {};
  for (const [name, c] of Object.entries(SDK_CASES)) out[name] = await bundleSize(c.code, { format: c.format });
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await measureSdk();
  for (const [k, v] of Object.entries(r)) console.log(k.padEnd(28), String(v.brotli).padStart(6), String(v.gzip).padStart(6), String(v.raw).padStart(7));
}
