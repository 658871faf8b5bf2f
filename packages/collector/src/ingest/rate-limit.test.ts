import { expect, test } from 'vitest';
import { createRateLimiter } from './rate-limit';

test('a bucket allows its burst, then refuses with the seconds until the next token', () => {
  let t = 0;
  const rl = createRateLimiter({ rate: 2, burst: 3 }, { now: () => t });
  expect([rl.take('a'), rl.take('a'), rl.take('a')]).toEqual([0, 0, 0]);
  expect(rl.take('a')).toBe(1);
  expect(rl.take('b')).toBe(0); // keys are independent
  t += 500; // half a second at 2/s refills one token
  expect(rl.take('a')).toBe(0);
  expect(rl.take('a')).toBeGreaterThanOrEqual(1);
});

test('slow rates ask for a longer Retry-After', () => {
  let t = 0;
  const rl = createRateLimiter({ rate: 0.1, burst: 1 }, { now: () => t });
  expect(rl.take('k')).toBe(0);
  expect(rl.take('k')).toBe(10);
});

test('memory stays bounded under a flood of distinct keys', () => {
  let t = 0;
  const rl = createRateLimiter({ rate: 1000, burst: 10 }, { now: () => t, maxKeys: 100 });
  for (let i = 0; i < 1000; i++) {
    rl.take(`ip${i}`);
    t += 1;
  }
  expect(rl.size).toBeLessThanOrEqual(100);
});
