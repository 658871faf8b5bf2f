import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StoredEvent } from '../core';
import { openSqliteStore, eventsOfId, rowToEvent, EVENT_COLUMNS, type EventRow, type SqliteStore } from './index';
import { openDb } from './db';
import { keyHash } from './hash';
import { migrations, runMigrations } from './migrations';

const dirs: string[] = [];
const open: SqliteStore[] = [];
function tmpPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'ot-store-'));
  dirs.push(d);
  return join(d, 'test.db');
}
function openStore(path = tmpPath(), opts?: Parameters<typeof openSqliteStore>[1]): SqliteStore {
  const s = openSqliteStore(path, opts);
  open.push(s);
  return s;
}
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function ev(siteId: string, messageId: string, over: Partial<StoredEvent> = {}): StoredEvent {
  return {
    siteId,
    messageId,
    type: 'track',
    event: 'Clicked',
    anonymousId: 'anon-1',
    userId: null,
    timestamp: 1_700_000_000_000,
    originalTimestamp: '2023-11-14T22:13:20.000Z',
    receivedAt: 1_700_000_000_500,
    sentAt: null,
    consent: 'granted',
    bot: false,
    ua: { browser: 'Chrome', os: 'Linux', device: 'desktop' },
    country: null,
    context: { page: { url: 'https://shop.example/' } },
    properties: { n: 1 },
    traits: {},
    ...over,
  };
}

describe('openSqliteStore: sites and keys', () => {
  it('creates sites with crypto-random prefixed keys and stores only the secret hash', async () => {
    const s = openStore();
    const a = await s.createSite({ name: 'Shop', origins: ['https://shop.example'] });
    const b = await s.createSite({ name: 'Other', origins: ['*'], settings: { cookieless: true } });
    expect(a.site.writeKey).toMatch(/^wk_[A-Za-z0-9_-]{24}$/);
    expect(a.secretKey).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(a.site.writeKey).not.toBe(b.site.writeKey);
    expect(a.secretKey).not.toBe(b.secretKey);
    const raw = s.db.prepare('SELECT * FROM sites').all() as Record<string, unknown>[];
    expect(JSON.stringify(raw)).not.toContain(a.secretKey);
    expect(raw.find((r) => r.id === a.site.id)!.secret_hash).toMatch(/^[0-9a-f]{64}$/);

    expect((await s.siteByWriteKey(a.site.writeKey))?.id).toBe(a.site.id);
    expect(await s.siteByWriteKey('wk_nope')).toBeNull();
    expect((await s.siteBySecretKey(b.secretKey))?.id).toBe(b.site.id);
    expect(await s.siteBySecretKey(a.site.writeKey)).toBeNull();
    expect(await s.siteBySecretKey('sk_' + 'x'.repeat(43))).toBeNull();
    expect((await s.getSite(b.site.id))?.settings).toEqual({ cookieless: true });
    expect((await s.listSites()).map((x) => x.name)).toEqual(['Shop', 'Other']);

    await s.updateSiteSettings(a.site.id, { retentionDays: 30 });
    expect((await s.siteByWriteKey(a.site.writeKey))?.settings).toEqual({ retentionDays: 30 });
    await expect(s.updateSiteSettings('st_missing', {})).rejects.toThrow(/unknown site/);
    expect(await s.ping()).toBe(true);
  });
});

describe('openSqliteStore: event log', () => {
  it('stores each (site, messageId) once, forever, and round-trips every field', async () => {
    const path = tmpPath();
    let s = openStore(path);
    const { site } = await s.createSite({ name: 'A', origins: ['*'] });
    const { site: other } = await s.createSite({ name: 'B', origins: ['*'] });
    const e1 = ev(site.id, 'm1', { userId: 'u1', sentAt: '2023-11-14T22:13:21.000Z', bot: true, country: 'DE' });
    expect(await s.appendEvents([e1, ev(site.id, 'm2'), ev(site.id, 'm1')])).toEqual(['inserted', 'inserted', 'duplicate']);
    // Same messageId on another site is a different event.
    expect(await s.appendEvents([ev(other.id, 'm1')])).toEqual(['inserted']);
    await s.close();

    s = openStore(path);
    expect(await s.appendEvents([ev(site.id, 'm2'), ev(site.id, 'm3')])).toEqual(['duplicate', 'inserted']);
    expect(await s.countEvents(site.id)).toBe(3);
    expect(await s.countEvents(other.id)).toBe(1);
    const row = s.db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE message_id = 'm1' AND site_id = ?`).get(site.id) as EventRow;
    expect(rowToEvent(row)).toEqual(e1);
    expect(eventsOfId(s.db, site.id, 'userId', 'u1').map((r) => r.message_id)).toEqual(['m1']);
    expect(eventsOfId(s.db, site.id, 'anonymousId', 'anon-1').map((r) => r.message_id).sort()).toEqual(['m1', 'm2', 'm3']);
    expect(eventsOfId(s.db, other.id, 'anonymousId', 'anon-1').map((r) => r.message_id)).toEqual(['m1']);
  });

  it('detects a duplicate whose hash collides only when the text also matches', async () => {
    const s = openStore();
    const { site } = await s.createSite({ name: 'A', origins: ['*'] });
    await s.appendEvents([ev(site.id, 'real')]);
    // Forge a collision: give a different messageId the same mid_hash as the next insert.
    const { keyHash } = await import('./hash');
    s.db.prepare('UPDATE events SET mid_hash = ? WHERE message_id = ?').run(keyHash(site.id, 'victim'), 'real');
    expect(await s.appendEvents([ev(site.id, 'victim')])).toEqual(['inserted']);
    expect(await s.appendEvents([ev(site.id, 'victim')])).toEqual(['duplicate']);
  });

  it('uses the page-cache size it was given and WAL + synchronous=FULL', () => {
    const s = openStore(undefined, { cacheMb: 64, walSync: 'commit' });
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(s.db.pragma('cache_size', { simple: true })).toBe(-64 * 1024);
  });
});

describe('group commit', () => {
  it('puts concurrent writers into one transaction and resolves them after COMMIT', async () => {
    const flushes: number[] = [];
    const s = openStore(undefined, { flushMs: 50, onFlush: (f) => flushes.push(f.ops) });
    const { site } = await s.createSite({ name: 'A', origins: ['*'] });
    flushes.length = 0;
    const before = s.db.prepare('SELECT count(*) FROM events').pluck();
    const calls = Array.from({ length: 10 }, (_, i) => s.appendEvents([ev(site.id, `c${i}`)]));
    // Nothing is visible before the flush: the callers are still waiting.
    expect(before.get()).toBe(0);
    expect(s.db.inTransaction).toBe(false);
    await Promise.all(calls);
    expect(flushes).toEqual([10]);
    expect(before.get()).toBe(10);
  });

  it('flushes early when maxBatch events are queued', async () => {
    const flushes: number[] = [];
    const s = openStore(undefined, { flushMs: 60_000, maxBatch: 5, onFlush: (f) => flushes.push(f.weight) });
    // With a 60 s timer only the size trigger can flush within the test timeout.
    await Promise.all([0, 1].map((i) => s.appendEvents([1, 2, 3].map((j) => ev('st', `b${i}${j}`)))));
    expect(flushes).toEqual([6]);
  }, 10_000);

  it('rolls back a failing write alone; its neighbours commit', async () => {
    const s = openStore(undefined, { flushMs: 20 });
    const t = s.db.prepare('SELECT count(*) FROM events').pluck();
    const ok1 = s.appendEvents([ev('st', 'ok1')]);
    const bad = s.commit((db) => {
      db.prepare("INSERT INTO sites (id, name, origins, write_key, secret_hash, created_at) VALUES ('x','x','[]','w','h',0)").run();
      throw new Error('boom');
    });
    const ok2 = s.appendEvents([ev('st', 'ok2')]);
    await expect(bad).rejects.toThrow('boom');
    expect(await ok1).toEqual(['inserted']);
    expect(await ok2).toEqual(['inserted']);
    expect(t.get()).toBe(2);
    expect(s.db.prepare("SELECT count(*) FROM sites WHERE id = 'x'").pluck().get()).toBe(0);
  });

  it('close() drains queued writes, then refuses new ones', async () => {
    const path = tmpPath();
    const s = openSqliteStore(path, { flushMs: 60_000 });
    const pending = s.appendEvents([ev('st', 'late')]);
    await s.close();
    expect(await pending).toEqual(['inserted']);
    await expect(s.appendEvents([ev('st', 'after')])).rejects.toThrow(/closed/);
    const again = openStore(path);
    expect(await again.countEvents('st')).toBe(1);
  });
});

describe('derivers', () => {
  it('derive once per newly inserted event inside its transaction; a failing deriver keeps the event', async () => {
    const seen: string[] = [];
    const errors: string[] = [];
    const s = openStore(undefined, {
      derivers: [
        (db, e, rowid) => {
          seen.push(`${e.messageId}@${rowid}`);
          expect(db.inTransaction).toBe(true);
          db.prepare('CREATE TABLE IF NOT EXISTS derived (mid TEXT)').run();
          db.prepare('INSERT INTO derived VALUES (?)').run(e.messageId);
        },
        (db, e) => {
          if (e.messageId === 'poison') {
            db.prepare('INSERT INTO derived VALUES (?)').run('half-written');
            throw new Error('deriver bug');
          }
        },
      ],
      onDeriverError: (err, e) => errors.push(`${e.messageId}: ${(err as Error).message}`),
    });
    expect(await s.appendEvents([ev('st', 'a'), ev('st', 'a'), ev('st', 'poison')])).toEqual(['inserted', 'duplicate', 'inserted']);
    expect(await s.appendEvents([ev('st', 'a')])).toEqual(['duplicate']);
    // The optimistic pass ran both events, hit the poison, rolled back and replayed them with
    // each deriver isolated: derived rows exist once, the failure is reported once.
    expect(seen).toEqual(['a@1', 'poison@2', 'a@1', 'poison@2']);
    expect(errors).toEqual(['poison: deriver bug']);
    expect(s.db.prepare('SELECT mid FROM derived ORDER BY rowid').pluck().all()).toEqual(['a', 'poison']);
    // Without failures each deriver runs exactly once per event.
    seen.length = 0;
    expect(await s.appendEvents([ev('st', 'b'), ev('st', 'c')])).toEqual(['inserted', 'inserted']);
    expect(seen).toEqual(['b@3', 'c@4']);
  });
});

describe('close', () => {
  it('on a connection already closed (by its owner or an I/O error): resolves, and nothing of the store runs on afterwards', async () => {
    const path = tmpPath();
    const s = openSqliteStore(path);
    // The first commit starts the checkpoint worker; an unstitched event leaves a pass pending.
    await s.appendEvents([ev('st', 'm1')]);
    s.db.close();
    const errors: unknown[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...a) => void errors.push(a));
    try {
      await expect(s.close()).resolves.toBeUndefined();
      // A checkpoint worker left running or still starting would now fail on the missing file.
      rmSync(dirname(path), { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 300));
      expect(errors).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('migrations', () => {
  it('are applied once and recorded in user_version', async () => {
    const path = tmpPath();
    const s = openStore(path);
    const v = s.db.pragma('user_version', { simple: true }) as number;
    expect(v).toBeGreaterThanOrEqual(1);
    await s.migrate();
    await s.close();
    const again = openStore(path);
    expect(again.db.pragma('user_version', { simple: true })).toBe(v);
    const idx = again.db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' ORDER BY name").all() as { name: string; sql: string }[];
    // Migration 12 moved the hash lookups to event_keys: no index on events takes random inserts,
    // except migration 16's, which only identify events enter (partial indexes, for erasure).
    expect(idx.map((i) => i.name)).toEqual(['events_identify_email', 'events_identify_phone', 'events_site_ts']);
    for (const i of idx.slice(0, 2)) expect(i.sql).toMatch(/WHERE type = 'identify' AND/);
    expect(again.db.prepare("SELECT name FROM sqlite_master WHERE name IN ('event_keys', 'events_keys_delete')").pluck().all().sort()).toEqual([
      'event_keys',
      'events_keys_delete',
    ]);
  });

  it('10 and 11 keep a version-9 graph: links re-keyed by their newer identifier, stitching starts caught up', async () => {
    const path = tmpPath();
    const db = openDb(path);
    runMigrations(db, migrations.filter((m) => m.version <= 9));
    db.exec(`INSERT INTO sites (id, name, origins, write_key, secret_hash, settings, created_at) VALUES ('st', 'S', '[]', 'wk', 'h', '{}', 0);
      INSERT INTO events (site_id, mid_hash, message_id, type, ts, received_at, context, properties, traits) VALUES ('st', 1, 'm1', 'track', 1, 1, '{}', '{}', '{}');
      INSERT INTO identity_ids (id, site_id, kind, value, h, person, comp) VALUES (1, 'st', 'user', 'U1', ${keyHash('st', 'user:U1')}, 1, 1), (2, 'st', 'anon', 'a1', ${keyHash('st', 'anon:a1')}, 1, 1);
      INSERT INTO identity_links (a, b, site_id, key, ts, src_type, src_ref, rule, status, reason) VALUES (1, 2, 'st', 'k', 5, 'event', 'm1', 'anon-user', 'linked', NULL);`);
    db.close();
    const s = openStore(path);
    expect(s.db.prepare('SELECT * FROM identity_links').all()).toEqual([
      { b: 2, a: 1, site_id: 'st', ts: 5, src_type: 'event', src_ref: 'm1', rule: 'anon-user', status: 'linked', reason: null },
    ]);
    expect(s.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'identity_links'").pluck().all().sort()).toEqual([
      'identity_links_a',
      'identity_links_cap_a', // migration 13
      'identity_links_refused',
    ]);
    // The version-9 database was stitched at ingest: nothing to catch up.
    expect(s.db.prepare('SELECT last_event FROM stitch_state').pluck().get()).toBe(1);
    const p = await s.personOf('st', { kind: 'anon', value: 'a1' });
    expect(p?.links).toEqual([
      { a: { kind: 'user', value: 'U1' }, b: { kind: 'anon', value: 'a1' }, source: { type: 'event', ref: 'm1', ts: 5, rule: 'anon-user' }, status: 'linked', reason: null },
    ]);
    await s.close();
  });

  it('21 lets only the webhooks that name a private host reach private networks (those came from the operator)', async () => {
    const path = tmpPath();
    const db = openDb(path);
    runMigrations(db, migrations.filter((m) => m.version <= 20));
    const add = db.prepare("INSERT INTO webhooks (id, site_id, url, secret, events, cursor, created_at) VALUES (?, 'st', ?, 's', '[]', 0, 0)");
    add.run('wh_local', 'http://127.0.0.1:9000/hooks');
    add.run('wh_lan', 'https://crm.internal/hooks');
    add.run('wh_public', 'https://crm.example/hooks');
    db.close();
    const s = openStore(path);
    expect(s.db.prepare('SELECT id, private_ok FROM webhooks ORDER BY id').all()).toEqual([
      { id: 'wh_lan', private_ok: 1 },
      { id: 'wh_local', private_ok: 1 },
      { id: 'wh_public', private_ok: 0 },
    ]);
    await s.close();
  });
});
