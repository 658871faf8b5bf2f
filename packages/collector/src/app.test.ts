import { expect, test } from 'vitest';
import { withCollector } from './test-utils/harness';

// Hono's SmartRouter takes RegExpRouter (one regular expression per method) unless a route
// pattern defeats it, and then silently falls back to TrieRouter: ~3 % of a `/v1/track` request
// went to the trie walk (profile, issue 2). A static segment beside a parameter that more
// segments follow (`/qr/code/:name` next to `/qr/:id/sheet`) is such a pattern; this catches the
// next one.
test('every route fits the RegExpRouter (no silent fallback to the trie)', async () => {
  await withCollector(async (fx) => {
    expect((await fx.fetch('/healthz')).status).toBe(200);
    expect((fx.app.router as { name: string }).name).toBe('SmartRouter + RegExpRouter');
  });
});
