import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashPii, hashTraits, isSha256Hex, normaliseEmail, normalisePhone, sha256Hex } from './index';

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('normaliseEmail', () => {
  it.each([
    ['  Jane.Doe@Example.COM ', 'jane.doe@example.com'],
    ['jane+news@example.com', 'jane+news@example.com'],
    ['\tJANE@EXAMPLE.DE\n', 'jane@example.de'],
    ['müller@bäckerei.de', 'müller@bäckerei.de'],
    ['not an email', null],
    ['jane@', null],
    ['@example.com', null],
    ['jane@example', null],
    ['jane doe@example.com', null],
    ['', null],
    [null, null],
    [undefined, null],
    [42, null],
  ])('%j → %j', (raw, want) => {
    expect(normaliseEmail(raw)).toBe(want);
  });
});

describe('normalisePhone', () => {
  it.each([
    ['030 1234567', 'DE', '+49301234567'],
    ['+49 (30) 123-4567', undefined, '+49301234567'],
    ['0049 30 1234567', undefined, '+49301234567'],
    ['0049 30 1234567', 'FR', '+49301234567'],
    ['+49301234567', 'US', '+49301234567'],
    ['0171 1234567', 'de', '+491711234567'],
    ['(201) 555-0123', 'US', '+12015550123'],
    ['+1 201 555 0123', undefined, '+12015550123'],
    ['+44 20 7946 0958', 'DE', '+442079460958'],
    [4930_1234567, undefined, null], // a number without "+" cannot be placed in a country
    ['030 1234567', undefined, null], // national format without a default country
    ['12', 'DE', null],
    ['call me', 'DE', null],
    ['', 'DE', null],
    [null, 'DE', null],
  ])('%j in %s → %j', (raw, country, want) => {
    expect(normalisePhone(raw, country)).toBe(want);
  });
});

describe('sha256Hex / isSha256Hex', () => {
  it('matches node:crypto', async () => {
    for (const s of ['', 'abc', 'jane@example.com', '+49301234567', 'ünïcødé']) {
      expect(await sha256Hex(s)).toBe(sha(s));
    }
  });
  it('recognises digests only', () => {
    expect(isSha256Hex(sha('x'))).toBe(true);
    expect(isSha256Hex(sha('x').toUpperCase())).toBe(true);
    expect(isSha256Hex(sha('x').slice(1))).toBe(false);
    expect(isSha256Hex('z'.repeat(64))).toBe(false);
    expect(isSha256Hex(undefined)).toBe(false);
  });
});

describe('hashPii', () => {
  it.each([
    ['email', ' Jane@Example.com ', undefined, sha('jane@example.com')],
    ['email', 'JANE@EXAMPLE.COM', undefined, sha('jane@example.com')],
    ['phone', '030 1234567', 'DE', sha('+49301234567')],
    ['phone', '+49 30 1234567', undefined, sha('+49301234567')],
    ['phone', '0049-30-1234567', 'US', sha('+49301234567')],
    ['email', 'nope', undefined, null],
    ['email', ' Test@Test.com', undefined, null], // placeholder: never identifies anybody
    ['phone', '12', 'DE', null],
    // pre-hashed values pass through, lower-cased
    ['email', sha('jane@example.com').toUpperCase(), undefined, sha('jane@example.com')],
    ['phone', ` ${sha('+49301234567')} `, undefined, sha('+49301234567')],
  ] as const)('%s %j (%s)', async (kind, raw, country, want) => {
    expect(await hashPii(kind, raw, country)).toBe(want);
  });
});

describe('hashTraits', () => {
  it.each([
    [{ name: 'Jane', email: 'Jane@Example.com' }, undefined, { name: 'Jane', email_sha256: sha('jane@example.com') }],
    [{ phone: '030 1234567' }, 'DE', { phone_sha256: sha('+49301234567') }],
    [
      { email: ' Ann@Shop.co ', phone: '+1 201 555 0123', plan: 'pro' },
      undefined,
      { email_sha256: sha('ann@shop.co'), phone_sha256: sha('+12015550123'), plan: 'pro' },
    ],
    // invalid raw values are removed, never stored
    [{ email: 'not-an-email', phone: 'call me', name: 'X' }, 'DE', { name: 'X' }],
    // pre-hashed traits are kept; a valid raw value wins over them
    [{ email_sha256: sha('a@b.co').toUpperCase() }, undefined, { email_sha256: sha('a@b.co') }],
    [{ email: 'c@d.co', email_sha256: sha('a@b.co') }, undefined, { email_sha256: sha('c@d.co') }],
    [{ email_sha256: 'garbage' }, undefined, {}],
    [{}, undefined, {}],
    [null, undefined, {}],
  ])('%j → %j', async (traits, country, want) => {
    const input = traits ? { ...traits } : traits;
    expect(await hashTraits(input, country)).toEqual(want);
    // the input object is not mutated
    expect(input).toEqual(traits);
  });

  it('the same person hashes identically via traits, orders and recipient lists', async () => {
    const fromTraits = await hashTraits({ email: 'Jane.Doe@Example.com', phone: '+49 30 1234567' });
    const fromOrder = { email: await hashPii('email', 'jane.doe@example.com'), phone: await hashPii('phone', '030/1234567', 'DE') };
    const fromList = { email: await hashPii('email', ' JANE.DOE@EXAMPLE.COM'), phone: await hashPii('phone', '0049 30 1234567') };
    expect(fromOrder.email).toBe(fromTraits.email_sha256);
    expect(fromList.email).toBe(fromTraits.email_sha256);
    expect(fromOrder.phone).toBe(fromTraits.phone_sha256);
    expect(fromList.phone).toBe(fromTraits.phone_sha256);
  });
});
