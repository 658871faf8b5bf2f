import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';
import { fitting, memoryQueue, overCap } from './memory-queue';
import type { Queue, QueueFactory, WireEvent } from './types';

/** Queue keys are `[messageId, bytes]`: UUIDv7 ids sort by time, and sizes are known from keys alone. */
type Key = [string, number];


/**
 * A persistent event queue in IndexedDB (through idb-keyval), shared by all tabs of the site:
 * events survive reloads, crashes and offline periods until the collector acknowledged them.
 * If IndexedDB is missing or blocked (private mode, quota, a locked-down browser) it falls back
 * to memory without an exception.
 *
 * @example
 * import { createTracker } from '@omnitrail/sdk';
 * import { idbQueue } from '@omnitrail/sdk/queue';
 * const ot = createTracker({ writeKey: 'wk_123', endpoint: 'https://t.shop.com', queue: idbQueue });
 */
export const idbQueue: QueueFactory = (name, caps) => {
  const memory = memoryQueue(name, caps);
  let store: UseStore | undefined;
  try {
    store = createStore(name, 'q');
  } catch {
    // `indexedDB` itself throws (blocked by policy): memory only.
  }
  let broken = !store;
  /** One read-write transaction; resolves when it committed (idb-keyval's own pattern). */
  const write = (f: (s: IDBObjectStore) => void) => store!('readwrite', (s) => (f(s), promisifyRequest(s.transaction)));
  const read = <T>(f: (s: IDBObjectStore) => IDBRequest<T>) => store!('readonly', (s) => promisifyRequest(f(s)));
  const eventKeys = async () => (await read((s) => s.getAllKeys())).filter(Array.isArray) as Key[];
  const idb: Queue = {
    async add(events) {
      await write((s) => events.forEach((e) => s.put(e, [e.messageId, JSON.stringify(e).length])));
      const all = await eventKeys();
      const drop = overCap(all.map((k) => k[1]), caps);
      if (drop) await write((s) => all.slice(0, drop).forEach((k) => s.delete(k)));
      return drop;
    },
    async read(maxBytes) {
      const all = await eventKeys();
      const some = all.slice(0, fitting(all.map((k) => k[1]), maxBytes));
      return (await store!('readonly', (s) => Promise.all(some.map((k) => promisifyRequest<WireEvent>(s.get(k)))))).filter(Boolean);
    },
    async remove(ids) {
      const gone = new Set(ids);
      const all = await eventKeys();
      await write((s) => all.forEach((k) => gone.has(k[0]) && s.delete(k)));
    },
    clear: () => write((s) => s.clear()),
    get: (key) => read((s) => s.get(key)),
    set: (key, value) => write((s) => (value === undefined ? s.delete(key) : s.put(value, key))),
  };
  // Any IndexedDB failure switches this page to memory for good; what was stored stays for the next visit.
  return Object.fromEntries(
    Object.keys(idb).map((k) => [
      k,
      async (...a: unknown[]) => {
        if (!broken)
          try {
            return await (idb[k as keyof Queue] as (...x: unknown[]) => unknown)(...a);
          } catch {
            broken = true;
          }
        return (memory[k as keyof Queue] as (...x: unknown[]) => unknown)(...a);
      },
    ]),
  ) as unknown as Queue;
};
