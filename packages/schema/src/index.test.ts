import { describe, expect, it } from 'vitest';
import type { IngestResponse, WireEvent } from './index';

// The schema package is types only; this test pins that a typical payload type-checks
// and that the module adds no runtime exports.
describe('@omnitrail/schema', () => {
  it('exports no runtime values', async () => {
    const mod = await import('./index');
    expect(Object.keys(mod)).toEqual([]);
  });
  it('describes a Segment track event', () => {
    const e: WireEvent = { type: 'track', messageId: 'm1', anonymousId: 'a', event: 'Product Viewed' };
    const r: IngestResponse = { accepted: 1, duplicates: 0, rejected: [] };
    expect(e.type).toBe('track');
    expect(r.accepted).toBe(1);
  });
});
