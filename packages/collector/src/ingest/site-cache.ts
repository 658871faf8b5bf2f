import type { Site, Store } from '../store/types';
import { originAllowed } from './cors';

/** Options of {@link createSiteCache}. */
export interface SiteCacheOptions {
  /** How long a known key is served from memory (ms). Default 10 000. */
  ttlMs?: number;
  /** How long an unknown key is remembered as unknown (ms). Default 2 000. */
  negativeTtlMs?: number;
  /** Entries kept at most; the cache is cleared when exceeded (a flood of random keys cannot grow memory). Default 10 000. */
  maxEntries?: number;
  now?: () => number;
}

/** Write-key → site lookups, cached briefly. */
export interface SiteCache {
  byWriteKey(writeKey: string): Promise<Site | null>;
  /** True when at least one site allows `origin` (preflights without a write key). */
  anyAllows(origin: string): Promise<boolean>;
  /** Forget everything (e.g. after a site's origins changed in this process). */
  clear(): void;
}

/**
 * Cache write-key lookups so the ingest hot path costs a Map lookup, not a database query.
 * Concurrent misses for the same key share one query. When the store offers `sitesVersion`
 * (SQLite does), every entry is dropped as soon as it changes: a key rotated or revoked or a
 * site removed through this process stops working at once, and through another process on the
 * same database file (the CLI) within 250 ms (`store/sqlite/site-version.ts`). The TTL (10 s by
 * default) bounds staleness for stores without it, without any invalidation protocol between
 * collector instances.
 *
 * @example
 * const sites = createSiteCache(store);
 * const site = await sites.byWriteKey('wk_…'); // Site | null
 */
export function createSiteCache(store: Store, opts: SiteCacheOptions = {}): SiteCache {
  const ttl = opts.ttlMs ?? 10_000;
  const negTtl = opts.negativeTtlMs ?? 2_000;
  const max = opts.maxEntries ?? 10_000;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, { site: Site | null; until: number }>();
  const pending = new Map<string, Promise<Site | null>>();
  let all: { sites: Site[]; until: number } | null = null;
  let seen = store.sitesVersion?.();

  /** Drops every entry when the store says sites or keys changed since they were read. */
  function checkVersion(): void {
    if (!store.sitesVersion) return;
    const v = store.sitesVersion();
    if (v !== seen) {
      seen = v;
      entries.clear();
      all = null;
    }
  }

  async function load(key: string): Promise<Site | null> {
    try {
      const version = seen;
      const site = await store.siteByWriteKey(key);
      checkVersion();
      // Read before a change that landed meanwhile: answer it, but do not keep it.
      if (version !== seen) return site;
      if (entries.size >= max) entries.clear();
      entries.set(key, { site, until: now() + (site ? ttl : negTtl) });
      return site;
    } finally {
      pending.delete(key);
    }
  }

  return {
    byWriteKey(key) {
      checkVersion();
      const hit = entries.get(key);
      if (hit && hit.until > now()) return Promise.resolve(hit.site);
      let p = pending.get(key);
      if (!p) {
        p = load(key);
        pending.set(key, p);
      }
      return p;
    },
    async anyAllows(origin) {
      checkVersion();
      if (!all || all.until <= now()) all = { sites: await store.listSites(), until: now() + ttl };
      return all.sites.some((s) => originAllowed(s, origin));
    },
    clear() {
      entries.clear();
      all = null;
    },
  };
}
