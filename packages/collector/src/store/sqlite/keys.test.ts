import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSqliteStore, type SqliteStore } from './index';
import { tempDbPath } from '../../test-utils/harness';

let store: SqliteStore;
afterEach(async () => {
  vi.useRealTimers();
  await store?.close();
});

describe('key rotation and revocation', () => {
  it('a rotated secret key keeps working for the overlap window only, and the new key works at once', async () => {
    store = openSqliteStore(tempDbPath());
    const { site, secretKey } = await store.createSite({ name: 'Shop', origins: ['*'] });
    const t0 = Date.now();
    const { key, previousExpiresAt } = await store.rotateKey(site.id, 'secret', 60_000);
    expect(key).toMatch(/^sk_/);
    expect(previousExpiresAt).toBeGreaterThanOrEqual(t0 + 60_000);
    expect((await store.siteBySecretKey(key))?.id).toBe(site.id);
    expect((await store.siteBySecretKey(secretKey))?.id).toBe(site.id); // overlap
    vi.useFakeTimers({ now: previousExpiresAt + 1, toFake: ['Date'] });
    expect(await store.siteBySecretKey(secretKey)).toBeNull();
    expect((await store.siteBySecretKey(key))?.id).toBe(site.id);
  });

  it('overlap 0 revokes the previous key immediately; revokeOldKeys ends every overlap early', async () => {
    store = openSqliteStore(tempDbPath());
    const { site, secretKey } = await store.createSite({ name: 'Shop', origins: ['*'] });
    const a = await store.rotateKey(site.id, 'secret', 0);
    expect(await store.siteBySecretKey(secretKey)).toBeNull();
    const b = await store.rotateKey(site.id, 'secret', 3_600_000);
    expect((await store.siteBySecretKey(a.key))?.id).toBe(site.id);
    expect(await store.revokeOldKeys(site.id)).toBeGreaterThanOrEqual(1);
    expect(await store.siteBySecretKey(a.key)).toBeNull();
    expect((await store.siteBySecretKey(b.key))?.id).toBe(site.id);
  });

  it('write keys rotate too; keys of one site never open another', async () => {
    store = openSqliteStore(tempDbPath());
    const s1 = await store.createSite({ name: 'One', origins: ['*'] });
    const s2 = await store.createSite({ name: 'Two', origins: ['*'] });
    const oldWrite = s1.site.writeKey;
    const r = await store.rotateKey(s1.site.id, 'write', 60_000);
    expect((await store.siteByWriteKey(r.key))?.id).toBe(s1.site.id);
    expect((await store.siteByWriteKey(oldWrite))?.id).toBe(s1.site.id);
    expect((await store.siteBySecretKey(s2.secretKey))?.id).toBe(s2.site.id);
    expect(await store.siteBySecretKey(r.key)).toBeNull(); // a write key is never a secret key
    expect(await store.siteByWriteKey(s1.secretKey)).toBeNull();
    const keys = await store.listKeys(s1.site.id);
    expect(keys.filter((k) => k.current).map((k) => k.kind).sort()).toEqual(['secret', 'write']);
    expect(keys.some((k) => !k.current && k.kind === 'write' && k.expiresAt !== null)).toBe(true);
    // No key material is listed, only prefixes.
    expect(JSON.stringify(keys)).not.toContain(r.key);
    expect(JSON.stringify(keys)).not.toContain(s1.secretKey);
  });

  it('refuses unknown sites and negative overlaps', async () => {
    store = openSqliteStore(tempDbPath());
    const { site } = await store.createSite({ name: 'Shop', origins: ['*'] });
    await expect(store.rotateKey('st_nope', 'secret', 0)).rejects.toThrow(/unknown site/);
    await expect(store.rotateKey(site.id, 'secret', -1)).rejects.toThrow(/overlap/);
  });
});
