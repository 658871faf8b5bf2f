import type { WireEvent } from '@omnitrail/schema';
import { after } from './plugin';
import type { Plugin } from './types';

/** Browsers cap the bodies of all in-flight keepalive requests at 64 KB together. */
const MAX_BEACON = 60_000;

/**
 * Page hidden or closing (`visibilitychange: hidden`, `pagehide`): sends this tab's events not yet
 * acknowledged with `fetch(keepalive)`, which outlives the page. They are deleted from the queue
 * only on an ack; without one they go out on the next page view (the collector dedups).
 * Without this plugin, events made just before the visitor leaves wait for the next visit (or, with
 * the memory queue, are lost).
 *
 * @example
 * createTracker({ writeKey, endpoint, queue: idbQueue, plugins: [keepalive()] });
 */
export const keepalive = (): Plugin => (c) => {
  /** This tab's events not yet acknowledged, oldest first (a Map keeps insertion order). */
  const mine = new Map<string, WireEvent>();
  const max = c._o.maxEvents || 1000;
  const done = c._done;
  const beacon = () => {
    if (!c._granted()) return;
    const evs: WireEvent[] = [];
    let bytes = 0;
    // Each event is beaconed once (taken out of `mine`); without an ack it stays in the queue.
    // Newest first: the last events made are the ones the queue may not have written yet when the
    // page dies (IndexedDB takes ms per 50 events); older ones wait in the queue for the next visit.
    // One that does not fit is skipped, not the end: the smaller ones after it still go.
    for (const e of [...mine.values()].reverse()) {
      const n = JSON.stringify(e).length;
      if (bytes + n > MAX_BEACON) continue;
      bytes += n;
      mine.delete(e.messageId);
      evs.push(e);
    }
    if (evs.length)
      // A network error's 0 has no `ok`.
      c._post(evs, true).then((r) => {
        if ((r as Response).ok) c._done(evs).catch(() => {});
      });
  };
  c._pushed = after(c._pushed, (e: WireEvent) => {
    mine.set(e.messageId, e);
    // Same cap as the queue: events the queue dropped must not live on here.
    if (mine.size > max) mine.delete(mine.keys().next().value!);
  });
  // Hidden page (tab switch, closing, or web-vitals reporting on hide): the next task may never run.
  const hidden = () => document.visibilityState == 'hidden' && beacon();
  c._written = after(c._written, hidden);
  c._done = (evs) => {
    for (const e of evs) mine.delete(e.messageId);
    return done(evs);
  };
  // Consent withdrawn: nothing made before may leave.
  c._forget = after(c._forget, () => c._granted() || mine.clear());
  addEventListener('pagehide', beacon);
  // visibilitychange bubbles from the document to the window.
  addEventListener('visibilitychange', hidden);
};
