import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: every temp file of one test run (SQLite files, servers started as child
 * processes, Chromium profiles) goes under one directory that is removed when the run ends.
 *
 * Why: a `process.on('exit')` hook in a test worker never ran (vitest ends its workers without
 * a normal exit), so each full run left ~1 300 database directories (~2 GB) in /tmp. Pointing
 * `TMPDIR` at a run directory before the workers start catches every `os.tmpdir()` user,
 * including code that does not know it runs under a test.
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'omnitrail-vitest-'));
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}
