import type { CampaignContext, ConsentState, EventType, WireEvent } from '@omnitrail/schema';
import { campaignOf, takeScanToken } from './context';
import { DEBUG_BUILD } from './debug';
import { memoryQueue } from './memory-queue';
import { ID_KEY, ls, readCookie, rootDomain, writeCookie } from './storage';
import type { EventOptions, Tracker, TrackerOptions } from './types';
import { uuidv7 } from './uuid';
import { VERSION } from './version';

/**
 * Bytes per request. The collector accepts 500 KB, but reading, cloning and serialising a batch
 * runs on the main thread: 128 KB keeps each of those tasks short (no long task) on slow phones.
 */
const MAX_BATCH = 128_000;
/** Browsers cap the bodies of all in-flight keepalive requests at 64 KB together. */
const MAX_BEACON = 60_000;
const SESSION_KEY = 'ot_ses';
const USER_KEY = 'ot_uid';
const VALID_ID = /^[\w-]{8,100}$/;

type Session = [id: string, lastActivity: number, campaignKey: string];

/**
 * Creates a tracker. Misconfiguration throws here, once; afterwards no method ever throws into
 * the host page.
 *
 * Every event gets a UUIDv7 `messageId` and is written to the queue before any send; it is
 * deleted only after the collector acknowledged (or permanently rejected) it. Network errors,
 * 408, 429 and 5xx are retried with exponential backoff and jitter, honouring `Retry-After`.
 *
 * @example
 * import { createTracker } from '@omnitrail/sdk';
 * import { idbQueue } from '@omnitrail/sdk/queue';
 *
 * const ot = createTracker({ writeKey: 'wk_123', endpoint: 'https://t.shop.com', queue: idbQueue });
 * ot.page();
 * ot.track('Product Viewed', { product_id: 'sku-1' });
 */
export function createTracker(o: TrackerOptions): Tracker {
  const { writeKey } = o || ({} as TrackerOptions);
  if (!writeKey || typeof writeKey != 'string') throw Error('[omnitrail] writeKey is required');
  let base: string;
  try {
    base = new URL(o.endpoint).href.replace(/\/+$/, '');
  } catch {
    throw Error('[omnitrail] endpoint must be an absolute URL');
  }
  const dbg = (...a: unknown[]) => o.debug && console.log('[omnitrail]', ...a);
  const nav = navigator;
  const name = 'omnitrail-' + writeKey;
  const caps = { maxEvents: o.maxEvents || 1000, maxBytes: o.maxBytes || 1e6 };
  const q = (o.queue || memoryQueue)(name, caps);
  const timeout = o.sessionTimeout || 18e5;
  const query = '?writeKey=' + encodeURIComponent(writeKey);
  const staticContext = {
    locale: nav.language,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    screen: { width: screen.width, height: screen.height, density: devicePixelRatio },
    userAgent: nav.userAgent,
    library: { name: 'omnitrail', version: VERSION },
  };

  let state: ConsentState =
    !o.ignoreGpc && (nav as { globalPrivacyControl?: boolean }).globalPrivacyControl ? 'denied' : o.consent || 'granted';
  let aid = uuidv7();
  let uid: string | undefined;
  let session: Session | undefined;
  let domain: string | undefined;
  let scanToken: string | undefined;
  let referrer = document.referrer;
  let lastPage: string | undefined;
  /** Events made under `pending` consent: memory only until a decision. */
  let held: WireEvent[] = [];
  /** Events made, not yet written to the queue. */
  let buf: WireEvent[] = [];
  /** This tab's events not yet acknowledged: what a page-hide beacon sends. */
  const mine = new Map<string, WireEvent>();
  const beaconed = new WeakSet<WireEvent>();
  /** Resolves once the IndexedDB copy of the ID has been read (it may win over a new ID). */
  let ready: Promise<unknown> = Promise.resolve();
  /** The latest queue write: a flush waits for it, so "written before any send" holds. */
  let writing: Promise<unknown> | 0 = 0;
  let timer: ReturnType<typeof setTimeout> | 0 = 0;
  let running: Promise<void> | 0 = 0;
  let again = 0;
  let fails = 0;
  let refreshDue = 0;

  const granted = () => state == 'granted';

  const saveId = (idb?: 1) => {
    writeCookie(ID_KEY, aid, (domain ??= o.cookieDomain ?? rootDomain()));
    ls(ID_KEY, aid);
    if (idb) return q.set(ID_KEY, aid).catch(() => {});
  };

  /** Switches to an ID found on the device; events not yet written follow it. */
  const adopt = (id: string) => {
    for (const e of [...held, ...buf]) if (e.anonymousId == aid) e.anonymousId = id;
    aid = id;
  };

  /** Restores the ID from whichever copy survived (cookie, localStorage, IndexedDB) and heals the others. */
  const restore = () => {
    const valid = (v?: string | null) => (v && VALID_ID.test(v) ? v : undefined);
    const found = valid(readCookie(ID_KEY)) || valid(ls(ID_KEY));
    uid = ls(USER_KEY) || uid;
    if (found) adopt(found);
    saveId();
    // Read IndexedDB before writing it: cookie and localStorage may have been cleared while it kept the ID.
    ready = q
      .get(ID_KEY)
      .then((v) => {
        if (!found && valid(v)) adopt(v!);
        return saveId(1);
      })
      .catch(() => {});
  };

  /** Parsed location, recomputed only when the URL changed: reading `location` costs µs per property. */
  let here: [href: string, path: string, search: string, campaign?: CampaignContext, clickIds?: Record<string, string>, key?: string] = [''] as never;
  const where = () => {
    const href = location.href;
    if (href != here[0]) {
      const u = new URL(href);
      here = [href, u.pathname, u.search, ...campaignOf(u.search)];
    }
    return here;
  };

  /** When this tab last synced the session with localStorage (shared by the tabs of the site). */
  let synced = 0;
  const nextSession = (now: number, key: string): [string, boolean] => {
    let s: Session | undefined = session;
    // localStorage costs tens of µs per call in Chromium: sync at most every 5 s, and on every change.
    const sync = granted() && now - synced > 5000;
    try {
      if (sync) s = JSON.parse(ls(SESSION_KEY)!) || s;
    } catch {
      // A damaged value starts a new session.
    }
    const start = !s || now - s[1] > timeout || (!!key && key != s[2]);
    s = start ? [uuidv7(), now, key] : [s![0], now, s![2]];
    session = s;
    if (granted() && (sync || start)) {
      synced = now;
      ls(SESSION_KEY, JSON.stringify(s));
    }
    if (start) refreshDue = 1;
    return [s[0], start];
  };

  const make = (type: EventType, fields: Partial<WireEvent>, opts?: EventOptions): WireEvent => {
    const [url, path, search, campaign, clickIds, key] = where();
    const now = Date.now();
    const om: Record<string, unknown> = { v: 1, consent: state };
    const e = {
      type,
      messageId: uuidv7(),
      timestamp: new Date(now).toISOString(),
      ...fields,
      ...opts,
      context: {
        ...staticContext,
        page: { url, path, search, title: document.title, referrer },
        campaign,
        omnitrail: om,
        ...opts?.context,
      },
    } as WireEvent;
    if (state == 'denied') {
      // Cookieless: no identifier of any kind leaves the browser.
      om.cookieless = true;
      delete e.userId;
      return e;
    }
    const [sid, start] = nextSession(now, key!);
    om.sessionId = sid;
    if (start) om.sessionStart = true;
    if (clickIds) om.clickIds = clickIds;
    if (scanToken) om.scanToken = scanToken;
    scanToken = undefined;
    e.anonymousId = aid;
    if (uid && !e.userId) e.userId = uid;
    return e;
  };

  const push = (e: WireEvent) => {
    if (state == 'pending') {
      if (held.push(e) > caps.maxEvents) held.shift();
    } else if (state == 'denied') {
      // Cookieless events are never written to the device: one attempt, no queue.
      post([e], true);
    } else {
      mine.set(e.messageId, e);
      // Same cap as the queue: events the queue dropped must not live on here (Map keeps insertion order).
      if (mine.size > caps.maxEvents) mine.delete(mine.keys().next().value!);
      // One queue write at a time; events arriving meanwhile share the next transaction.
      buf.push(e);
      writing ||= write();
      // A running flush may already have read the queue: go again after it, unless backing off.
      if (running) again = 1;
      else if (!timer) timer = setTimeout(flush, o.flushDelay ?? 1000);
    }
  };

  const emit = (type: EventType, fields: Partial<WireEvent>, opts?: EventOptions) => {
    // Under `denied`, only anonymous page views may leave (and only with `cookieless`): the
    // collector's cookieless mode counts page views and refuses everything else.
    if (state != 'denied' || (o.cookieless && type == 'page')) push(make(type, fields, opts));
  };

  const write = async () => {
    try {
      await ready;
      while (buf.length) {
        // IndexedDB clones each value on the main thread: 50 events per transaction keeps tasks short.
        const dropped = await q.add(buf.splice(0, 50));
        if (DEBUG_BUILD && dropped) dbg('queue full: dropped', dropped, 'oldest events');
      }
      // Hidden page (tab switch, closing, or web-vitals reporting on hide): the next task may never run.
      if (document.visibilityState == 'hidden') beacon();
    } catch (e) {
      if (DEBUG_BUILD) dbg(e);
    }
    writing = 0;
  };

  const post = (batch: WireEvent[], keepalive?: boolean) =>
    fetch(base + '/v1/batch' + query, {
      method: 'POST',
      // text/plain keeps the request "simple": no CORS preflight, and beacons may send it.
      body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
      keepalive,
    }).catch(() => 0 as const);

  const done = (evs: WireEvent[]) => {
    const ids = evs.map((e) => e.messageId);
    for (const id of ids) mine.delete(id);
    return q.remove(ids);
  };

  const retryLater = (r: Response | 0) => {
    const after = r && r.headers.get('retry-after');
    const ms = after
      ? +after * 1000 || Date.parse(after) - Date.now()
      : Math.min(3e5, 1000 * 2 ** fails) * (0.5 + Math.random() / 2);
    fails++;
    clearTimeout(timer);
    timer = setTimeout(flush, Math.max(ms, 100));
    if (DEBUG_BUILD) dbg('retry in', ms | 0, 'ms');
  };

  const written = async () => {
    while (writing) await writing;
  };

  /** Sends the queue batch by batch under a cross-tab lock, so two tabs never send the same event at once. */
  const drain = async () => {
    await ready;
    await written();
    if (!granted()) return;
    if (refreshDue && (o.idRefresh ?? sameSite())) {
      refreshDue = 0;
      // The collector re-sets the ID cookie from the server: see the README (Safari ITP).
      fetch(base + '/v1/id' + query, {
        method: 'POST',
        credentials: 'include',
        body: JSON.stringify({ anonymousId: aid, domain }),
      }).catch(() => {});
    }
    const run = async () => {
      let max = MAX_BATCH;
      // Each read waits for pending writes: events made meanwhile join this drain instead of racing it.
      for (let evs; (await written(), evs = await q.read(max)).length; ) {
        const r = await post(evs);
        const s = r ? r.status : 0;
        if (s > 199 && s < 300) {
          fails = 0;
          if (DEBUG_BUILD) dbg('sent', evs.length, await (r as Response).json().catch(() => ''));
          await done(evs);
        } else if (s == 400 || s == 413 || s == 422) {
          // The request as a whole was refused: split until the poison event is alone, then drop it.
          if (evs.length > 1) max = JSON.stringify(evs).length / 2;
          else {
            if (DEBUG_BUILD) dbg('dropped a rejected event', s);
            await done(evs);
          }
        } else {
          if (!s || s == 408 || s == 429 || s > 499) retryLater(r);
          // 401/403/404: wrong key or endpoint. Keep the events (the caps bound them) for a fixed config.
          else if (DEBUG_BUILD) dbg('collector refused the write key or endpoint', s);
          return;
        }
      }
    };
    const locks = nav.locks;
    await (locks ? locks.request(name, run) : run());
  };

  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = 0;
    if (running) {
      again = 1;
      // The running attempt may have read the queue before this call's events were written:
      // resolve only once they are (a page may reload right after `await flush()`).
      return Promise.all([running, writing]).then(() => {});
    }
    return (running = drain()
      .catch((e) => {
        if (DEBUG_BUILD) dbg(e);
      })
      .finally(() => {
        running = 0;
        if (again && !fails) flush();
        again = 0;
      }));
  };

  const sameSite = () => {
    const host = new URL(base).hostname;
    return !!domain && (host == domain || host.endsWith('.' + domain));
  };

  /** Page hidden or closing: send this tab's unacknowledged events with keepalive; delete only on an ack. */
  const beacon = () => {
    if (!granted()) return;
    const evs: WireEvent[] = [];
    let bytes = 0;
    for (const e of mine.values()) {
      if (beaconed.has(e)) continue;
      if ((bytes += JSON.stringify(e).length) > MAX_BEACON) break;
      beaconed.add(e);
      evs.push(e);
    }
    if (evs.length)
      post(evs, true).then((r) => {
        if (r && r.ok) done(evs).catch(() => {});
      });
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

  const consent = (s: ConsentState) => {
    if (s == state) return;
    state = s;
    if (s == 'granted') {
      restore();
      const h = held;
      held = [];
      for (const e of h) {
        (e.context!.omnitrail as Record<string, unknown>).consent = s;
        push(e);
      }
      flush();
    } else if (s == 'denied') {
      // Withdrawal erases everything this tracker stored on the device, queue included.
      held = [];
      buf = [];
      mine.clear();
      writeCookie(ID_KEY, '', domain ?? rootDomain());
      for (const k of [ID_KEY, USER_KEY, SESSION_KEY]) ls(k, null);
      q.clear().catch(() => {});
      q.set(ID_KEY).catch(() => {});
      aid = uuidv7();
      uid = session = undefined;
    }
  };

  try {
    scanToken = takeScanToken();
  } catch {
    // No history API (sandboxed frame): the token still goes out, the URL just keeps it.
  }
  if (granted()) restore();
  // Back online: retry now, after any attempt still in flight, whatever the backoff said.
  addEventListener('online', () => {
    fails = 0;
    (running || Promise.resolve()).then(flush);
  });
  addEventListener('pagehide', beacon);
  document.addEventListener('visibilitychange', () => document.visibilityState == 'hidden' && beacon());
  // Leftovers from earlier visits go out once the page has loaded.
  if (document.readyState == 'complete') timer = setTimeout(flush, 0);
  else addEventListener('load', flush);

  return {
    page: safe((pageName?: string, properties?: Record<string, unknown>, opts?: EventOptions) => {
      const url = location.href;
      // SPA navigation: the previous page is the referrer.
      if (lastPage && lastPage != url) referrer = lastPage;
      lastPage = url;
      emit('page', { name: pageName, properties: { ...properties } }, opts);
    }),
    track: safe((event: string, properties?: Record<string, unknown>, opts?: EventOptions) =>
      emit('track', { event, properties: { ...properties } }, opts),
    ),
    identify: safe((userId?: string | null, traits?: Record<string, unknown>, opts?: EventOptions) => {
      if (userId) {
        uid = String(userId);
        if (granted()) ls(USER_KEY, uid);
      }
      emit('identify', { userId: uid, traits: { ...traits } }, opts);
    }),
    alias: safe((userId: string, previousId?: string, opts?: EventOptions) =>
      emit('alias', { userId, previousId: previousId || uid || aid }, opts),
    ),
    order: safe((order, opts?: EventOptions) => emit('track', { event: 'Order Completed', properties: { ...order } }, opts)),
    reset: safe(() => {
      aid = uuidv7();
      uid = session = undefined;
      if (granted()) {
        ls(USER_KEY, null);
        ls(SESSION_KEY, null);
        saveId(1);
      }
    }),
    consent: safe(consent),
    flush,
    anonymousId: () => (state == 'denied' ? undefined : aid),
    handoffCode: async () => {
      if (!granted()) throw Error('[omnitrail] handoff codes need consent');
      await ready;
      const r = await fetch(base + '/v1/handoff' + query, { method: 'POST', body: JSON.stringify({ anonymousId: aid, consent: state }) });
      const j = await r.json().catch(() => ({}));
      if (!r.ok) throw Error('[omnitrail] handoff code unavailable: ' + (j.message || 'HTTP ' + r.status));
      return j;
    },
  } as Tracker;
}
