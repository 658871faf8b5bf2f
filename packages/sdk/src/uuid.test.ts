import { afterEach, expect, it, vi } from 'vitest';
import { uuidv7 } from './uuid';

afterEach(() => vi.restoreAllMocks());

it('makes RFC 9562 version-7 UUIDs carrying the millisecond timestamp', () => {
  vi.spyOn(Date, 'now').mockReturnValue(0x0192f3a45b6c);
  const id = uuidv7();
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(id.slice(0, 13)).toBe('0192f3a4-5b6c');
});

it('sorts in creation order, also within one millisecond and when the clock steps back', () => {
  const ids: string[] = [];
  let now = 1_700_000_000_000;
  vi.spyOn(Date, 'now').mockImplementation(() => now);
  for (let i = 0; i < 2000; i++) {
    if (i % 500 === 0) now += 1;
    if (i === 1500) now -= 5; // NTP correction: order must still hold
    ids.push(uuidv7());
  }
  expect([...ids].sort()).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
});
