// One config builds every package. Each package declares what to build in a small
// `buildOptions` block of its package.json (the vuejs/core pattern):
//   entries:  { name: "src/file.ts" } → ESM files in dist/ (shared code split into chunks)
//   external: extra module ids left as imports besides `dependencies` ("node:*" matches every builtin)
//   iife:     [{ input, file, debug? }] → minified, self-contained script-tag builds (`debug`: keeps the `__DEBUG__` messages)
// `ONLY=sdk rollup -c` builds one package.
import { readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

const root = new URL('.', import.meta.url).pathname;
const only = process.env.ONLY;

/** Terser settings shared by every minified build; `__DEBUG__` strings vanish in production. */
export const terserOptions = {
  ecma: 2020,
  module: true,
  // unsafe_arrows: no bundled function expression uses `this`, `arguments`, `new` or `.prototype`
  // (web-vitals' constructors are classes); keep_fargs: no code reads a function's `.length`.
  compress: { passes: 3, global_defs: { __DEBUG__: false }, pure_getters: true, unsafe_arrows: true, keep_fargs: false },
  mangle: { properties: { regex: /^_/ } },
  format: { comments: false },
};

function isExternal(list) {
  return (id) =>
    list.some((e) => (e.endsWith('*') ? id.startsWith(e.slice(0, -1)) : id === e || id.startsWith(e + '/')));
}

function ts(pkgDir) {
  return typescript({
    tsconfig: join(root, 'tsconfig.json'),
    include: [join(pkgDir, 'src/**/*.ts'), join(pkgDir, 'src/**/*.tsx'), join(root, 'packages/schema/src/**/*.ts')],
    exclude: ['**/*.test.ts', '**/*.test.tsx'],
    compilerOptions: { noEmit: false, declaration: false, sourceMap: false, outDir: join(pkgDir, 'dist') },
    noEmitOnError: true,
  });
}

/** Empties a package's dist/ when its first build starts: hashed chunks of earlier builds would pile up (and ship). */
function cleanDist(dir) {
  return {
    name: 'clean-dist',
    buildStart() {
      rmSync(join(dir, 'dist'), { recursive: true, force: true });
    },
  };
}

const configs = [];
for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  if (only && only !== name) continue;
  const pkgFile = join(dir, 'package.json');
  if (!existsSync(pkgFile)) continue;
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  const opts = pkg.buildOptions;
  if (!opts) continue;
  // Runtime dependencies stay imports in ESM builds; the IIFE bundles everything.
  const external = isExternal([...Object.keys(pkg.dependencies ?? {}), ...(opts.external ?? [])]);
  const first = configs.length;
  if (opts.entries) {
    configs.push({
      input: Object.fromEntries(Object.entries(opts.entries).map(([k, v]) => [k, join(dir, v)])),
      external,
      plugins: [ts(dir), nodeResolve({ preferBuiltins: true })],
      output: {
        dir: join(dir, 'dist'),
        format: 'es',
        entryFileNames: '[name].js',
        chunkFileNames: 'chunks/[name]-[hash].js',
        // An entry named `cli` is a bin: it needs a shebang.
        banner: (chunk) => (chunk.isEntry && chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
      },
      onwarn(w, warn) {
        if (w.code !== 'CIRCULAR_DEPENDENCY') warn(w);
      },
    });
  }
  for (const b of opts.iife ?? []) {
    configs.push({
      input: join(dir, b.input),
      plugins: [
        ts(dir),
        nodeResolve({ browser: true }),
        terser(b.debug ? { ...terserOptions, compress: { ...terserOptions.compress, global_defs: { __DEBUG__: true } } } : terserOptions),
      ],
      output: { file: join(dir, 'dist', b.file), format: 'iife' },
    });
  }
  // Configs run in order: the package's first one cleans, the others add to the fresh dist/.
  configs[first]?.plugins.unshift(cleanDist(dir));
}

export default configs;
