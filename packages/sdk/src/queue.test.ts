import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WireEvent } from '@omnitrail/schema';
import { idbQueue } from './queue';
import { memoryQueue } from './memory-queue';
import { uuidv7 } from './uuid';
import type { QueueFactory } from './types';

const ev = (event: string, pad = ''): WireEvent => ({ type: 'track', messageId: uuidv7(), event, properties: { pad } });
let n = 0;
const name = () => `omnitrail-queue-test-${n++}`;
const caps = { maxEvents: 100, maxBytes: 1e6 };

afterEach(() => vi.unstubAllGlobals());

describe.each([
  ['IndexedDB', idbQueue],
  ['memory', memoryQueue],
] as [string, QueueFactory][])('%s queue', (_label, factory) => {
  it('keeps events in creation order and deletes only what is removed', async () => {
    const q = factory(name(), caps);
    const evs = ['a', 'b', 'c', 'd'].map((e) => ev(e));
    await q.add(evs.slice(0, 2));
    await q.add(evs.slice(2));
    expect((await q.read(1e6)).map((e) => e.event)).toEqual(['a', 'b', 'c', 'd']);
    await q.remove([evs[1].messageId, evs[2].messageId]);
    expect((await q.read(1e6)).map((e) => e.event)).toEqual(['a', 'd']);
    await q.clear();
    expect(await q.read(1e6)).toEqual([]);
  });

  it('reads at most maxBytes of JSON, but always at least one event', async () => {
    const q = factory(name(), caps);
    const evs = ['a', 'b', 'c'].map((e) => ev(e, 'x'.repeat(300)));
    await q.add(evs);
    const one = JSON.stringify(evs[0]).length;
    expect(await q.read(one * 2 + 1)).toHaveLength(2);
    expect(await q.read(10)).toHaveLength(1);
  });

  it('caps by count and by bytes, dropping the oldest and counting them', async () => {
    const q = factory(name(), { maxEvents: 3, maxBytes: 1e6 });
    expect(await q.add(['1', '2'].map((e) => ev(e)))).toBe(0);
    expect(await q.add(['3', '4', '5'].map((e) => ev(e)))).toBe(2);
    expect((await q.read(1e6)).map((e) => e.event)).toEqual(['3', '4', '5']);
    const size = JSON.stringify(ev('x', 'y'.repeat(500))).length;
    const b = factory(name(), { maxEvents: 100, maxBytes: size * 2 + 10 });
    expect(await b.add(['a', 'b', 'c', 'd'].map((e) => ev(e, 'y'.repeat(500))))).toBe(2);
    expect((await b.read(1e6)).map((e) => e.event)).toEqual(['c', 'd']);
  });

  it('keeps the newest event even when it alone is over the byte cap (the collector judges it)', async () => {
    const q = factory(name(), { maxEvents: 10, maxBytes: 100 });
    expect(await q.add([ev('small'), ev('big', 'z'.repeat(200))])).toBe(1);
    expect((await q.read(1e6)).map((e) => e.event)).toEqual(['big']);
  });

  it('removes only the given events, by messageId alone', async () => {
    const q = factory(name(), caps);
    const evs = ['a', 'b', 'c'].map((e, i) => ev(e, 'p'.repeat(i * 7)));
    await q.add(evs);
    await q.set('ot_id', 'kept');
    await q.remove([evs[0].messageId, 'no-such-id']);
    expect((await q.read(1e6)).map((e) => e.event)).toEqual(['b', 'c']);
    expect(await q.get('ot_id')).toBe('kept');
  });

  it('stores small values beside the events', async () => {
    const q = factory(name(), caps);
    await q.set('ot_id', 'abc');
    await q.add([ev('a')]);
    expect(await q.get('ot_id')).toBe('abc');
    expect(await q.read(1e6)).toHaveLength(1); // meta values are not events
    await q.set('ot_id');
    expect(await q.get('ot_id')).toBeUndefined();
  });

  it('clear() erases the small values too (consent withdrawn: no ID copy may survive)', async () => {
    const q = factory(name(), caps);
    await q.set('ot_id', 'abc');
    await q.add([ev('a')]);
    await q.clear();
    expect(await q.get('ot_id')).toBeUndefined();
    expect(await q.read(1e6)).toEqual([]);
  });
});

describe('IndexedDB queue', () => {
  it('is shared by every tracker (tab) of the same name and survives a new instance', async () => {
    const shared = name();
    await idbQueue(shared, caps).add([ev('from-tab-1')]);
    expect((await idbQueue(shared, caps).read(1e6)).map((e) => e.event)).toEqual(['from-tab-1']);
  });

  it('falls back to memory without an exception when IndexedDB throws (blocked by policy)', async () => {
    vi.stubGlobal('indexedDB', {
      open() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    });
    const q = idbQueue(name(), caps);
    await expect(q.add([ev('a')])).resolves.toBe(0);
    expect((await q.read(1e6)).map((e) => e.event)).toEqual(['a']);
    await q.set('k', 'v');
    expect(await q.get('k')).toBe('v');
  });

  it('a value IndexedDB cannot clone fails only its own add: the queue stays persistent', async () => {
    const n = name();
    const q = idbQueue(n, caps);
    await expect(q.add([{ ...ev('fn'), properties: { f() {} } } as unknown as WireEvent])).rejects.toThrow();
    await q.add([ev('later')]);
    expect((await idbQueue(n, caps).read(1e6)).map((e) => e.event)).toEqual(['later']);
  });

  it('falls back to memory when opening the database fails (private mode, quota)', async () => {
    vi.stubGlobal('indexedDB', {
      open() {
        const req = { error: new DOMException('blocked', 'InvalidStateError') } as unknown as IDBOpenDBRequest;
        setTimeout(() => (req as unknown as { onerror: () => void }).onerror());
        return req;
      },
    });
    const q = idbQueue(name(), caps);
    await q.add([ev('a'), ev('b')]);
    expect((await q.read(1e6)).map((e) => e.event)).toEqual(['a', 'b']);
  });
});
