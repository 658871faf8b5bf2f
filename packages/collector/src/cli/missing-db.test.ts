import { expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { main } from './main';
import { captureIo } from '../test-utils/cli-io';
import { tempDbPath } from '../test-utils/harness';

test('commands that read or change existing data refuse a missing database file instead of creating an empty one', async () => {
  const typo = join(dirname(tempDbPath()), 'typo.db');
  for (const argv of [
    ['report', 'attribution'],
    ['site', 'list'],
    ['site', 'update', '--timezone', 'UTC'],
    ['keys', 'list'],
    ['export', '--email', 'jane.doe@shop.de'],
    ['erase', '--email', 'jane.doe@shop.de'],
    ['retention', 'run'],
    ['qr', 'campaign', 'list'],
    ['demo', 'remove'],
  ]) {
    const io = captureIo();
    expect(await main([...argv, '--db', typo], io), argv.join(' ')).toBe(1);
    expect(io.stderr.join('\n'), argv.join(' ')).toContain(`no database at ${typo}; start the collector first`);
    expect(existsSync(typo), argv.join(' ')).toBe(false);
  }
  const imp = captureIo();
  expect(await main(['import', 'orders', join(dirname(typo), 'none.csv'), '--db', typo], imp)).not.toBe(0);
  expect(existsSync(typo)).toBe(false);
  // Creating commands still create it.
  expect(await main(['site', 'create', '--name', 'Shop', '--origin', '*', '--db', typo], captureIo())).toBe(0);
  expect(existsSync(typo)).toBe(true);
  expect(await main(['site', 'list', '--db', typo], captureIo())).toBe(0);
});
