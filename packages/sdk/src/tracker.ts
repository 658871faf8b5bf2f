import type { ConsentState, EventType, WireEvent } from '@omnitrail/schema';
import { DEBUG_BUILD } from './debug';
// Not sorted: the import order is the bundle's module order, and this one compresses best (−14 to −31 B brotli).
import { ID_KEY, ls, readCookie, rootDomain, writeCookie } from './storage';
import { uuidv7 } from './uuid';
import { memoryQueue } from './memory-queue';
import type { Core, EventOptions, Tracker, TrackerOptions } from './types';
import { VERSION } from './version';

/**
 * Bytes per request. The collector accepts 500 KB, but reading, cloning and serialising a batch
 * runs on the main thread: 128 KB keeps each of those tasks short (no long task) on slow phones.
 */
const MAX_BATCH = 128_000;
/** Ms before a request without an answer counts as failed (Safari < 16 has no `AbortSignal.timeout`: no limit there). */
const REQUEST_TIMEOUT = 30_000;
/** The collector's per-event limit (its LIMITS.maxEventBytes), counted in characters of JSON. */
const MAX_EVENT = 32_768;
const USER_KEY = 'ot_uid';
const VALID_ID = /^[\w-]{8,100}$/;
/** The consent states: anything else (`false`, `'Granted'`, `'rejected'`) is a mistake, never silently `pending`. */
export const CONSENT_STATES: unknown[] = ['granted', 'pending', 'denied'];
/** Thrown by createTracker, logged by the script tag. */
export const BAD_CONSENT = '[omnitrail] consent must be granted, pending or denied';

/**
 * Creates a tracker. Misconfiguration throws here, once; afterwards no method ever throws into
 * the host page.
 *
 * Every event gets a UUIDv7 `messageId` and is written to the queue before any send; it is
 * deleted only after the collector acknowledged (or permanently rejected) it. Network errors,
 * 408, 429 and 5xx are retried with exponential backoff and jitter, honouring `Retry-After`.
 * Features not every page needs are opt-in `plugins` (sessions, keepalive, idRefresh, scanToken).
 *
 * @example
 * import { createTracker, sessions } from '@omnitrail/sdk';
 * import { idbQueue } from '@omnitrail/sdk/queue';
 *
 * const ot = createTracker({ writeKey: 'wk_123', endpoint: 'https://t.shop.com', queue: idbQueue, plugins: [sessions()] });
 * ot.page();
 * ot.track('Product Viewed', { product_id: 'sku-1' });
 */
export function createTracker(o: TrackerOptions): Tracker {
  const { writeKey, endpoint } = o || ({} as TrackerOptions);
  let base: string | undefined;
  try {
    base = new URL(endpoint).href.replace(/\/+$/, '') + '/v1/';
  } catch {
    // Reported below, with the write key, in one message.
  }
  if (!writeKey || typeof writeKey != 'string' || !base) throw Error('[omnitrail] writeKey and an absolute endpoint URL are required');
  // `?? 'granted'`: a falsy value other than null or undefined is in no list, so it throws here.
  let state: ConsentState = o.consent ?? 'granted';
  if (!CONSENT_STATES.includes(state)) throw Error(BAD_CONSENT);
  const dbg = (...a: unknown[]) => o.debug && console.log('[omnitrail]', ...a);
  const nav = navigator;
  const name = 'omnitrail-' + writeKey;
  const maxEvents = o.maxEvents || 1000;
  const q = (o.queue || memoryQueue)(name, { maxEvents, maxBytes: o.maxBytes || 1e6 });
  const staticContext = {
    locale: nav.language,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    screen: { width: screen.width, height: screen.height, density: devicePixelRatio },
    // No userAgent: the collector classifies the User-Agent header of the browser's request.
    library: { name: 'omnitrail', version: VERSION },
  };

  if (!o.ignoreGpc && (nav as { globalPrivacyControl?: boolean }).globalPrivacyControl) state = 'denied';
  let aid = uuidv7();
  let uid: string | undefined;
  let referrer = document.referrer;
  let lastPage: string | undefined;
  /** Events made, not yet written to the queue; under `pending` they wait here (memory only, capped) for a decision. */
  let buf: WireEvent[] = [];
  /** The latest queue write: a flush waits for it, so "written before any send" holds. */
  let writing: Promise<unknown> | 0 = 0;
  let timer: ReturnType<typeof setTimeout> | 0 = 0;
  let fails = 0;
  /** The current URL with its path and query (`context.page`'s first keys), re-read only when it changed: reading `location` costs µs per property. */
  let here: { url?: string; path?: string; search?: string } = {};

  const granted = () => state == 'granted';

  /** The cookie domain: the configured one, else the registrable domain (probed once). */
  const domain = () => (c._domain ??= o.cookieDomain ?? rootDomain());

  const saveId = (idb?: 1) => {
    writeCookie(ID_KEY, aid, domain());
    ls(ID_KEY, aid);
    if (idb) return q.set(ID_KEY, aid).catch(() => {});
  };

  /** Switches to a valid ID found on the device (truthy when it did); events not yet written follow it. */
  const adopt = (id?: string | null) => {
    if (id && VALID_ID.test(id)) {
      for (const e of buf) if (e.anonymousId == aid) e.anonymousId = id;
      return (aid = id);
    }
  };

  /** Set by identify() (1) or reset() (2) before consent was granted: then the identity in memory wins over the stored one. */
  let who = 0;

  /** Restores the ID from whichever copy survived (cookie, localStorage, IndexedDB) and heals the others. */
  const restore = () => {
    // After a reset() the stored ID and user belong to the previous visitor: they are replaced, not adopted.
    const found = who > 1 || adopt(readCookie(ID_KEY)) || adopt(ls(ID_KEY));
    if (who) ls(USER_KEY, uid || null);
    else uid = ls(USER_KEY) || uid;
    saveId();
    // Read IndexedDB before writing it: cookie and localStorage may have been cleared while it kept the ID.
    c._ready = q
      .get(ID_KEY)
      .then((v) => (found || adopt(v), saveId(1)))
      .catch(() => {});
  };

  /** Consented events in `buf`: tell the plugins, write them (one write at a time; events arriving meanwhile share the next transaction), send soon. */
  const enqueue = (evs: WireEvent[]) => {
    // Held (`pending`) events were made before the decision: they leave marked with the consent given.
    for (const e of evs) (e.context!.omnitrail!.consent = state), c._pushed?.(e);
    writing ||= write();
    // One timer at a time: a burst shares one request, and a pending retry (backoff) keeps its delay.
    timer ||= setTimeout(flush, o.flushDelay ?? 1000);
  };

  /** Makes an event and queues it (under `denied`: sends it once, cookieless, or drops it). */
  const emit = (type: EventType, fields: Partial<WireEvent>, opts?: EventOptions) => {
    const denied = state == 'denied';
    // Under `denied`, only anonymous page views may leave (and only with `cookieless`): the
    // collector's cookieless mode counts page views and refuses everything else.
    if (denied && !(o.cookieless && type == 'page')) return;
    const url = location.href;
    if (url != here.url) here = { url, path: location.pathname, search: location.search };
    const om: Record<string, unknown> = { v: 1, consent: state };
    let e = {
      type,
      messageId: uuidv7(),
      timestamp: new Date().toISOString(),
      ...fields,
      ...opts,
      context: {
        ...staticContext,
        page: { ...here, title: document.title, referrer },
        omnitrail: om,
        ...opts?.context,
      },
    } as WireEvent;
    if (denied) {
      // Cookieless: no identifier of any kind leaves the browser.
      om.cookieless = true;
      delete e.userId;
    } else {
      e.anonymousId = aid;
      e.userId ||= uid;
    }
    c._enrich?.(e, om);
    // From here on the event is plain JSON: a Proxy or function value cannot fail an IndexedDB
    // clone, nor a circular one a queue or beacon later. A value JSON refuses (circular, BigInt)
    // throws here, before anything was queued: `safe` drops the event.
    const json = JSON.stringify(e);
    // The collector refuses events over 32 KB; queued, one would also evict others (byte cap).
    if (json.length > MAX_EVENT) {
      if (DEBUG_BUILD) dbg('dropped an event over 32 KB', json.length);
      return;
    }
    e = JSON.parse(json);
    // Cookieless events are never written to the device: one attempt, no queue.
    if (denied) c._post([e], true);
    else {
      if (buf.push(e) > maxEvents) buf.shift();
      if (granted()) enqueue([e]);
    }
  };

  const write = async () => {
    try {
      await c._ready;
      // Not under `pending`: those events wait in `buf` for the decision.
      while (granted() && buf.length) {
        // IndexedDB clones each value on the main thread: 50 events per transaction keeps tasks short.
        const dropped = await q.add(buf.splice(0, 50));
        if (DEBUG_BUILD && dropped) dbg('queue full: dropped', dropped, 'oldest events');
      }
      c._written?.();
    } catch (e) {
      if (DEBUG_BUILD) dbg(e);
    }
    writing = 0;
  };

  /** Sends the queue batch by batch. */
  const run = async () => {
    let max = MAX_BATCH;
    // Each read waits for the queue writes (which wait for the ID restore): "written before any
    // send", and events made meanwhile join this drain instead of racing it. Consent is checked
    // before every batch, so a withdrawal stops a drain in progress.
    for (let evs; ; ) {
      while (writing) await writing;
      if (!granted() || !(evs = await q.read(max)).length) return;
      // 0 on a network error: its `status` and `ok` are undefined.
      const r = await c._post(evs);
      const s = (r as Response).status;
      if ((r as Response).ok) {
        fails = 0;
        if (DEBUG_BUILD) dbg('sent', evs.length, await (r as Response).json().catch(() => ''));
        await c._done(evs);
      } else if (s == 400 || s == 413 || s == 422) {
        // The request as a whole was refused: split until the poison event is alone, then drop it.
        if (evs.length > 1) max = JSON.stringify(evs).length / 2;
        else {
          if (DEBUG_BUILD) dbg('dropped a rejected event', s);
          await c._done(evs);
        }
      } else {
        if (!s || s == 408 || s == 429 || s > 499) {
          const after = (r as Response).headers?.get('retry-after');
          // 1 s × 2^fails (≤ 5 min) × jitter 0.5–1. Retry-After (seconds or a date) may only lengthen
          // it: "0", a past date or garbage (NaN) must not make a retry storm, nor a huge value
          // overflow setTimeout (beyond 2^31 ms it fires at once). No header (null) or no response
          // (undefined) is NaN both ways, hence 0.
          const ms = Math.min(
            2e9,
            Math.max(Math.min(15e4, 500 * 2 ** fails++) * (1 + Math.random()), +after! * 1000 || Date.parse(after!) - Date.now() || 0),
          );
          clearTimeout(timer);
          timer = setTimeout(flush, ms);
          if (DEBUG_BUILD) dbg('retry in', ms | 0, 'ms');
        }
        // 401/403/404: wrong key or endpoint. Keep the events (the caps bound them) for a fixed config.
        else if (DEBUG_BUILD) dbg('collector refused the write key or endpoint', s);
        return;
      }
    }
  };
  /** Under a cross-tab lock, so two tabs never send the same event at once (`request` resolves with what `run` resolves with: the DOM typings say a promise of one). */
  const drain = () => (nav.locks?.request(name, run) ?? run()) as unknown as Promise<void>;

  /** Attempts run one after another: a flush called during one runs after it, and sees its events. */
  let chain: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = 0;
    return (chain = chain.then(drain).catch((e) => {
      if (DEBUG_BUILD) dbg(e);
    }));
  };

  const safe =
    <A extends unknown[], R>(f: (...a: A) => R) =>
    (...a: A): R | undefined => {
      try {
        return f(...a);
      } catch (e) {
        if (DEBUG_BUILD) dbg(e);
      }
    };

  const c: Core = {
    _o: o,
    _granted: granted,
    _aid: () => aid,
    _ready: chain, // resolved: no restore yet
    _send: (path, body, init) =>
      // text/plain keeps the request "simple": no CORS preflight, and beacons may send it. A
      // black-holed request (a captive portal, a dying mobile link) must not hold the cross-tab
      // lock forever: after REQUEST_TIMEOUT it fails like a network error and is retried.
      fetch(base + path + '?writeKey=' + encodeURIComponent(writeKey), {
        method: 'POST',
        body: JSON.stringify(body),
        signal: AbortSignal.timeout?.(REQUEST_TIMEOUT),
        ...init,
      }),
    _post: (batch, keepalive) => c._send('batch', { batch, sentAt: new Date().toISOString() }, { keepalive }).catch(() => 0 as const),
    _done: (evs) => q.remove(evs.map((e) => e.messageId)),
  };

  /** Logout or withdrawal: a new anonymous ID, no user, and plugins forget their per-visitor state. */
  const forget = () => {
    aid = uuidv7();
    uid = undefined;
    c._forget?.();
  };

  /**
   * `denied`: erases everything this tracker stored on the device (ID, user, session, queue),
   * creating nothing where nothing was stored (no probe cookie, no IndexedDB database).
   */
  const erase = () => {
    buf = [];
    // The domain the ID was written with, `cookieDomain` included; probed only when there is a cookie to delete.
    if (readCookie(ID_KEY)) writeCookie(ID_KEY, '', domain());
    ls(ID_KEY, null);
    ls(USER_KEY, null);
    // Events and the ID copy alike.
    q.clear().catch(() => {});
    forget();
  };

  for (const p of o.plugins || []) p(c);
  // Denied from the start (GPC, or a consent manager's answer on each page): what an earlier visit stored goes.
  if (granted()) restore();
  else if (state == 'denied') erase();
  // Another tab's reset() gave the browser a new ID (localStorage changes reach the other tabs as
  // `storage` events): follow it with its user, so this tab does not mix two visitors' identities.
  addEventListener('storage', (e) => {
    if (granted() && e.key == ID_KEY && adopt(e.newValue)) uid = ls(USER_KEY) || undefined;
  });
  // Back online: retry now, after any attempt still in flight, whatever the backoff said.
  addEventListener('online', () => {
    fails = 0;
    flush();
  });
  // Leftovers from earlier visits go out once the page has loaded.
  if (document.readyState == 'complete') timer = setTimeout(flush, 0);
  else addEventListener('load', flush);

  const track = (event: string, properties?: Record<string, unknown>, opts?: EventOptions) =>
    emit('track', { event, properties: { ...properties } }, opts);

  return {
    page: safe((pageName?: string, properties?: Record<string, unknown>, opts?: EventOptions) => {
      const url = location.href;
      // SPA navigation: the previous page is the referrer.
      if (lastPage && lastPage != url) referrer = lastPage;
      lastPage = url;
      emit('page', { name: pageName, properties: { ...properties } }, opts);
    }),
    track: safe(track),
    identify: safe((userId?: string | null, traits?: Record<string, unknown>, opts?: EventOptions) => {
      if (userId) {
        uid = String(userId);
        if (granted()) ls(USER_KEY, uid);
        else who ||= 1;
      }
      emit('identify', { userId: uid, traits: { ...traits } }, opts);
    }),
    alias: safe((userId: string, previousId?: string, opts?: EventOptions) =>
      emit('alias', { userId, previousId: previousId || uid || aid }, opts),
    ),
    order: safe((order: Record<string, unknown>, opts?: EventOptions) => track('Order Completed', order, opts)),
    reset: safe(() => {
      forget();
      if (granted()) {
        ls(USER_KEY, null);
        saveId(1);
      } else who = 2;
    }),
    consent: safe((s: ConsentState) => {
      if (DEBUG_BUILD && !CONSENT_STATES.includes(s)) dbg('ignored an unknown consent state', s);
      // `denied` erases again even when already denied: consent managers repeat it on every page.
      if (CONSENT_STATES.includes(s) && (s != state || s == 'denied')) {
        state = s;
        if (granted()) {
          restore();
          enqueue(buf);
          flush();
        } else if (s == 'denied') erase();
      }
    }),
    flush,
    anonymousId: () => (state == 'denied' ? undefined : aid),
    _core: c,
  } as Tracker;
}
