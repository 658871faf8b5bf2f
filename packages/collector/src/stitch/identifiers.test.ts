import { describe, expect, it } from 'vitest';
import { hashPii, normaliseEmail, normalisePhone, sha256Hex } from '../pii/index';
import { BLOCKED_PII, cleanIdentifiers, identifier, isPlaceholderEmail, normaliseIdentifier, recipientIdentifier } from './identifiers';

describe('normaliseIdentifier', () => {
  it.each([
    ['user', 'C-17', 'C-17'],
    ['user', '  C-17 ', 'C-17'],
    ['anon', 'Ab-Cd', 'Ab-Cd'],
    ['handoff', 'k7m-2qx', 'K7M2QX'],
    ['handoff', ' K7M 2QX ', 'K7M2QX'],
    ['loyalty', 'l 4711', 'L4711'],
    ['user', 42, '42'],
    ['email', 'A'.repeat(64), 'a'.repeat(64)],
  ] as const)('%s %j → %j', (kind, raw, want) => {
    expect(normaliseIdentifier(kind, raw)).toBe(want);
  });

  it.each(['', '   ', '0', '-1', 'null', 'NULL', 'undefined', 'anonymous', 'Unknown', 'none', 'N/A', 'n.a.', '0000', '-----', '99999', 'guest', 'test'])(
    'blocks %j for every kind',
    (raw) => {
      for (const kind of ['user', 'anon', 'loyalty', 'handoff', 'scan', 'order', 'ext:crm'] as const) {
        expect(normaliseIdentifier(kind, raw), `${kind} ${raw}`).toBeNull();
      }
    },
  );

  it('blocks non-strings, overlong values and raw (unhashed) e-mail/phone values', () => {
    expect(normaliseIdentifier('user', null)).toBeNull();
    expect(normaliseIdentifier('user', undefined)).toBeNull();
    expect(normaliseIdentifier('user', {})).toBeNull();
    expect(normaliseIdentifier('user', Number.NaN)).toBeNull();
    expect(normaliseIdentifier('user', 'x'.repeat(201))).toBeNull();
    expect(normaliseIdentifier('email', 'jane@example.com')).toBeNull();
    expect(normaliseIdentifier('phone', '+49301234567')).toBeNull();
  });

  it('blocks the hashes of placeholder e-mails and phones, and the list matches hashPii', async () => {
    for (const [raw, hash] of BLOCKED_PII) {
      const kind = raw.includes('@') ? 'email' : 'phone';
      const norm = kind === 'email' ? normaliseEmail(raw) : normalisePhone(raw);
      expect(norm, raw).toBe(raw);
      expect(await sha256Hex(norm!), raw).toBe(hash);
      expect(normaliseIdentifier(kind, hash)).toBeNull();
    }
    const real = (await hashPii('email', 'jane.doe@shop.de'))!;
    expect(normaliseIdentifier('email', real)).toBe(real);
  });

  it('recognises placeholder e-mails before hashing', () => {
    expect(isPlaceholderEmail(' Test@Test.com')).toBe(true);
    expect(isPlaceholderEmail('none@example.org')).toBe(true);
    expect(isPlaceholderEmail('jane@shop.de')).toBe(false);
  });
});

describe('cleanIdentifiers', () => {
  it('drops blocked values and duplicates after normalisation', () => {
    expect(
      cleanIdentifiers([
        identifier('handoff', 'k7m-2qx'),
        { kind: 'handoff', value: 'K7M2QX' },
        { kind: 'user', value: 'n/a' },
        null,
        recipientIdentifier('cmp', 'R-1'),
      ]),
    ).toEqual([
      { kind: 'handoff', value: 'K7M2QX' },
      { kind: 'recipient', value: 'cmp/R-1' },
    ]);
  });
});
