import { afterEach, describe, expect, it } from 'vitest';
import { VITALS } from '../../reports/vitals';
import { tempDbPath } from '../../test-utils/harness';
import { pick, prng } from '../../demo/random';
import { storedEvents } from '../../test-utils/stored-event';
import type { StoredEvent } from '../core';
import type { VitalsSample } from '../reports';
import { openSqliteStore, type SqliteStore } from './index';
import { catchUpVitals, pathOf } from './vitals-samples';

const T0 = Date.UTC(2026, 2, 1);
const RANGE = { from: T0, to: T0 + 1_000_000 };

/** The rules of vitals-samples.ts in plain JavaScript: what the SQL must give. */
function sampleOf(ev: StoredEvent): VitalsSample | null {
  if (ev.type !== 'track' || ev.event !== 'Web Vitals' || ev.bot) return null;
  const p = ev.properties as Record<string, unknown>;
  const page = (ev.context as { page?: Record<string, unknown> }).page ?? {};
  const raw = typeof p.metric === 'string' ? p.metric : typeof p.name === 'string' ? p.name : null;
  const name = raw?.toUpperCase();
  if (!name || !VITALS.includes(name)) return null;
  const value = typeof p.value === 'number' ? p.value : typeof p.value === 'string' ? Number(p.value) : NaN;
  if (!Number.isFinite(value) || value < 0) return null;
  const rating = p.rating === 'good' || p.rating === 'needs-improvement' || p.rating === 'poor' ? p.rating : null;
  const path = (typeof p.path === 'string' && p.path) || (typeof page.path === 'string' && page.path) || pathOf(page.url) || '(unknown)';
  return { name, value, rating, path };
}

const key = (s: VitalsSample) => `${s.path}|${s.name}|${s.value}|${s.rating}`;

async function read(store: SqliteStore, siteId: string, range = RANGE): Promise<string[]> {
  const out: string[] = [];
  for await (const page of store.webVitals(siteId, range)) for (const s of page) out.push(key(s));
  return out.sort();
}

describe('vitals_samples: Web Vitals events as report-ready rows, caught up by the reader', () => {
  let store: SqliteStore;
  afterEach(() => store?.close());

  const open = async () => {
    store = openSqliteStore(tempDbPath(), { flushMs: 1 });
    return (await store.createSite({ name: 'S', origins: ['*'] })).site.id;
  };

  it('derives each sample by the documented rules (the same as a plain JavaScript reading)', async () => {
    const siteId = await open();
    const ev = storedEvents({ prefix: 'm', t0: T0, type: 'track', event: 'Web Vitals' });
    const page = (path: unknown, url?: unknown) => ({ page: { path, url } });
    const events: StoredEvent[] = [
      ev(siteId, { properties: { metric: 'LCP', value: 2100, rating: 'good' }, context: page('/a') }),
      ev(siteId, { properties: { metric: 'inp', value: '250', rating: 'weird' }, context: page('/a') }), // lower case, numeric string, unknown rating
      ev(siteId, { properties: { name: 'CLS', value: 0.123456789, path: '/spa' }, context: page('/a') }), // `name`, properties.path wins
      ev(siteId, { properties: { metric: 7, name: 'FCP', value: 900 }, context: page('', 'https://x.example/from/url?q=1#h') }), // metric not a string → name; path from the URL
      ev(siteId, { properties: { metric: 'TTFB', value: 80 }, context: {} }), // no page at all
      ev(siteId, { properties: { metric: 'TTFB', value: 0, rating: 'poor' }, context: page(12, 'not a url') }),
      // Not samples:
      ev(siteId, { properties: { metric: 'FID', value: 10 }, context: page('/a') }), // not one of the five
      ev(siteId, { properties: { metric: '', name: 'LCP', value: 10 }, context: page('/a') }), // empty metric does not fall back
      ev(siteId, { properties: { metric: 'LCP', value: -1 }, context: page('/a') }),
      ev(siteId, { properties: { metric: 'LCP', value: '12px' }, context: page('/a') }),
      ev(siteId, { properties: { metric: 'LCP', value: null }, context: page('/a') }),
      ev(siteId, { properties: { metric: 'LCP', value: true }, context: page('/a') }),
      ev(siteId, { properties: { metric: 'LCP' }, context: page('/a') }),
      ev(siteId, { properties: { metric: 'LCP', value: 5 }, context: page('/a'), bot: true }),
      ev(siteId, { event: 'Product Viewed', properties: { metric: 'LCP', value: 5 }, context: page('/a') }),
      ev(siteId, { type: 'page', event: 'Web Vitals', properties: { metric: 'LCP', value: 5 }, context: page('/a') }),
    ];
    await store.appendEvents(events);
    const want = events.map(sampleOf).filter((s): s is VitalsSample => s !== null);
    expect(want.map(key).sort()).toEqual(
      ['/a|LCP|2100|good', '/a|INP|250|null', '/spa|CLS|0.123456789|null', '/from/url|FCP|900|null', '(unknown)|TTFB|80|null', '(unknown)|TTFB|0|poor'].sort(),
    );
    expect(await read(store, siteId)).toEqual(want.map(key).sort());
  });

  it('equals the plain reading over random events, caught up in small chunks as events keep coming', async () => {
    const siteId = await open();
    const other = (await store.createSite({ name: 'Other', origins: ['*'] })).site.id;
    const r = prng(11);
    const ev = storedEvents({ prefix: 'r', t0: T0, type: 'track', event: 'Web Vitals' });
    const random = (): StoredEvent =>
      ev(pick(r, [siteId, siteId, siteId, other]), {
        event: pick(r, ['Web Vitals', 'Web Vitals', 'Web Vitals', 'Product Viewed']),
        bot: r() < 0.05,
        timestamp: T0 + Math.floor(r() * 1_000_000), // out of time order, like imports
        properties: {
          [pick(r, ['metric', 'metric', 'name'])]: pick(r, ['LCP', 'INP', 'CLS', 'FCP', 'TTFB', 'lcp', 'FID', '']),
          value: pick(r, [() => Math.round(r() * 5000), () => r(), () => String(Math.round(r() * 900)), () => -5, () => null])(),
          ...(r() < 0.7 ? { rating: pick(r, ['good', 'needs-improvement', 'poor', 'bad']) } : {}),
          ...(r() < 0.1 ? { path: pick(r, ['/x', '']) } : {}),
        },
        context: r() < 0.9 ? { page: { path: pick(r, ['/', '/p/1', '/cart', '']), url: 'https://shop.example/u/' + Math.floor(r() * 3) } } : {},
      });
    const all: StoredEvent[] = [];
    for (let round = 0; round < 4; round++) {
      const batch = Array.from({ length: 700 }, random);
      all.push(...batch);
      await store.appendEvents(batch);
      await catchUpVitals(store, 97); // many chunks, each its own group commit
    }
    const want = (site: string) => all.filter((e) => e.siteId === site).map(sampleOf).filter((s): s is VitalsSample => s !== null).map(key).sort();
    expect(want(siteId).length).toBeGreaterThan(300);
    expect(await read(store, siteId)).toEqual(want(siteId));
    expect(await read(store, other)).toEqual(want(other));
    // Appended after the last read: the next read sees them.
    const late = Array.from({ length: 300 }, random);
    all.push(...late);
    await store.appendEvents(late);
    expect(await read(store, siteId)).toEqual(want(siteId));
    // The time range applies to the event's time.
    const half = { from: T0 + 250_000, to: T0 + 750_000 };
    const inHalf = all
      .filter((e) => e.siteId === siteId && e.timestamp >= half.from && e.timestamp < half.to)
      .map(sampleOf)
      .filter((s): s is VitalsSample => s !== null)
      .map(key)
      .sort();
    expect(await read(store, siteId, half)).toEqual(inHalf);
    // Every event looked at once: one row per sample, the cursor at the last event.
    const n = store.db.prepare('SELECT count(*) FROM vitals_samples').pluck().get();
    expect(n).toBe(all.map(sampleOf).filter(Boolean).length);
    expect(store.db.prepare('SELECT last_event FROM vitals_state').pluck().get()).toBe(store.db.prepare('SELECT max(id) FROM events').pluck().get());
  });

  it('catches up once when reports run concurrently', async () => {
    const siteId = await open();
    const ev = storedEvents({ prefix: 'c', t0: T0, type: 'track', event: 'Web Vitals' });
    await store.appendEvents(Array.from({ length: 500 }, (_, i) => ev(siteId, { properties: { metric: 'LCP', value: i }, context: { page: { path: '/' } } })));
    const [a, b, c] = await Promise.all([read(store, siteId), read(store, siteId), read(store, siteId)]);
    expect(a).toHaveLength(500);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('loses a sample with its event: erasure, retention, a plain DELETE', async () => {
    const siteId = await open();
    const ev = storedEvents({ prefix: 'd', t0: T0, type: 'track', event: 'Web Vitals' });
    const v = (anonymousId: string, value: number, timestamp: number) => ev(siteId, { anonymousId, timestamp, properties: { metric: 'LCP', value }, context: { page: { path: '/' } } });
    const now = Date.now();
    const old = now - 40 * 86_400_000;
    await store.appendEvents([v('a-erase', 1, now - 1000), v('a-keep', 2, now - 1000), v('a-keep', 3, old), v('a-keep', 4, now - 500)]);
    const range = { from: old - 1, to: now };
    expect(await read(store, siteId, range)).toEqual(['/|LCP|1|null', '/|LCP|2|null', '/|LCP|3|null', '/|LCP|4|null']);
    await store.erasePerson(siteId, { kind: 'anon', value: 'a-erase' });
    await store.runRetention(siteId, { now, retentionDays: 30 });
    expect(await read(store, siteId, range)).toEqual(['/|LCP|2|null', '/|LCP|4|null']);
    await store.commit((db) => db.prepare("DELETE FROM events WHERE event = 'Web Vitals' AND properties ->> '$.value' = 4").run());
    expect(await read(store, siteId, range)).toEqual(['/|LCP|2|null']);
    expect(store.db.prepare('SELECT count(*) FROM vitals_samples').pluck().get()).toBe(1);
  });
});
