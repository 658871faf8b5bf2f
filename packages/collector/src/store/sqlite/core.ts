import { sitesChanged, sitesVersion } from './site-version';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AppendResult, CoreStore, CreatedSite, Site, StoredEvent } from '../core';
import type { Db } from './db';
import { keyHash } from './hash';
import { deriveIsolated, type SqliteContext } from './context';
import { createDedup, filterKey, type Dedup } from './dedup';
import { eventKeys, keyedParams, keyedWhere } from './event-keys';
import { writeProbe } from './write-probe';

/** A row of the `events` table as better-sqlite3 returns it. */
export interface EventRow {
  id: number;
  site_id: string;
  message_id: string;
  type: string;
  event: string | null;
  anonymous_id: string | null;
  user_id: string | null;
  ts: number;
  received_at: number;
  original_timestamp: string | null;
  sent_at: string | null;
  consent: string | null;
  bot: number;
  ua_browser: string | null;
  ua_os: string | null;
  ua_device: string | null;
  country: string | null;
  context: string;
  properties: string;
  traits: string;
}

/** Columns to select for {@link rowToEvent}. */
export const EVENT_COLUMNS =
  'id, site_id, message_id, type, event, anonymous_id, user_id, ts, received_at, original_timestamp, sent_at, consent, bot, ua_browser, ua_os, ua_device, country, context, properties, traits';

/**
 * Maps an `events` row back to the {@link StoredEvent} ingest appended.
 *
 * @example
 * const rows = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE site_id = ? ORDER BY ts`).all(siteId);
 * const events = rows.map(rowToEvent);
 */
export function rowToEvent(r: EventRow): StoredEvent {
  return {
    siteId: r.site_id,
    messageId: r.message_id,
    type: r.type as StoredEvent['type'],
    event: r.event,
    anonymousId: r.anonymous_id,
    userId: r.user_id,
    timestamp: r.ts,
    originalTimestamp: r.original_timestamp,
    receivedAt: r.received_at,
    sentAt: r.sent_at,
    consent: r.consent as StoredEvent['consent'],
    bot: r.bot === 1,
    ua: r.ua_device === null ? null : { browser: r.ua_browser, os: r.ua_os, device: r.ua_device },
    country: r.country,
    context: JSON.parse(r.context),
    properties: JSON.parse(r.properties),
    traits: JSON.parse(r.traits),
  };
}

/**
 * Events of one anonymous or user id, oldest first, through the event key lookups
 * (`event-keys.ts`: one seek per sealed 65 536-event generation, ~80 at 5 M events, plus the
 * newest generation in memory). Write your own per-person queries the same way:
 * `WHERE ${keyedWhere('anonymousId')}` with `keyedParams(db, siteId, anonymousId)`. Reports
 * over many people scan `events_site_ts` instead.
 *
 * @example
 * eventsOfId(db, site.id, 'anonymousId', 'a-123').map(rowToEvent);
 */
export function eventsOfId(db: Db, siteId: string, field: 'anonymousId' | 'userId', value: string): EventRow[] {
  return db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE ${keyedWhere(field)} ORDER BY ts, id`).all(...keyedParams(db, siteId, value)) as EventRow[];
}

/** SHA-256 hex of a secret key: what the `sites` table stores. */
export function hashSecret(secretKey: string): string {
  return createHash('sha256').update(secretKey).digest('hex');
}

function randomKey(prefix: string, bytes: number): string {
  return prefix + randomBytes(bytes).toString('base64url');
}

interface SiteRow {
  id: string;
  name: string;
  origins: string;
  write_key: string;
  secret_hash: string;
  settings: string;
  created_at: number;
}

function rowToSite(r: SiteRow): Site {
  return {
    id: r.id,
    name: r.name,
    origins: JSON.parse(r.origins),
    writeKey: r.write_key,
    createdAt: r.created_at,
    settings: JSON.parse(r.settings),
  };
}

/** What one append call wrote: per-event results, the largest row id, the new (row id, event) pairs. */
interface AppendPass {
  out: AppendResult[];
  maxId: number;
  fresh: [number, StoredEvent][];
}

/** A deriver threw during the optimistic pass of `appendSync`. */
class DeriverFailure extends Error {
  constructor(readonly inner: unknown) {
    super('deriver failed');
  }
}

/** How long a write-key lookup may be served from memory at most; changes to sites or keys drop it sooner (`site-version.ts`). */
const SITE_CACHE_MS = 5_000;

/**
 * The SQLite implementation of {@link CoreStore} (sites, keys, the event log).
 *
 * @example
 * const store = { ...coreStore(ctx) };
 * const { site, secretKey } = await store.createSite({ name: 'Shop', origins: ['https://shop.example'] });
 */
export function coreStore(ctx: SqliteContext): Omit<CoreStore, 'migrate' | 'close'> & { saveDedupSnapshot(): void; warmUp(onRescan?: (events: number) => void): void; dedupStats(): ReturnType<Dedup['stats']> } {
  const { db } = ctx;
  const q = {
    insert: db.prepare(
      `INSERT INTO events (site_id, mid_hash, message_id, type, event, anonymous_id, user_id, anon_hash, user_hash,
        ts, received_at, original_timestamp, sent_at, consent, bot, ua_browser, ua_os, ua_device, country,
        context, properties, traits)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    siteByWriteKey: db.prepare('SELECT * FROM sites WHERE write_key = ?'),
    siteBySecret: db.prepare('SELECT * FROM sites WHERE secret_hash = ?'),
    site: db.prepare('SELECT * FROM sites WHERE id = ?'),
    sites: db.prepare('SELECT * FROM sites ORDER BY created_at, id'),
    count: db.prepare('SELECT count(*) FROM events WHERE site_id = ?').pluck(),
    // One descent of events_site_ts (SQLite's min/max optimisation), whatever the log's size.
    latest: db.prepare('SELECT max(ts) FROM events WHERE site_id = ?').pluck(),
    fast: db.prepare('SAVEPOINT append_fast'),
    fastRelease: db.prepare('RELEASE append_fast'),
    fastRollback: db.prepare('ROLLBACK TO append_fast'),
  };
  const writeKeyCache = new Map<string, { site: Site; at: number; version: number }>();
  const dedup = createDedup(db);
  const keys = eventKeys(db);
  let sealing = false;

  /**
   * Seals a completed generation's keys into `event_keys`, one chunk per committer op, each
   * sharing a transaction with whatever ingest is queued: a few ms of work at a time.
   */
  function seal(): void {
    sealing = true;
    ctx
      .commit(() => keys.sealStep(), 1)
      .then(
        (after) => {
          after?.();
          if (after && keys.sealDue()) seal();
          else sealing = false;
        },
        // Closing, or the transaction failed: the next append retries (the state is in the database).
        () => (sealing = false),
      );
  }

  /** Runs inside the shared transaction: dedup, insert, derivers. */
  /**
   * Runs inside the shared transaction: dedup, insert, derivers. Optimistic: derivers run
   * without savepoints of their own (6 fewer statements per event with 3 derivers, ~10 % of
   * the insert cost); if one throws, the whole call is rolled back to `append_fast` and
   * replayed with every deriver isolated, so the events are still stored and the failure
   * reported.
   */
  function appendSync(events: StoredEvent[]): AppendPass {
    if (ctx.derivers.length === 0) return appendPass(events, false);
    q.fast.run();
    try {
      const r = appendPass(events, false);
      q.fastRelease.run();
      return r;
    } catch (err) {
      q.fastRollback.run();
      q.fastRelease.run();
      if (!(err instanceof DeriverFailure)) throw err;
      return appendPass(events, true);
    }
  }

  function appendPass(events: StoredEvent[], isolate: boolean): AppendPass {
    const out: AppendResult[] = new Array(events.length);
    const fresh: [number, StoredEvent][] = [];
    let maxId = 0;
    dedup.sync();
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      const mid = keyHash(e.siteId, e.messageId);
      const fk = filterKey(e.siteId, e.messageId);
      if (dedup.isDuplicate(e.siteId, e.messageId, mid, fk)) {
        out[i] = 'duplicate';
        continue;
      }
      const anon = e.anonymousId == null ? null : keyHash(e.siteId, e.anonymousId);
      const user = e.userId == null ? null : keyHash(e.siteId, e.userId);
      const info = q.insert.run(
        e.siteId,
        mid,
        e.messageId,
        e.type,
        e.event,
        e.anonymousId,
        e.userId,
        anon,
        user,
        e.timestamp,
        e.receivedAt,
        e.originalTimestamp,
        e.sentAt,
        e.consent,
        e.bot ? 1 : 0,
        e.ua?.browser ?? null,
        e.ua?.os ?? null,
        e.ua?.device ?? null,
        e.country,
        JSON.stringify(e.context ?? {}),
        JSON.stringify(e.properties ?? {}),
        JSON.stringify(e.traits ?? {}),
      );
      out[i] = 'inserted';
      const rowid = Number(info.lastInsertRowid);
      dedup.inserted(rowid, mid, anon, user, fk);
      maxId = rowid;
      fresh.push([rowid, e]);
      if (!isolate) {
        for (const derive of ctx.derivers) {
          try {
            derive(db, e, rowid);
          } catch (err) {
            throw new DeriverFailure(err);
          }
        }
        continue;
      }
      // A bug in one derived table must not lose the event (the client would retry a poison
      // batch forever): each deriver in its own savepoint, the failure reported.
      deriveIsolated(db, ctx.derivers, e, rowid, ctx.onDeriverError);
    }
    return { out, maxId, fresh };
  }

  return {
    ping: writeProbe(ctx),

    async createSite(input): Promise<CreatedSite> {
      const site: Site = {
        id: randomKey('st_', 9),
        name: input.name,
        origins: [...input.origins],
        writeKey: randomKey('wk_', 18),
        createdAt: Date.now(),
        settings: input.settings ?? {},
      };
      const secretKey = randomKey('sk_', 32);
      await ctx.commit((d) => {
        d.prepare(
          'INSERT INTO sites (id, name, origins, write_key, secret_hash, settings, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ).run(site.id, site.name, JSON.stringify(site.origins), site.writeKey, hashSecret(secretKey), JSON.stringify(site.settings), site.createdAt);
        // A key looked up before (unknown, cached as such for a moment) works at once.
        sitesChanged(d);
      });
      return { site, secretKey };
    },

    async listSites() {
      return (q.sites.all() as SiteRow[]).map(rowToSite);
    },

    async getSite(id) {
      const r = q.site.get(id) as SiteRow | undefined;
      return r ? rowToSite(r) : null;
    },

    async siteByWriteKey(writeKey) {
      const hit = writeKeyCache.get(writeKey);
      const now = Date.now();
      const version = sitesVersion(db, now);
      if (hit && now - hit.at < SITE_CACHE_MS && hit.version === version) return hit.site;
      const r = q.siteByWriteKey.get(writeKey) as SiteRow | undefined;
      if (!r) {
        writeKeyCache.delete(writeKey);
        return null;
      }
      const site = rowToSite(r);
      if (writeKeyCache.size > 10_000) writeKeyCache.clear();
      writeKeyCache.set(writeKey, { site, at: now, version });
      return site;
    },

    async siteBySecretKey(secretKey) {
      const h = hashSecret(secretKey);
      const r = q.siteBySecret.get(h) as SiteRow | undefined;
      if (!r) return null;
      // The index lookup found an equal hash; compare again in constant time so the check
      // does not depend on how SQLite compares strings.
      const a = Buffer.from(r.secret_hash, 'hex');
      const b = Buffer.from(h, 'hex');
      return a.length === b.length && timingSafeEqual(a, b) ? rowToSite(r) : null;
    },

    sitesVersion() {
      return sitesVersion(db);
    },

    async updateSiteSettings(siteId, settings) {
      await ctx.commit((d) => {
        const info = d.prepare('UPDATE sites SET settings = ? WHERE id = ?').run(JSON.stringify(settings), siteId);
        if (info.changes === 0) throw new Error(`unknown site ${siteId}`);
        sitesChanged(d);
      });
      for (const [k, v] of writeKeyCache) if (v.site.id === siteId) writeKeyCache.delete(k);
    },

    async updateSiteOrigins(siteId, origins) {
      await ctx.commit((d) => {
        const info = d.prepare('UPDATE sites SET origins = ? WHERE id = ?').run(JSON.stringify(origins), siteId);
        if (info.changes === 0) throw new Error(`unknown site ${siteId}`);
        // A collector on this file drops its cached site (and its old origins) within 0.25 s.
        sitesChanged(d);
      });
      for (const [k, v] of writeKeyCache) if (v.site.id === siteId) writeKeyCache.delete(k);
    },

    appendEvents(events) {
      if (events.length === 0) return Promise.resolve([]);
      return ctx.commit(() => appendSync(events), events.length).then(({ out, maxId, fresh }) => {
        dedup.committed(maxId);
        ctx.appended(fresh);
        if (!sealing && keys.sealDue()) seal();
        return out;
      });
    },

    /** Persists the dedup filter (called by close()). */
    saveDedupSnapshot() {
      dedup.save();
    },

    /** Builds the dedup filter now (a server calls this at start; otherwise the first append does). */
    warmUp(onRescan) {
      dedup.warmUp(onRescan);
    },

    /** Dedup filter statistics (metrics). */
    dedupStats() {
      return dedup.stats();
    },

    async countEvents(siteId) {
      return q.count.get(siteId) as number;
    },

    async latestEventAt(siteId) {
      return (q.latest.get(siteId) as number | null) ?? null;
    },
  };
}
