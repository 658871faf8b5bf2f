import { describe, expect, it } from 'vitest';
import { tempDbPath, withCollector, type CollectorFixture } from '../../test-utils/harness';
import { dayStart, nextDay } from '../../reports/zone';
import { formatReport } from '../../reports';
import type { CookielessReport } from '../../reports/cookieless';
import { openSqliteStore } from './index';
import { cookielessViewsDeriver } from './cookieless-views';

const TZ = 'Asia/Kolkata'; // UTC+05:30: local midnight is 18:30 UTC
const UA1 = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36';
const UA2 = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15';
const BOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const MIN = 60_000;

/** Local day D (three days ago in TZ) and the day before it. */
function days() {
  const d = new Date(Date.now() - 3 * 86_400_000 + 5.5 * 3_600_000).toISOString().slice(0, 10);
  return { prev: nextDay(d, -1), d, midnight: dayStart(d, TZ) };
}

let n = 0;
const cookielessPage = (ts: number, path: string) => ({
  type: 'page',
  messageId: `ck-${++n}`,
  timestamp: new Date(ts).toISOString(),
  context: { omnitrail: { v: 1, consent: 'denied', cookieless: true }, page: { path, url: `https://shop.example${path}` } },
});

async function post(fx: CollectorFixture, ua: string, batch: unknown[]) {
  const res = await fx.post('/v1/batch', { batch }, { headers: { 'user-agent': ua, origin: 'https://shop.example' } });
  expect(await res.json()).toMatchObject({ accepted: batch.length, rejected: [] });
}

/** Visitor 1: 23:50 on the previous local day, 00:10 and 10:00 on D; visitor 2: 10:00 on D; a bot; a consented page view. */
async function seed(fx: CollectorFixture) {
  const { midnight } = days();
  await fx.store.updateSiteSettings(fx.site.id, { ...fx.site.settings, cookieless: true, timezone: TZ });
  await post(fx, UA1, [cookielessPage(midnight - 10 * MIN, '/'), cookielessPage(midnight + 10 * MIN, '/'), cookielessPage(midnight + 600 * MIN, '/shoes')]);
  await post(fx, UA2, [cookielessPage(midnight + 600 * MIN, '/')]);
  await post(fx, BOT, [cookielessPage(midnight + 600 * MIN, '/')]);
  await post(fx, UA1, [{ type: 'page', messageId: 'granted-1', anonymousId: 'a-1', timestamp: new Date(midnight + 60 * MIN).toISOString(), context: { omnitrail: { v: 1, consent: 'granted' }, page: { path: '/' } } }]);
}

async function report(fx: CollectorFixture, from: string, to: string): Promise<CookielessReport> {
  const res = await fx.get(`/v1/reports/cookieless?from=${from}&to=${to}`);
  expect(res.status).toBe(200);
  return (await res.json()) as CookielessReport;
}

describe('cookieless_views: cookieless page views and daily visitors', () => {
  it("counts page views and daily visitors per day of the site's +05:30 zone across local midnight, through the real ingest path; bots and consented views are not counted", async () => {
    await withCollector(async (fx) => {
      await seed(fx);
      const { prev, d, midnight } = days();
      const r = await report(fx, prev, d);
      expect(r).toMatchObject({ report: 'cookieless', timeZone: TZ, from: new Date(dayStart(prev, TZ)).toISOString(), to: new Date(dayStart(nextDay(d), TZ)).toISOString() });
      // Visitor 1 is one hash all along, but a visitor of each day it was seen: daily visitors are summed.
      expect(r.days).toEqual([{ day: prev, pageViews: 1, visitors: 1 }, { day: d, pageViews: 3, visitors: 2 }]);
      expect(r.totals).toEqual({ pageViews: 4, dailyVisitors: 3 });
      expect(r.paths).toEqual([{ path: '/', pageViews: 3 }, { path: '/shoes', pageViews: 1 }]);
      // An ISO range cut at local midnight + 5 min: the first day is partial.
      const cut = await fx.get(`/v1/reports/cookieless?from=${new Date(midnight + 5 * MIN).toISOString()}&to=${new Date(midnight + 11 * 60 * MIN).toISOString()}`);
      expect(((await cut.json()) as CookielessReport).days).toEqual([{ day: d, pageViews: 3, visitors: 2 }]);
      expect(formatReport(r)).toContain(`Cookieless (no consent), ${prev} – ${d} · 4 page views · 3 daily visitors`);
      // Only the cookieless events have rows; the events table holds all six.
      expect(fx.store.db.prepare('SELECT count(*) FROM cookieless_views').pluck().get()).toBe(4);
      expect(fx.store.db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(6);
    }, { siteCacheMs: 0 });
  });

  it('retention deletes the rows with their events', async () => {
    await withCollector(async (fx) => {
      await seed(fx);
      const { prev, d, midnight } = days();
      // Keep 1 day, as seen from local midnight after D: the cutoff is D's midnight, so only the view before it goes.
      const res = await fx.store.runRetention(fx.site.id, { retentionDays: 1, now: midnight + 86_400_000 });
      expect(res.deleted).toBe(1);
      expect((await report(fx, prev, d)).days).toEqual([{ day: prev, pageViews: 0, visitors: 0 }, { day: d, pageViews: 3, visitors: 2 }]);
      expect(fx.store.db.prepare('SELECT count(*) FROM cookieless_views').pluck().get()).toBe(3);
      await fx.store.runRetention(fx.site.id, { retentionDays: 1, now: Date.now() + 86_400_000 });
      expect(fx.store.db.prepare('SELECT count(*) FROM cookieless_views').pluck().get()).toBe(0);
    }, { siteCacheMs: 0 });
  });

  it('migration 20 fills the table from cookieless page views stored before it existed', async () => {
    let path = '';
    let site = '';
    await withCollector(async (fx) => {
      await seed(fx);
      path = fx.dbPath;
      site = fx.site.id;
      // Back to a version-19 database: no table, no trigger, the events stay.
      fx.store.db.exec('DROP TRIGGER events_cookieless_delete; DROP TABLE cookieless_views; PRAGMA user_version = 19');
      const copy = tempDbPath();
      await fx.store.db.backup(copy);
      path = copy;
    }, { siteCacheMs: 0 });
    const store = openSqliteStore(path);
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(20);
      const { prev, d } = days();
      const rows = store.db.prepare('SELECT ts, visitor, path FROM cookieless_views WHERE site_id = ? ORDER BY ts').all(site) as { visitor: string; path: string }[];
      expect(rows.map((r) => r.path)).toEqual(['/', '/', '/shoes', '/']);
      expect(new Set(rows.map((r) => r.visitor)).size).toBe(2);
      const c = await store.cookieless!(site, [[dayStart(prev, TZ), dayStart(d, TZ)], [dayStart(d, TZ), dayStart(nextDay(d), TZ)]], 5);
      expect(c.days).toEqual([{ pageViews: 1, visitors: 1 }, { pageViews: 3, visitors: 2 }]);
      // The trigger is back too: deleting an event deletes its row.
      store.db.prepare("DELETE FROM events WHERE type = 'page' AND consent = 'denied'").run();
      expect(store.db.prepare('SELECT count(*) FROM cookieless_views').pluck().get()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('the deriver writes nothing for other events (a ck_ ID without the cookieless marker, consented views)', () => {
    const writes: unknown[] = [];
    const db = { prepare: () => ({ run: (...a: unknown[]) => writes.push(a) }) } as never;
    const base = { siteId: 's', messageId: 'm', event: null, userId: null, timestamp: 1, originalTimestamp: null, receivedAt: 1, sentAt: null, bot: false, ua: null, country: null, properties: {}, traits: {} };
    cookielessViewsDeriver(db, { ...base, type: 'page', consent: 'granted', anonymousId: 'ck_1', context: { omnitrail: { cookieless: true } } }, 1);
    cookielessViewsDeriver(db, { ...base, type: 'page', consent: 'denied', anonymousId: 'ck_1', context: {} }, 2);
    cookielessViewsDeriver(db, { ...base, type: 'track', consent: 'denied', anonymousId: 'ck_1', context: { omnitrail: { cookieless: true } } }, 3);
    expect(writes).toEqual([]);
    cookielessViewsDeriver(db, { ...base, type: 'page', consent: 'denied', anonymousId: 'ck_ab', context: { omnitrail: { cookieless: true }, page: { url: 'https://x.example/p?q=1' } } }, 4);
    expect(writes).toEqual([['s', 1, 4, 'ab', '/p']]);
  });
});
