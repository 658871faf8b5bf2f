import { describe, expect, it } from 'vitest';
import { tempDbPath } from '../test-utils/harness';
import { openSqliteStore } from '../store/sqlite/index';
import { run as demoRun } from './demo';
import { ensureFirstSite } from './serve';
import type { CliIo } from './io';

function capture(): CliIo & { lines: string[]; errs: string[] } {
  const lines: string[] = [];
  const errs: string[] = [];
  return { lines, errs, out: (l) => lines.push(l), err: (l) => errs.push(l) };
}

describe('omnitrail demo', () => {
  it('remove never takes the site serve creates, nor one an older serve marked demo; only the seeded one', async () => {
    const db = tempDbPath();
    const store = openSqliteStore(db);
    expect(await ensureFirstSite(store, 'http://127.0.0.1:8787', capture())).toBe(true);
    const [first] = await store.listSites();
    expect(first.settings.demo).toBeUndefined();
    // An older `serve` created its first site with settings { demo: true } and nothing else.
    const older = await store.createSite({ name: 'Demo shop', origins: ['*'], settings: { demo: true } });
    await store.close();

    const seeded = capture();
    expect(await demoRun(['seed', '--db', db, '--persons', '40'], seeded)).toBe(0);
    const printedScans = Number(seeded.lines.join('\n').match(/(\d+) QR scans/)![1]);
    expect(printedScans).toBeGreaterThan(0);
    // Seeding twice would duplicate the demo site (and its scan tokens): refused, nothing added.
    await expect(demoRun(['seed', '--db', db, '--persons', '40'], capture())).rejects.toThrow(/already holds the demo site .*demo remove/);

    const removed = capture();
    expect(await demoRun(['remove', '--db', db], removed)).toBe(0);
    const text = removed.lines.join('\n');
    expect(text).toMatch(/Removed demo site "Demo shop \(generated data\)"/);
    expect(text).toContain(`Kept "Demo shop" (${older.site.id})`);
    // What the seed said it stored is what the removal found.
    expect(text).toContain(`qr_scans ${printedScans}`);
    const after = openSqliteStore(db);
    try {
      expect((await after.listSites()).map((s) => s.id).sort()).toEqual([first.id, older.site.id].sort());
    } finally {
      await after.close();
    }
  });
});
