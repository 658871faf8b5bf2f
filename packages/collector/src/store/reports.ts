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
  /**
   * Cookieless page views (consent `denied`, daily visitor hash) of a site: page views and
   * distinct visitor hashes per `[from, to)` span (one span per day of a report), and the
   * `topPaths` most viewed paths of the whole range. Bots excluded. Optional: stores without it
   * show no cookieless figures.
   */
  cookieless?(siteId: string, spans: readonly (readonly [from: number, to: number])[], topPaths: number): Promise<CookielessCounts>;
}

/** What {@link ReportsStore.cookieless} returns. */
export interface CookielessCounts {
  /** Per span, in order: page views and distinct visitor hashes (a hash lives one day of the site's time zone). */
  days: { pageViews: number; visitors: number }[];
  /** Most viewed paths of the whole range, most first. */
  paths: { path: string; pageViews: number }[];
}
