import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index';
import type { StoredEvent } from '../store/types';
import { tempDbPath } from '../test-utils/harness';
import { startRetentionJob } from './retention-job';
import { main } from '../cli/main';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 26);

/** An event `ageDays` before `now` (the scheduled job reads the real clock: pass `Date.now()`). */
function ev(siteId: string, i: number, ageDays: number, now = NOW): StoredEvent {
  return {
    siteId,
    messageId: `m-${i}`,
    type: 'track',
    event: 'Product Viewed',
    anonymousId: `a-${i % 7}`,
    userId: null,
    timestamp: now - ageDays * DAY,
    originalTimestamp: null,
    receivedAt: now - ageDays * DAY,
    sentAt: null,
    consent: 'granted',
    bot: false,
    ua: null,
    country: null,
    // Each event starts a session: a journey touch, whose identity ref and stored touch retention must delete too.
    context: { omnitrail: { sessionStart: true } },
    properties: {},
    traits: {},
  };
}

let store: SqliteStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe('retention', () => {
  it('deletes exactly the events older than the site retention, in batches, and keeps orders', async () => {
    store = openSqliteStore(tempDbPath());
    const { site } = await store.createSite({ name: 'Shop', origins: ['*'], settings: { retentionDays: 396 } });
    const other = await store.createSite({ name: 'Other', origins: ['*'] });
    // 25 events: ages 0..960 days in steps of 40 → ages ≥ 400 are past 396 days (15 of them).
    const events = Array.from({ length: 25 }, (_, i) => ev(site.id, i, i * 40));
    await store.appendEvents(events);
    await store.appendEvents([ev(other.site.id, 99, 500)]);
    await store.db.prepare(
      `INSERT INTO orders (site_id, order_id, channel, ts, revenue, status, sources, created_at, updated_at) VALUES (?, 'O-old', 'store', ?, 10, 'completed', '["server"]', ?, ?)`,
    ).run(site.id, NOW - 900 * DAY, NOW, NOW);

    await store.stitched();
    const refs = () => store!.db.prepare('SELECT count(*) FROM identity_refs').pluck().get();
    expect(refs()).toBe(26);
    const r = await store.runRetention(site.id, { now: NOW, batchSize: 4 });
    expect(r.deleted).toBe(15); // ages 400, 440, …, 960 (i = 10..24) are older than 396 days
    expect(r.batches).toBe(4); // 4 + 4 + 4 + 3
    expect(r.cutoff).toBe(NOW - 396 * DAY);
    const left = store.db.prepare('SELECT message_id FROM events WHERE site_id = ? ORDER BY ts DESC').pluck().all(site.id);
    expect(left).toEqual(Array.from({ length: 10 }, (_, i) => `m-${i}`));
    // Other sites follow their own setting (default 760 days); orders are bookkeeping and stay.
    expect(await store.countEvents(other.site.id)).toBe(1);
    expect(store.db.prepare('SELECT count(*) FROM orders').pluck().get()).toBe(1);
    // The deleted events' touches went with them: their identity refs and stored touch fields.
    expect(refs()).toBe(11);
    expect(store.db.prepare('SELECT count(*) FROM identity_refs r LEFT JOIN events e ON e.id = r.event_id WHERE e.id IS NULL').pluck().get()).toBe(0);
    expect(store.db.prepare('SELECT count(*) FROM touch_fields').pluck().get()).toBe(11);
    // A second pass finds nothing.
    expect((await store.runRetention(site.id, { now: NOW })).deleted).toBe(0);
  });

  it('removes handoff codes expired for more than 30 days, keeps the rest', async () => {
    store = openSqliteStore(tempDbPath());
    const { site } = await store.createSite({ name: 'Shop', origins: ['*'] });
    const ins = store.db.prepare('INSERT INTO handoff_codes (site_id, code, anonymous_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)');
    ins.run(site.id, 'OLD001', 'a-1', NOW - 60 * DAY, NOW - 31 * DAY);
    ins.run(site.id, 'LATE01', 'a-2', NOW - 40 * DAY, NOW - 29 * DAY);
    ins.run(site.id, 'LIVE01', 'a-3', NOW - DAY, NOW + 13 * DAY);
    const r = await store.runRetention(site.id, { now: NOW });
    expect(r.handoffCodes).toBe(1);
    expect(store.db.prepare('SELECT code FROM handoff_codes ORDER BY code').pluck().all()).toEqual(['LATE01', 'LIVE01']);
  });

  it('the scheduled job runs every site and stops cleanly', async () => {
    store = openSqliteStore(tempDbPath());
    const { site } = await store.createSite({ name: 'Shop', origins: ['*'], settings: { retentionDays: 1 } });
    await store.appendEvents([ev(site.id, 1, 5, Date.now()), ev(site.id, 2, 0, Date.now())]);
    const runs: { siteId: string; deleted: number }[] = [];
    let stop!: () => Promise<void>;
    await new Promise<void>((resolve) => {
      stop = startRetentionJob(store!, { firstRunMs: 1, intervalMs: 60_000, onRun: (r) => (runs.push(r), resolve()) });
    });
    await stop();
    expect(runs).toEqual([{ siteId: site.id, deleted: 1 }]);
    expect(await store.countEvents(site.id)).toBe(1);
  });
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('privacy CLI', () => {
  it('retention set/run, keys rotate/list/revoke, export and erase by e-mail', async () => {
    const db = tempDbPath();
    store = openSqliteStore(db);
    const { site, secretKey } = await store.createSite({ name: 'Shop', origins: ['*'] });
    await store.appendEvents([
      { ...ev(site.id, 1, 0), anonymousId: 'anon-1', userId: 'C-1' },
      { ...ev(site.id, 2, 900), anonymousId: 'anon-2' },
    ]);
    await store.close();
    store = undefined;

    let c = capture();
    expect(await main(['retention', 'set', '--days', '400', '--db', db], c.io)).toBe(0);
    c = capture();
    expect(await main(['retention', 'run', '--db', db, '--json'], c.io)).toBe(0);
    expect(JSON.parse(c.out[0])).toMatchObject({ siteId: site.id, deleted: 1 });

    c = capture();
    expect(await main(['keys', 'rotate', '--kind', 'secret', '--overlap', '0', '--db', db, '--json'], c.io)).toBe(0);
    const rotated = JSON.parse(c.out[0]);
    expect(rotated.key).toMatch(/^sk_/);
    c = capture();
    expect(await main(['keys', 'list', '--db', db, '--json'], c.io)).toBe(0);
    expect(c.out[0]).not.toContain(rotated.key);
    expect(c.out[0]).not.toContain(secretKey);
    c = capture();
    expect(await main(['keys', 'revoke', '--db', db], c.io)).toBe(0);

    c = capture();
    expect(await main(['export', '--user-id', 'C-1', '--db', db], c.io)).toBe(0);
    expect(JSON.parse(c.out.join('\n')).events).toHaveLength(1);
    c = capture();
    expect(await main(['erase', '--anonymous-id', 'anon-1', '--db', db, '--json'], c.io)).toBe(0);
    expect(JSON.parse(c.out[0])).toMatchObject({ events: 1 });
    c = capture();
    expect(await main(['export', '--user-id', 'C-1', '--db', db], c.io)).toBe(3);
    expect(c.err.join('\n')).toMatch(/nothing is stored/);

    // Bad input: clear errors, non-zero exits.
    c = capture();
    expect(await main(['erase', '--db', db], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/exactly one of/);
    c = capture();
    expect(await main(['erase', '--email', 'nope', '--db', db], c.io)).toBe(2);
    c = capture();
    expect(await main(['keys', 'rotate', '--kind', 'public', '--db', db], c.io)).toBe(2);
    c = capture();
    expect(await main(['retention', 'run', '--days', '-3', '--db', db], c.io)).toBe(2);
  });
});
