/** One `Web Vitals` measurement, as the SDK sends it (see packages/sdk/src/vitals.ts). */
export interface VitalsSample {
  /** LCP, INP, CLS, FCP or TTFB. */
  name: string;
  value: number;
  /** `good` | `needs-improvement` | `poor` as web-vitals rated it; null if not sent. */
  rating: string | null;
  /** Page path the metric belongs to. */
  path: string;
}

/**
 * Extra reads the reports need beyond `journeys` (identity): raw metric samples.
 *
 * @example
 * for await (const page of store.webVitals(siteId, { from, to })) for (const s of page) console.log(s.name, s.value);
 */
export interface ReportsStore {
  /** `Web Vitals` track events of a site with `from ≤ ts < to`, bots excluded, streamed page by page. */
  webVitals(siteId: string, range: { from: number; to: number }): AsyncIterable<VitalsSample[]>;
}
