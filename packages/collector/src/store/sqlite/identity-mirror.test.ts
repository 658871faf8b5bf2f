import { describe, expect, it } from 'vitest';
import { idHash, idKey, Table64 } from './identity-mirror';

const keyOf = (kind: string, value: string) => (idHash(kind, value), [idKey.a, idKey.b] as const);

describe('Table64', () => {
  it('maps 64-bit keys to numbers through growth, like a Map', () => {
    const t = new Table64(1_000_000, 8);
    const ref = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      // Keys that share a half and collide in the low bits: probing must keep them apart.
      const a = i % 7;
      const b = (i * 2654435761) >>> 0 || 1;
      t.set(a, b, i * 1.5);
      ref.set(`${a}|${b}`, i * 1.5);
    }
    t.set(3, 5, 1);
    t.set(3, 5, 2); // overwrite, not a second entry
    ref.set('3|5', 2);
    expect(t.size).toBe(ref.size);
    for (const [k, v] of ref) {
      const [a, b] = k.split('|').map(Number);
      expect(t.get(a, b)).toBe(v);
    }
    expect(t.get(99, 99)).toBeUndefined();
  });

  it('starts over empty instead of growing past its cap (a cache, never unbounded)', () => {
    const t = new Table64(100);
    for (let i = 1; i <= 100; i++) t.set(i, i, i);
    expect(t.size).toBe(100);
    t.set(1000, 1000, 7);
    expect(t.size).toBe(1);
    expect(t.get(1, 1)).toBeUndefined();
    expect(t.get(1000, 1000)).toBe(7);
  });
});

describe('idHash', () => {
  it('separates kind from value and never yields the empty-slot key', () => {
    expect(keyOf('anon', 'ab')).not.toEqual(keyOf('anonab', ''));
    expect(keyOf('user', 'x')).not.toEqual(keyOf('anon', 'x'));
    expect(keyOf('a', 'bc')).not.toEqual(keyOf('ab', 'c'));
    expect(keyOf('anon', 'x')).toEqual(keyOf('anon', 'x'));
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) {
      const [a, b] = keyOf('anon', `a${i}`);
      expect(a !== 0 || b !== 0).toBe(true);
      seen.add(`${a}|${b}`);
    }
    expect(seen.size).toBe(200_000); // no collision among 200 k identifiers
  });
});
