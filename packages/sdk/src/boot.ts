import type { ConsentState } from '@omnitrail/schema';
import { DEBUG_BUILD } from './debug';
import { handoffCode } from './handoff';
import { idRefresh } from './id-refresh';
import { keepalive } from './keepalive';
import { trackPageviews } from './pageviews';
import { scanToken } from './scan-token';
import { sessions } from './sessions';
import { BAD_CONSENT, CONSENT_STATES, createTracker } from './tracker';
import type { HandoffResponse, QueueFactory, Tracker } from './types';

/** The pre-load stub of the snippet: a function whose calls wait in `q`. */
type Stub = ((...a: unknown[]) => unknown) & { q?: ArrayLike<unknown>[] } & Partial<ScriptApi>;

/** `window.omnitrail`: the tracker's methods, plus `handoffCode()` (every plugin is on). */
type ScriptApi = Tracker & { handoffCode(): Promise<HandoffResponse> };

/**
 * Script-tag start-up: reads `data-*` attributes of its own `<script>`, creates the tracker,
 * with every plugin (the wire format the collector's stitching expects: sessions, campaign, click
 * IDs, scan token), replays calls the snippet's stub queued before the script arrived (in order), then exposes
 * `window.omnitrail` both as `omnitrail('track', …)` and `omnitrail.track(…)`.
 *
 * Attributes: `data-write-key` (required), `data-endpoint` (default: the script's origin),
 * `data-consent` (`granted` | `pending` | `denied`; any other value is reported with `console.error`
 * and starts `pending`), `data-cookieless`, `data-auto-page="false"`,
 * `data-vitals="false"`, `data-debug`.
 *
 * @example
 * boot(idbQueue, trackVitals);
 */
export function boot(queue: QueueFactory, vitals?: (t: Tracker) => void): void {
  const w = window as unknown as { omnitrail?: Stub };
  const s = (document.currentScript || document.querySelector('script[data-write-key]')) as HTMLScriptElement | null;
  const d = s ? s.dataset : {};
  const on = (v?: string) => v != null && v != 'false';
  let consent = d.consent;
  // A mistyped (or empty: an unfilled template) data-consent may have meant "denied": start
  // `pending` (nothing stored or sent) until consent() decides.
  if (consent != null && !CONSENT_STATES.includes(consent)) {
    console.error(BAD_CONSENT, consent);
    consent = 'pending';
  }
  let t: ScriptApi;
  try {
    t = createTracker({
      writeKey: d.writeKey!,
      endpoint: d.endpoint || (s?.src && new URL(s.src).origin)!,
      consent: consent as ConsentState | undefined,
      cookieless: on(d.cookieless),
      queue,
      plugins: [sessions(), keepalive(), idRefresh(), scanToken()],
      // Only the debug build (omnitrail.debug.js) has messages to log.
      ...(DEBUG_BUILD && { debug: on(d.debug) }),
    }) as ScriptApi;
  } catch (e) {
    // No data-write-key (or endpoint): a script tag must not throw into the page. The snippet's stub stays.
    return console.error(e);
  }
  t.handoffCode = () => handoffCode(t);
  // The snippet's stub keeps an array of `arguments` objects.
  const queued = w.omnitrail?.q || [];
  const api: Stub = (m, ...a) => {
    const f = t[m as keyof ScriptApi] as ((...x: unknown[]) => unknown) | undefined;
    if (typeof f == 'function') return f(...a);
  };
  Object.assign(api, t);
  w.omnitrail = api;
  // Replayed before the automatic page view, so a queued consent() or identify() applies to it.
  for (const c of queued) api.apply(0, c as unknown[]);
  if (d.autoPage != 'false') trackPageviews(t);
  if (vitals && d.vitals != 'false') vitals(t);
}
