import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPS, mergeVerdict } from './policy';

describe('mergeVerdict', () => {
  it.each([
    [{ anon: 1 }, { user: 1 }, null],
    [{ user: 1, anon: 3 }, { anon: 1 }, null],
    [{ user: 1 }, { user: 1 }, 'user-conflict'],
    [{ user: 1, email: 3 }, { user: 1, email: 1 }, 'user-conflict'],
    [{ email: 2 }, { email: 1 }, null],
    [{ email: 2 }, { email: 2 }, 'cap:email'],
    [{ loyalty: 3 }, { loyalty: 1 }, 'cap:loyalty'],
    [{ anon: 50 }, { anon: 1 }, 'cap:anon'],
    [{ 'ext:crm': 2 }, { 'ext:crm': 2 }, 'cap:ext:crm'],
    [{ 'ext:crm': 2 }, { 'ext:erp': 2 }, null],
    [{ order: 100_000 }, { order: 100_000 }, null],
    // Several caps exceeded: the reason is the first kind in sorted order, whichever side is `a`.
    [{ email: 3, phone: 3 }, { email: 1, phone: 1 }, 'cap:email'],
  ] as const)('%j + %j → %s', (a, b, want) => {
    expect(mergeVerdict(a, b)).toBe(want);
    expect(mergeVerdict(b, a)).toBe(want);
  });

  it('takes custom caps', () => {
    expect(mergeVerdict({ anon: 2 }, { anon: 1 }, { ...DEFAULT_CAPS, anon: 2 })).toBe('cap:anon');
    expect(mergeVerdict({ user: 1 }, { user: 1 }, { user: 2 })).toBeNull();
  });
});
