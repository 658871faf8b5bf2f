import { expect, it } from 'vitest';
import { main } from './main';

it('serve refuses a --public-url that is not an http(s) origin, before opening anything', async () => {
  const err: string[] = [];
  const code = await main(['serve', '--public-url', 'ftp://track.example/path', '--db', '/nonexistent/dir/x.db'], { out: () => {}, err: (l) => err.push(l) });
  expect(code).toBe(2);
  expect(err.join('\n')).toMatch(/--public-url must be an origin/);
});
