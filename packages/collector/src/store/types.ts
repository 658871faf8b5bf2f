import type { CoreStore } from './core';
import type { DashboardStore } from './dashboard';

export type * from './core';

/**
 * Everything the collector core needs from storage. The core depends on this interface
 * only and never imports a driver: SQLite (`store/sqlite`, Node) is the embedded default;
 * PostgreSQL and Cloudflare D1 implement the same interface.
 *
 * Each domain owns its part of the interface in its own file and is intersected here.
 */
export type Store = CoreStore & DashboardStore;
