import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sqliteDriver, sqliteDriverId, sqliteDriverPath } from './driver';

const req = createRequire(import.meta.url);
const major = (id: string) => Number((req(`${id}/package.json`) as { version: string }).version.split('.')[0]);

afterEach(() => vi.unstubAllEnvs());

describe('SQLite driver selection', () => {
  it('installs better-sqlite3 12 for Node 20 and 13 (Node-API 10) for Node 22.14+ and 24', () => {
    expect(major('better-sqlite3')).toBe(12);
    expect(major('better-sqlite3-napi')).toBe(13);
  });

  it(`picks the build this Node can run (Node ${process.version}, Node-API ${process.versions.napi})`, () => {
    const napi10 = Number(process.versions.napi) >= 10;
    expect(sqliteDriverId()).toBe(napi10 ? 'better-sqlite3-napi' : 'better-sqlite3');
    expect(major(sqliteDriverId())).toBe(napi10 ? 13 : 12);
    expect(sqliteDriverPath()).toBe(req.resolve(sqliteDriverId()));
    // The class loads and works on this Node (12 on Node 24 aborts the process: driver.ts).
    const db = new (sqliteDriver())(':memory:');
    try {
      expect(db.prepare('SELECT sqlite_version() AS v').get()).toEqual({ v: expect.stringMatching(/^3\.\d+\.\d+$/) });
    } finally {
      db.close();
    }
  });

  it('OMNITRAIL_SQLITE_DRIVER forces a build, and a typo is a clear error', () => {
    vi.stubEnv('OMNITRAIL_SQLITE_DRIVER', 'better-sqlite3');
    expect(sqliteDriverId()).toBe('better-sqlite3');
    vi.stubEnv('OMNITRAIL_SQLITE_DRIVER', 'better-sqlite3-napi');
    expect(sqliteDriverId()).toBe('better-sqlite3-napi');
    vi.stubEnv('OMNITRAIL_SQLITE_DRIVER', 'sqlite4');
    expect(() => sqliteDriverId()).toThrow(/must be better-sqlite3 or better-sqlite3-napi, not "sqlite4"/);
  });
});
