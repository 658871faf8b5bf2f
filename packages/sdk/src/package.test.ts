// @vitest-environment node
// The published package must work outside this workspace: its `types` are the TypeScript sources,
// so every package they import — `import type` included — has to be a dependency an app installs.
// A devDependency is missing there, and the app's compiler fails on it.
import { readdirSync, readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  name: string;
  files: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

/** The package name of a bare import specifier (`@scope/name/sub` → `@scope/name`), or null for relative paths. */
function packageOf(spec: string): string | null {
  if (spec.startsWith('.') || spec.startsWith('/')) return null;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The source files `npm pack` ships (package.json `files`: `src` without tests and test helpers). */
const published = readdirSync(new URL('src/', root)).filter(
  (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('test-'),
);

describe('published package', () => {
  it('ships src without tests (the types the exports map points at)', () => {
    expect(pkg.files).toEqual(expect.arrayContaining(['src', '!src/**/*.test.ts', '!src/test-*.ts']));
    expect(published).toContain('index.ts');
  });

  it('lists every package its published sources import (types included) as a dependency', () => {
    const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
    const missing: string[] = [];
    for (const f of published) {
      const text = readFileSync(new URL(`src/${f}`, root), 'utf8');
      // preProcessFile reads import/export statements (type-only ones too), not the JSDoc examples.
      for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
        const name = packageOf(fileName);
        if (name && name !== pkg.name && !declared.has(name)) missing.push(`${f}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
