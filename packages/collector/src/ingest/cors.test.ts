import { expect, test } from 'vitest';
import { normaliseOrigin, originAllowed } from './cors';
import type { Site } from '../store/types';

const site = (origins: string[]) => ({ id: 's', name: 'n', origins, writeKey: 'wk', createdAt: 0, settings: {} }) as Site;

test.each([
  ['https://Shop.Example/', 'https://shop.example'],
  ['https://shop.example:443/path?q', 'https://shop.example'],
  ['http://localhost:3000', 'http://localhost:3000'],
  ['*', '*'],
  ['shop.example', null],
  ['file:///x', null],
])('normaliseOrigin(%s)', (o, want) => expect(normaliseOrigin(o)).toBe(want));

test('originAllowed matches the browser serialisation exactly, or *', () => {
  const s = site(['https://shop.example/']);
  expect(originAllowed(s, 'https://shop.example')).toBe(true);
  expect(originAllowed(s, 'http://shop.example')).toBe(false);
  expect(originAllowed(s, 'https://shop.example.evil.com')).toBe(false);
  expect(originAllowed(s, 'null')).toBe(false);
  expect(originAllowed(site(['*']), 'https://any.where')).toBe(true);
});
