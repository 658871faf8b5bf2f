import { expect, test } from 'vitest';
import { main } from './main';
import { captureIo } from '../test-utils/cli-io';
import { tempDbPath } from '../test-utils/harness';
import { openSqliteStore } from '../store/sqlite/index';
import { storedEvents } from '../test-utils/stored-event';

test('retention help states the adaptive batch sizes the purge really uses; --batch fixes the size', async () => {
  const help = captureIo();
  expect(await main(['retention', '--help'], help)).toBe(0);
  const text = help.stdout.join('\n');
  expect(text).not.toContain('2000 rows');
  expect(text).toMatch(/first batch deletes 256 rows, each next one halves or\s+doubles \(32 to 4096 rows\)/);

  // --batch 3 on 7 old events: 3 batches of at most 3 rows (the last finds none left, or 1).
  const db = tempDbPath();
  const store = openSqliteStore(db);
  const { site } = await store.createSite({ name: 'Shop', origins: ['*'] });
  const ev = storedEvents({ prefix: 'old-', t0: Date.now() - 400 * 86_400_000, anonymousId: 'a1' });
  await store.appendEvents(Array.from({ length: 7 }, () => ev(site.id)));
  await store.close();
  const run = captureIo();
  expect(await main(['retention', 'run', '--days', '30', '--batch', '3', '--json', '--db', db], run)).toBe(0);
  const r = JSON.parse(run.stdout.join(''));
  expect(r.deleted).toBe(7);
  expect(r.batches).toBeGreaterThanOrEqual(3);
});
