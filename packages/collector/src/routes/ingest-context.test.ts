import { expect } from 'vitest';
import { eachTransport } from '../test-utils/harness';

const ev = (i: number) => ({ type: 'track', event: 'X', anonymousId: 'a', messageId: `m${i}` });

eachTransport('a batch-level context copied into many events cannot multiply one request into a huge write (413)', async (fx) => {
  // 400 KB of context over 300 events: one 420 KB request used to store 120 MB.
  const context = { page: { title: 'x'.repeat(400_000) } };
  const res = await fx.post('/v1/batch', { context, batch: Array.from({ length: 300 }, (_, i) => ev(i)) });
  expect(res.status).toBe(413);
  expect(await res.json()).toMatchObject({ error: 'payload_too_large', message: expect.stringContaining('copied into 300 events exceeds 500 KB') });
  expect(await fx.store.countEvents(fx.site.id)).toBe(0);
});

eachTransport('the batch-level context counts toward each event\'s 32 KB: a stored event is never larger', async (fx) => {
  const context = { page: { title: 'x'.repeat(30_000) } };
  const big = { ...ev(1), properties: { p: 'y'.repeat(4_000) } };
  const res = await fx.post('/v1/batch', { context, batch: [big, ev(2)] });
  expect(await res.json()).toEqual({
    accepted: 1,
    duplicates: 0,
    rejected: [{ index: 0, messageId: 'm1', reason: 'event is larger than 32 KB with the batch-level context (30 KB) copied into it' }],
  });
  // A small batch context (analytics-go's default: the library) costs nothing.
  const ok = await fx.post('/v1/batch', { context: { library: { name: 'analytics-go', version: '3.3.0' } }, batch: Array.from({ length: 2_000 }, (_, i) => ev(100 + i)) });
  expect(await ok.json()).toMatchObject({ accepted: 2_000, rejected: [] });
});
