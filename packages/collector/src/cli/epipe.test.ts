import { spawn } from 'node:child_process';
import { expect, test } from 'vitest';
import { tempDbPath } from '../test-utils/harness';
import { openSqliteStore } from '../store/sqlite/index';

// The built CLI, as `pnpm test` builds it first (like the crash test).
const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;

test('output into a closed pipe (omnitrail site list | head -3) ends quietly, without an EPIPE stack trace', async () => {
  const db = tempDbPath();
  const store = openSqliteStore(db);
  for (let i = 0; i < 50; i++) await store.createSite({ name: `Shop ${i}`, origins: ['*'] });
  await store.close();
  const child = spawn(process.execPath, [CLI, 'site', 'list', '--db', db], { stdio: ['ignore', 'pipe', 'pipe'] });
  // The reader leaves before the CLI has written anything (it still loads its modules).
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  expect(stderr).toBe('');
  expect(code).toBe(0);
});
