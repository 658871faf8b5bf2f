import { expect } from 'vitest';
import { eachTransport } from '../test-utils/harness';

eachTransport('a JSON body starting with a UTF-8 byte order mark (a Notepad-saved file) is read, not refused', async (fx) => {
  const body = '\uFEFF' + JSON.stringify({ type: 'track', event: 'X', anonymousId: 'a', messageId: 'bom' });
  const res = await fx.post('/v1/track', body);
  expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
});
