import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withCollector } from './harness';

// A full run opens ~1 300 databases through this harness: each must be gone when its test ends.
describe('withCollector', () => {
  it('removes its database directory when the body returns', async () => {
    let path = '';
    await withCollector(async (fx) => {
      path = fx.dbPath;
      await fx.post('/v1/track', { event: 'X', anonymousId: 'a', messageId: 'm1' });
      expect(existsSync(path)).toBe(true);
    });
    expect(existsSync(dirname(path))).toBe(false);
  });

  it('removes it when the body throws, over HTTP too', async () => {
    let path = '';
    await expect(
      withCollector(
        (fx) => {
          path = fx.dbPath;
          throw new Error('boom');
        },
        { transport: 'http' },
      ),
    ).rejects.toThrow('boom');
    expect(path).not.toBe('');
    expect(existsSync(dirname(path))).toBe(false);
  });

  it('runs under the per-run temp directory of the global setup', () => {
    expect(process.env.TMPDIR).toMatch(/omnitrail-vitest-/);
  });
});
