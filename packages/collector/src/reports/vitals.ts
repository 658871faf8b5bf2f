/**
 * `vitals` report: the 75th percentile of LCP, INP, CLS, FCP and TTFB per page path (the
 * percentile Google's Core Web Vitals assessment uses), with good / needs-improvement /
 * poor shares. Rating comes from the sample (web-vitals rates it in the browser) or, if
 * missing, from the published thresholds below.
 */
import type { VitalsSample } from '../store/reports';
import { reportSpan, type ReportParams, type ReportSpan } from './params';
import type { ReportSite, ReportSource } from './source';

/** [good ≤, poor >] per metric (web.dev/articles/vitals; CLS unitless, others ms). */
export const VITALS_THRESHOLDS: Record<string, [number, number]> = {
  LCP: [2500, 4000],
  INP: [200, 500],
  CLS: [0.1, 0.25],
  FCP: [1800, 3000],
  TTFB: [800, 1800],
};
export const VITALS = Object.keys(VITALS_THRESHOLDS);

export interface VitalsCell {
  samples: number;
  p75: number;
  good: number;
  needsImprovement: number;
  poor: number;
}

export interface VitalsReport extends ReportSpan {
  report: 'vitals';
  siteId: string;
  /** All paths together first (`path: '*'`), then per path by sample count. */
  rows: { path: string; metrics: Partial<Record<string, VitalsCell>> }[];
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

/** Rating of a value by the thresholds. */
export function rate(name: string, value: number): 'good' | 'needs-improvement' | 'poor' {
  const [good, poor] = VITALS_THRESHOLDS[name];
  return value <= good ? 'good' : value > poor ? 'poor' : 'needs-improvement';
}

/**
 * The samples of one (path, metric): values in a growable `Float64Array` (8 bytes a sample, no
 * object per sample, sorted natively) and rating counts. 30 days of a 5 M-event shop hold 1.8 M
 * samples; as `{ value, rating }` objects, kept per path and for all paths, they took ~250 MB
 * more and a third of the report's time in GC and comparator sorts.
 */
class Samples {
  n = 0;
  good = 0;
  poor = 0;
  values = new Float64Array(16);

  add(v: number, r: string): void {
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.n * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = v;
    if (r === 'good') this.good++;
    else if (r === 'poor') this.poor++;
  }
}

function cell(name: string, parts: readonly Samples[]): VitalsCell {
  let n = 0;
  let good = 0;
  let poor = 0;
  for (const s of parts) (n += s.n), (good += s.good), (poor += s.poor);
  // One part sorts in place (sorting twice does not change a multiset); several are copied once.
  let sorted: Float64Array;
  if (parts.length === 1) sorted = parts[0].values.subarray(0, n);
  else {
    sorted = new Float64Array(n);
    let at = 0;
    for (const s of parts) sorted.set(s.values.subarray(0, s.n), at), (at += s.n);
  }
  sorted.sort();
  const r4 = (x: number) => Math.round(x * 10000) / 10000;
  const p = percentile(sorted, 0.75);
  return {
    samples: n,
    p75: name === 'CLS' ? Math.round(p * 1000) / 1000 : Math.round(p),
    good: r4(good / n),
    needsImprovement: r4((n - good - poor) / n),
    poor: r4(poor / n),
  };
}

/**
 * Compute the vitals table from samples, given page by page (as `ReportsStore.webVitals`
 * streams them).
 *
 * @example
 * await vitals(store.webVitals(siteId, { from, to }), site, params)
 */
export async function vitals(
  pages: AsyncIterable<readonly VitalsSample[]> | Iterable<readonly VitalsSample[]>,
  site: ReportSite,
  p: ReportParams,
): Promise<VitalsReport> {
  const byPath = new Map<string, Map<string, Samples>>();
  for await (const page of pages) {
    for (const s of page) {
      const name = s.name.toUpperCase();
      if (!VITALS_THRESHOLDS[name] || !Number.isFinite(s.value) || s.value < 0) continue;
      const r = s.rating === 'good' || s.rating === 'needs-improvement' || s.rating === 'poor' ? s.rating : rate(name, s.value);
      let m = byPath.get(s.path);
      if (!m) byPath.set(s.path, (m = new Map()));
      let x = m.get(name);
      if (!x) m.set(name, (x = new Samples()));
      x.add(s.value, r);
    }
  }
  const count = (m: Map<string, Samples>) => {
    let n = 0;
    for (const x of m.values()) n += x.n;
    return n;
  };
  const all: VitalsReport['rows'][number] = { path: '*', metrics: {} };
  for (const name of VITALS) {
    const parts: Samples[] = [];
    for (const m of byPath.values()) {
      const x = m.get(name);
      if (x) parts.push(x);
    }
    if (parts.length) all.metrics[name] = cell(name, parts);
  }
  const rows = [...byPath.entries()]
    .sort(([a, x], [b, y]) => count(y) - count(x) || (a < b ? -1 : 1))
    .map(([path, m]) => ({
      path,
      metrics: Object.fromEntries(VITALS.filter((n) => m.has(n)).map((n) => [n, cell(n, [m.get(n)!])])),
    }));
  return {
    report: 'vitals',
    siteId: site.id,
    ...reportSpan(p),
    rows: byPath.size ? [all, ...rows] : [],
  };
}

/** Run the vitals report for a site. */
export function vitalsReport(src: ReportSource, site: ReportSite, p: ReportParams): Promise<VitalsReport> {
  return vitals(src.webVitals(site.id, { from: p.from, to: p.to }), site, p);
}
