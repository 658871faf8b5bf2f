import { afterEach, describe, expect, it, vi } from 'vitest';
import { withCollector } from '../test-utils/harness';
import { openSqliteStore } from '../store/sqlite/index';
import { DATA_VERSION_CHECK_MS } from '../store/sqlite/site-version';

afterEach(() => vi.useRealTimers());

const track = (n: string) => ({ type: 'track', event: 'E', anonymousId: 'a1', messageId: n });
const basic = (key: string) => ({ authorization: `Basic ${btoa(`${key}:`)}` });

describe('write-key cache follows rotation and removal', () => {
  it('in the same process: a write key rotated with overlap 0, or of a removed site, is refused at once', () =>
    withCollector(async (fx) => {
      expect((await fx.post('/v1/track', track('m1'))).status).toBe(200); // cached now
      const { key } = await fx.store.rotateKey(fx.site.id, 'write', 0);
      const old = await fx.post('/v1/track', track('m2'));
      expect(old.status).toBe(401);
      expect((await fx.post('/v1/track', track('m3'), { headers: basic(key) })).status).toBe(200);
      await fx.store.removeSite(fx.site.id);
      expect((await fx.post('/v1/track', track('m4'), { headers: basic(key) })).status).toBe(401);
      // Nothing was stored for a site that no longer exists.
      expect(fx.store.db.prepare('SELECT count(*) FROM events WHERE site_id = ?').pluck().get(fx.site.id)).toBe(0);
    }));

  it(`from another process (the CLI: another connection): refused once ${DATA_VERSION_CHECK_MS} ms passed, well inside the 10 s TTL`, () =>
    withCollector(async (fx) => {
      const t0 = Date.now();
      vi.useFakeTimers({ now: t0, toFake: ['Date'] });
      expect((await fx.post('/v1/track', track('m1'))).status).toBe(200);
      const cli = openSqliteStore(fx.dbPath);
      try {
        await cli.rotateKey(fx.site.id, 'write', 0);
      } finally {
        await cli.close();
      }
      vi.setSystemTime(t0 + DATA_VERSION_CHECK_MS);
      expect((await fx.post('/v1/track', track('m2'))).status).toBe(401);
    }));
});
