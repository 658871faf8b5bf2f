import type { CoreStore } from './core';
import type { OrdersStore } from './orders';
import type { QrStore } from './qr';
import type { DashboardStore } from './dashboard';
import type { IdentityStore } from './identity';
import type { KeyStore } from './keys';
import type { PrivacyStore } from './privacy';
import type { ReportsStore } from './reports';
import type { WebhookStore } from './webhooks';

export type * from './core';

/**
 * Everything the collector core needs from storage. The core depends on this interface
 * only and never imports a driver. SQLite (`store/sqlite`, Node) is the one implementation so
 * far; the interface is async throughout so that PostgreSQL or Cloudflare D1 can implement it.
 *
 * Each domain owns its part of the interface in its own file and is intersected here.
 */
export type Store = CoreStore & DashboardStore & QrStore & IdentityStore & KeyStore & PrivacyStore & OrdersStore & ReportsStore & WebhookStore;
