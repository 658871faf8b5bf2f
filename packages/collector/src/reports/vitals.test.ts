import { describe, expect, it } from 'vitest';
import type { VitalsSample } from '../store/reports';
import { parseReportParams } from './params';
import { VITALS, VITALS_THRESHOLDS, percentile, rate, vitals } from './vitals';

const site = { id: 's', rules: [] };
const params = parseReportParams({ from: '2026-03-01', to: '2026-03-30' }, Date.UTC(2026, 2, 31));

/** The report's cells computed the plain way: every sample kept, sorted with a comparator. */
function reference(samples: VitalsSample[]) {
  const cells = new Map<string, { v: number; r: string }[]>();
  const add = (k: string, x: { v: number; r: string }) => (cells.get(k) ?? cells.set(k, []).get(k)!).push(x);
  for (const s of samples) {
    const name = s.name.toUpperCase();
    if (!VITALS_THRESHOLDS[name] || !Number.isFinite(s.value) || s.value < 0) continue;
    const r = s.rating ?? rate(name, s.value);
    add(`${s.path} ${name}`, { v: s.value, r });
    add(`* ${name}`, { v: s.value, r });
  }
  const r4 = (x: number) => Math.round(x * 10000) / 10000;
  return new Map(
    [...cells].map(([k, xs]) => {
      const p = percentile(xs.map((x) => x.v).sort((a, b) => a - b), 0.75);
      const good = xs.filter((x) => x.r === 'good').length;
      const poor = xs.filter((x) => x.r === 'poor').length;
      const name = k.split(' ')[1];
      return [k, { samples: xs.length, p75: name === 'CLS' ? Math.round(p * 1000) / 1000 : Math.round(p), good: r4(good / xs.length), needsImprovement: r4((xs.length - good - poor) / xs.length), poor: r4(poor / xs.length) }];
    }),
  );
}

function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

describe('vitals', () => {
  it('equals the plain computation for every path and metric, over many pages', async () => {
    const r = rng(7);
    const paths = ['/', '/p/1', '/p/2', '/cart', '/checkout'];
    const samples: VitalsSample[] = [];
    for (let i = 0; i < 20_000; i++) {
      // Skewed: '/' gets most samples (thousands: the value buffers grow many times), '/checkout' few.
      const path = paths[Math.min(4, Math.floor(-Math.log(r() + 1e-9) * 1.2))];
      const name = [...VITALS, 'FID', 'lcp'][Math.floor(r() * 7)];
      const value = name.toUpperCase() === 'CLS' ? Math.round(r() * 400) / 1000 : Math.round(r() * 6000);
      const rating = r() < 0.3 ? null : (['good', 'needs-improvement', 'poor'] as const)[Math.floor(r() * 3)];
      samples.push({ name, value: r() < 0.01 ? -1 : value, rating, path });
    }
    const pages: VitalsSample[][] = [];
    for (let i = 0; i < samples.length; i += 777) pages.push(samples.slice(i, i + 777));
    async function* stream() {
      for (const p of pages) yield p;
    }
    const report = await vitals(stream(), site, params);
    const want = reference(samples);
    const got = new Map(report.rows.flatMap((row) => Object.entries(row.metrics).map(([n, c]) => [`${row.path} ${n}`, c])));
    expect(got).toEqual(want);
    // The all-paths row first, then paths by sample count.
    expect(report.rows.map((x) => x.path)).toEqual(['*', ...paths]);
  });

  it('a metric seen on one path only: the all-paths cell equals that path', async () => {
    const report = await vitals([[{ name: 'INP', value: 300, rating: null, path: '/a' }, { name: 'INP', value: 100, rating: null, path: '/a' }, { name: 'LCP', value: 1, rating: null, path: '/b' }]], site, params);
    expect(report.rows[0].metrics.INP).toEqual({ samples: 2, p75: 300, good: 0.5, needsImprovement: 0.5, poor: 0 });
    expect(report.rows.find((x) => x.path === '/a')!.metrics.INP).toEqual(report.rows[0].metrics.INP);
  });

  it('no samples: no rows', async () => {
    expect((await vitals([], site, params)).rows).toEqual([]);
    expect((await vitals([[{ name: 'FID', value: 3, rating: null, path: '/' }]], site, params)).rows).toEqual([]);
  });
});
