// Helpers for the SDK unit tests: a recording fetch at the network boundary and page setup.
import { vi } from 'vitest';
import type { BatchRequest } from '@omnitrail/schema';

export interface Call {
  url: string;
  init: RequestInit;
  body: BatchRequest & Record<string, unknown>;
}

/** Write keys made by {@link key} in the current test: trackers of earlier tests keep timers and listeners. */
const live = new Set<string>();

/**
 * Replaces `fetch` with a recorder; `respond` decides each answer (default: 200, all accepted).
 * Only requests of trackers made in the current test (write keys from {@link key}) are recorded.
 */
export function mockFetch(respond: (call: Call, n: number) => Response | Promise<Response> = okFor) {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const call = { url: String(url), init, body: JSON.parse(String(init.body)) };
    if (!live.has(new URL(call.url).searchParams.get('writeKey')!)) return okFor(call);
    calls.push(call);
    return respond(call, calls.length);
  });
  return calls;
}

/** Forget the write keys of the previous test (call in beforeEach). */
export const resetKeys = () => live.clear();

/** The collector's 200 answer accepting every event of a call. */
export function okFor(call: Call): Response {
  const n = call.body.batch?.length ?? 0;
  return Response.json({ accepted: n, duplicates: 0, rejected: [] });
}

/** Moves the happy-dom page to `url` (a real navigation for the SDK's purposes). */
export function visit(url: string): void {
  (globalThis as unknown as { happyDOM: { setURL(u: string): void } }).happyDOM.setURL(url);
}

let n = 0;
/** A fresh write key (or `name`) for this test, so trackers and their IndexedDB databases never share state. */
export const key = (name = `wk_test_${Date.now()}_${n++}`) => {
  live.add(name);
  return name;
};

/** Events of every batch call, flattened. */
export const sent = (calls: Call[]) => calls.filter((c) => c.url.includes('/v1/batch')).flatMap((c) => c.body.batch);

/** Clears cookies and localStorage of the current page. */
export function wipeDevice(): void {
  for (const c of document.cookie.split('; ')) {
    const name = c.split('=')[0];
    if (!name) continue;
    for (const d of ['', ';domain=' + location.hostname.split('.').slice(-2).join('.')]) document.cookie = `${name}=;path=/;max-age=-1${d}`;
  }
  localStorage.clear();
}
