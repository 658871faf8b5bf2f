import { describe, expect, it, vi } from 'vitest';

// Wrap node:crypto's timingSafeEqual so the test sees whether key checks go through it.
const calls = vi.hoisted(() => ({ n: 0 }));
vi.mock('node:crypto', async (orig) => {
  const real = await orig<typeof import('node:crypto')>();
  return {
    ...real,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.n++;
      return real.timingSafeEqual(a, b);
    },
  };
});

const { withCollector } = await import('../test-utils/harness');

describe('secret key comparison', () => {
  it('is looked up by SHA-256 and confirmed with a constant-time comparison', () =>
    withCollector(async (fx) => {
      calls.n = 0;
      expect((await fx.get('/v1/qr/campaigns')).status).toBe(200);
      expect(calls.n).toBeGreaterThan(0);
      // The stored value is the hash, never the key.
      const row = fx.store.db.prepare('SELECT * FROM sites WHERE id = ?').get(fx.site.id);
      expect(JSON.stringify(row)).not.toContain(fx.secretKey);
      // A key differing only in its last character is refused.
      const near = fx.secretKey.slice(0, -1) + (fx.secretKey.endsWith('A') ? 'B' : 'A');
      expect((await fx.get('/v1/qr/campaigns', { auth: 'none', headers: { authorization: `Bearer ${near}` } })).status).toBe(401);
    }));
});
