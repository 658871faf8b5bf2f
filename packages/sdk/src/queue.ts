import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';
import { fitting, memoryQueue, overCap } from './memory-queue';
import type { Queue, QueueFactory } from './types';

/** Queue keys are `[messageId, bytes]`: UUIDv7 ids sort by time, and sizes are known from keys alone. */
type Key = [string, number];
type Method = (...a: unknown[]) => Promise<unknown>;


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
  /** Every event key: arrays sort after the string keys of the small values (IndexedDB key order). */
  let events: IDBKeyRange | undefined;
  try {
    store = createStore(name, 'q');
    events = IDBKeyRange.lowerBound([]);
  } catch {
    // `indexedDB` itself throws (blocked by policy), or is missing: memory only.
  }
  let broken = !events;
  /** One read-write transaction; resolves when it committed (idb-keyval's own pattern). */
  const write = (f: (s: IDBObjectStore) => void) => store!('readwrite', (s) => (f(s), promisifyRequest(s.transaction)));
  const read = <T>(f: (s: IDBObjectStore) => IDBRequest<T>) => store!('readonly', (s) => promisifyRequest(f(s)));
  const eventKeys = () => read((s) => s.getAllKeys(events)) as Promise<Key[]>;
  const idb: Queue = {
    async add(evs) {
      await write((s) => evs.forEach((e) => s.put(e, [e.messageId, JSON.stringify(e).length])));
      const all = await eventKeys();
      const drop = overCap(all.map((k) => k[1]), caps);
      if (drop) await write((s) => s.delete(IDBKeyRange.bound([], all[drop - 1])));
      return drop;
    },
    async read(maxBytes) {
      const all = await eventKeys();
      // `fitting` is 0 only for an empty queue, where getAll's "0 = no limit" returns nothing anyway.
      return read((s) => s.getAll(events, fitting(all.map((k) => k[1]), maxBytes)));
    },
    // A key is [messageId, bytes]: [id] < [id, bytes] < [id, []], so one range per event, no key lookup.
    remove: (ids) => write((s) => ids.forEach((id) => s.delete(IDBKeyRange.bound([id], [id, []])))),
    // Opening creates the database: a withdrawal on a first visit must leave nothing behind.
    // Without `databases()` (Firefox < 126) clearing an empty new database beats keeping events.
    async clear() {
      if ((await indexedDB.databases?.())?.some((d) => d.name == name) ?? 1) await write((s) => s.clear());
    },
    get: (key) => read((s) => s.get(key)),
    set: (key, value) => write((s) => (value === undefined ? s.delete(key) : s.put(value, key))),
  };
  // Any IndexedDB failure switches this page to memory for good; what was stored stays for the next
  // visit. Not a value IndexedDB cannot clone (a function, a Proxy): that is the caller's error alone.
  for (const k in idb) {
    const f = idb[k as keyof Queue] as Method;
    (idb as unknown as Record<string, Method>)[k] = async (...a) => {
      if (!broken)
        try {
          return await f(...a);
        } catch (e) {
          if ((e as Error).name == 'DataCloneError') throw e;
          broken = true;
        }
      return (memory[k as keyof Queue] as Method)(...a);
    };
  }
  return idb;
};
