import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { rollup, type Plugin } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import ts from 'typescript';

const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
const srcDir = fileURLToPath(new URL('.', import.meta.url));

// Transpile only (no type check): this test is about the import graph, not types.
function transpile(): Plugin {
  return {
    name: 'transpile-ts',
    transform(code, id) {
      if (!id.endsWith('.ts') && !id.endsWith('.tsx')) return null;
      const out = ts.transpileModule(code, {
        fileName: id,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, jsx: ts.JsxEmit.ReactJSX, jsxImportSource: 'hono/jsx' },
      });
      return { code: out.outputText, map: null };
    },
  };
}

// ua-parser-js 1.x and ipaddr.js 2.x are dependency-free UMD scripts (no require/import at all);
// they stay imports because rollup cannot read UMD without the commonjs plugin. Checked below.
const UMD_EXTERNAL = ['ipaddr.js', 'ua-parser-js'];
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

test('the edge entry (src/index.ts) bundles for a Worker without any node:* module or SQLite driver', async () => {
  const externals = new Set<string>();
  const bundle = await rollup({
    input: entry,
    external: (id) => {
      if (UMD_EXTERNAL.includes(id) || builtins.has(id) || id.startsWith('node:') || id.startsWith('better-sqlite3') || id.startsWith('@hono/node-server')) {
        externals.add(id);
        return true;
      }
      return false;
    },
    plugins: [
      nodeResolve({ extensions: ['.ts', '.tsx', '.mjs', '.js'], exportConditions: ['workerd', 'worker', 'browser', 'import', 'default'], preferBuiltins: false, browser: true }),
      transpile(),
    ],
    onwarn: () => {},
  });
  const modules = bundle.cache!.modules.map((m) => m.id);
  await bundle.close();

  // Nothing from the Node-only folders or the SQLite store is reachable from the edge entry
  // (pure helpers under cli/ may be shared, e.g. CSV column mapping; their imports are checked below).
  const own = modules.filter((id) => id.startsWith(srcDir)).map((id) => id.slice(srcDir.length));
  expect(own.filter((id) => /^(node|store\/sqlite|test-utils)\//.test(id))).toEqual([]);
  expect(own).toContain('app.ts');
  expect(own).toContain('routes/ingest.ts');
  // Third-party code was bundled (so its imports were checked too), e.g. hono's core.
  expect(modules.some((id) => id.includes('/hono/dist/hono-base.js'))).toBe(true);

  // The only imports left over are the UMD scripts (user-agent parser, IP ranges): no builtin, no
  // driver, no node server.
  expect([...externals].sort()).toEqual(UMD_EXTERNAL);
  const req = createRequire(entry);
  for (const name of UMD_EXTERNAL) {
    const umd = readFileSync(req.resolve(name), 'utf8');
    expect(umd, name).not.toMatch(/\brequire\s*\(/);
    expect(umd, name).not.toMatch(/\bfrom\s+['"]/);
  }
}, 60_000);

test('the test really catches a Node import (sanity check of the detector)', async () => {
  const externals = new Set<string>();
  const bundle = await rollup({
    input: fileURLToPath(new URL('./node/index.ts', import.meta.url)),
    external: (id) => {
      const ext = UMD_EXTERNAL.includes(id) || builtins.has(id) || id.startsWith('node:') || id.startsWith('better-sqlite3') || id.startsWith('@hono/node-server') || id === 'undici';
      if (ext) externals.add(id);
      return ext;
    },
    plugins: [nodeResolve({ extensions: ['.ts', '.tsx', '.mjs', '.js'], preferBuiltins: true }), transpile()],
    onwarn: () => {},
  });
  await bundle.close();
  // The SQLite driver is loaded through node:module (store/sqlite/driver.ts).
  expect([...externals]).toContain('node:module');
  expect([...externals].some((x) => x.startsWith('node:'))).toBe(true);
}, 60_000);
