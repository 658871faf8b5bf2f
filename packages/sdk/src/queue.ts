import { clear, createStore, del, delMany, get, getMany, keys, set, setMany, type UseStore } from 'idb-keyval';
import { fitting, memoryQueue, overCap } from './memory-queue';
import type { Queue, QueueFactory, WireEvent } from './types';

/** Queue keys are `[messageId, bytes]`: UUIDv7 ids sort by time, and sizes are known from keys alone. */
type Key = [string, number];

const isEventKey = (k: IDBValidKey): k is Key => Array.isArray(k);

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
  const idb: Queue = {
    async add(events) {
      await setMany(
        events.map((e) => [[e.messageId, JSON.stringify(e).length], e]),
        store,
      );
      const all = (await keys(store)).filter(isEventKey);
      const drop = overCap(all.map((k) => k[1]), caps);
      if (drop) await delMany(all.slice(0, drop), store);
      return drop;
    },
    async read(maxBytes) {
      const all = (await keys(store)).filter(isEventKey);
      return (await getMany<WireEvent>(all.slice(0, fitting(all.map((k) => k[1]), maxBytes)), store)).filter(Boolean) as WireEvent[];
    },
    async remove(ids) {
      const gone = new Set(ids);
      await delMany((await keys(store)).filter((k) => isEventKey(k) && gone.has(k[0])), store);
    },
    clear: () => clear(store),
    get: (key) => get<string>(key, store),
    set: (key, value) => (value === undefined ? del(key, store) : set(key, value, store)),
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
