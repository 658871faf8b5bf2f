import { onCLS, onFCP, onINP, onLCP, onTTFB, type Metric } from 'web-vitals';
import type { Tracker } from './types';

/**
 * Reports LCP, INP, CLS, FCP and TTFB (measured by Google's `web-vitals` package, bundled, never
 * loaded from a CDN) as `Web Vitals` events, each once per page view. The metric `id` is the
 * event's `messageId`, so a value reported twice (page hidden, then closed) is stored once.
 *
 * `web-vitals` is pinned to 5.x: 6.x adds soft-navigation reporting (metrics per SPA route, behind
 * its `reportSoftNavs` option) that we do not turn on, yet that code ships in every
 * bundle: 2 938 B brotli for the five metrics against 2 150 B for 5.3. Move to 6.x when
 * soft-navigation metrics are wanted (`size.test.ts` shows what it costs).
 *
 * @example
 * import { createTracker } from '@omnitrail/sdk';
 * import { trackVitals } from '@omnitrail/sdk/vitals';
 * trackVitals(createTracker({ writeKey: 'wk_123', endpoint: 'https://t.shop.com' }));
 */
export function trackVitals(tracker: Tracker): void {
  const seen = new Set<string>();
  const report = (m: Metric) => {
    if (seen.has(m.id)) return;
    seen.add(m.id);
    tracker.track(
      'Web Vitals',
      { metric: m.name, value: m.value, rating: m.rating, id: m.id, navigationType: m.navigationType },
      { messageId: m.id },
    );
  };
  for (const on of [onCLS, onFCP, onINP, onLCP, onTTFB]) on(report);
}
