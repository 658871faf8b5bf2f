// Node entry (`@omnitrail/collector/node`): the SQLite store and the HTTP server. Only
// re-exports, like hono's per-runtime adapters; the edge-safe core is `@omnitrail/collector`.
export { startServer, type StartServerOptions, type RunningServer } from './server';
export { clientIpResolver, type TrustProxy } from './client-ip';
export { publicOnlyFetch, publicOnlyLookup } from './public-fetch';
export { openSqliteStore, keyHash, BloomFilter, type SqliteStore, type SqliteStoreOptions } from '../store/sqlite/index';
export { sqliteDriver, sqliteDriverId, type SqliteDriverId } from '../store/sqlite/driver';
export { identityDeriver, recordIdentifierSet, restitchComponent } from '../store/sqlite/identity';
