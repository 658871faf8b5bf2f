import { expect } from 'vitest';
import { eachTransport } from '../test-utils/harness';

eachTransport('an event that hashing would grow past 32 KB is rejected alone, not stored several times its sent size', async (fx) => {
  // 3 500 short e-mail addresses: 28 KB as sent, 259 KB once each is `sha256:<hex>`.
  const big = { type: 'track', event: 'X', anonymousId: 'a', messageId: 'big', properties: { list: Array(3_500).fill('a@b.co') } };
  const small = { type: 'identify', userId: 'u1', messageId: 'small', traits: { email: 'jo@example.com' } };
  const res = await fx.post('/v1/batch', { batch: [small, big, { ...small, messageId: 'small2' }] });
  expect(await res.json()).toEqual({
    accepted: 2,
    duplicates: 0,
    rejected: [{ index: 1, messageId: 'big', reason: 'event is larger than 32 KB once its e-mail addresses and phone numbers are hashed' }],
  });
  const rows = fx.store.db.prepare('SELECT message_id, traits FROM events WHERE site_id = ? ORDER BY id').all(fx.site.id) as { message_id: string; traits: string }[];
  expect(rows.map((r) => r.message_id)).toEqual(['small', 'small2']);
  expect(JSON.parse(rows[0].traits)).toEqual({ email_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
});
