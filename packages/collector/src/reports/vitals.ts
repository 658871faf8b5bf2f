/**
 * `vitals` report: the 75th percentile of LCP, INP, CLS, FCP and TTFB per page path (the
 * percentile Google's Core Web Vitals assessment uses), with good / needs-improvement /
 * poor shares. Rating comes from the sample (web-vitals rates it in the browser) or, if
 * missing, from the published thresholds below.
 */
import type { VitalsSample } from '../store/reports';
import type { ReportParams } from './params';
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

export interface VitalsReport {
  report: 'vitals';
  siteId: string;
  from: string;
  to: string;
  /** All paths together first (`path: '*'`), then per path by sample count. */
  rows: { path: string; metrics: Partial<Record<string, VitalsCell>> }[];
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

/** Rating of a value by the thresholds. */
export function rate(name: string, value: number): 'good' | 'needs-improvement' | 'poor' {
  const [good, poor] = VITALS_THRESHOLDS[name];
  return value <= good ? 'good' : value > poor ? 'poor' : 'needs-improvement';
}

function cell(name: string, xs: { v: number; r: string }[]): VitalsCell {
  const sorted = xs.map((x) => x.v).sort((a, b) => a - b);
  let good = 0;
  let poor = 0;
  for (const x of xs) {
    if (x.r === 'good') good++;
    else if (x.r === 'poor') poor++;
  }
  const r4 = (x: number) => Math.round(x * 10000) / 10000;
  const p = percentile(sorted, 0.75);
  return {
    samples: xs.length,
    p75: name === 'CLS' ? Math.round(p * 1000) / 1000 : Math.round(p),
    good: r4(good / xs.length),
    needsImprovement: r4((xs.length - good - poor) / xs.length),
    poor: r4(poor / xs.length),
  };
}

/**
 * Compute the vitals table from samples.
 *
 * @example
 * await vitals(store.webVitals(siteId, { from, to }), site, params)
 */
export async function vitals(samples: AsyncIterable<VitalsSample> | Iterable<VitalsSample>, site: ReportSite, p: ReportParams): Promise<VitalsReport> {
  const byPath = new Map<string, Map<string, { v: number; r: string }[]>>();
  const all = new Map<string, { v: number; r: string }[]>();
  for await (const s of samples as AsyncIterable<VitalsSample>) {
    const name = s.name.toUpperCase();
    if (!VITALS_THRESHOLDS[name] || !Number.isFinite(s.value) || s.value < 0) continue;
    const r = s.rating === 'good' || s.rating === 'needs-improvement' || s.rating === 'poor' ? s.rating : rate(name, s.value);
    const x = { v: s.value, r };
    let m = byPath.get(s.path);
    if (!m) byPath.set(s.path, (m = new Map()));
    (m.get(name) ?? m.set(name, []).get(name)!).push(x);
    (all.get(name) ?? all.set(name, []).get(name)!).push(x);
  }
  const row = (path: string, m: Map<string, { v: number; r: string }[]>) => ({
    path,
    metrics: Object.fromEntries(VITALS.filter((n) => m.has(n)).map((n) => [n, cell(n, m.get(n)!)])),
  });
  const count = (m: Map<string, unknown[]>) => [...m.values()].reduce((a, b) => a + b.length, 0);
  const rows = [...byPath.entries()]
    .sort(([a, x], [b, y]) => count(y) - count(x) || (a < b ? -1 : 1))
    .map(([path, m]) => row(path, m));
  return {
    report: 'vitals',
    siteId: site.id,
    from: new Date(p.from).toISOString(),
    to: new Date(p.to).toISOString(),
    rows: all.size ? [row('*', all), ...rows] : [],
  };
}

/** Run the vitals report for a site. */
export function vitalsReport(src: ReportSource, site: ReportSite, p: ReportParams): Promise<VitalsReport> {
  return vitals(src.webVitals(site.id, { from: p.from, to: p.to }), site, p);
}
