import type { QueueCaps, QueueFactory, WireEvent } from './types';

/** One queued event with its JSON size (the byte caps need it). */
export type Sized = [event: WireEvent, bytes: number];

/** How many of `sizes` (oldest first) fit in `maxBytes`, at least one. */
export const fitting = (sizes: number[], maxBytes: number): number => {
  let n = 0;
  for (let bytes = 0; n < sizes.length && (bytes += sizes[n]) <= maxBytes; n++);
  return n || +!!sizes.length;
};

/**
 * Applies the caps to a list of sizes, oldest first: how many of the oldest to drop (the newest
 * that fit stay; one newest event always stays). Shared by the memory and IndexedDB queues so
 * both count the same way.
 */
export const overCap = (sizes: number[], caps: QueueCaps): number =>
  sizes.length - Math.min(caps.maxEvents, fitting([...sizes].reverse(), caps.maxBytes));

/**
 * The default queue: events live in memory only (lost when the page closes). Use
 * `idbQueue` from `@omnitrail/sdk/queue` for a persistent, cross-tab queue.
 *
 * @example
 * const q = memoryQueue('demo', { maxEvents: 100, maxBytes: 100_000 });
 */
export const memoryQueue: QueueFactory = (_name, caps) => {
  let items: Sized[] = [];
  let meta: Record<string, string | undefined> = {};
  const sizes = () => items.map((i) => i[1]);
  return {
    async add(events) {
      for (const e of events) items.push([e, JSON.stringify(e).length]);
      // The oldest over the caps go; resolves with how many.
      return items.splice(0, overCap(sizes(), caps)).length;
    },
    read: async (maxBytes) => items.slice(0, fitting(sizes(), maxBytes)).map((i) => i[0]),
    async remove(ids) {
      items = items.filter((i) => !ids.includes(i[0].messageId));
    },
    async clear() {
      items = [];
      meta = {};
    },
    get: async (key) => meta[key],
    async set(key, value) {
      meta[key] = value;
    },
  };
};
