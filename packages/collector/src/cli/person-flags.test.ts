import { describe, expect, it } from 'vitest';
import { hashPii } from '../pii/index';
import { personFlag } from './person-flags';

describe('personFlag', () => {
  it('names a person as ingest stored them: hashed e-mail, e-mail-address user IDs as sha256:<hex>, other IDs as given', async () => {
    expect(await personFlag({ email: ' Ann@Example.com' })).toEqual({ kind: 'email', value: await hashPii('email', 'ann@example.com') });
    expect(await personFlag({ 'user-id': 'Ann@Example.com' })).toEqual({ kind: 'user', value: `sha256:${await hashPii('email', 'ann@example.com')}` });
    expect(await personFlag({ 'anonymous-id': 'ann@example.com' })).toEqual({ kind: 'anon', value: `sha256:${await hashPii('email', 'ann@example.com')}` });
    expect(await personFlag({ 'user-id': 'C-1' })).toEqual({ kind: 'user', value: 'C-1' });
    expect(await personFlag({ 'handoff-code': 'k7m-2qx' })).toEqual({ kind: 'handoff', value: 'K7M2QX' });
  });
});
