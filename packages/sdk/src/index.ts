/**
 * Omnitrail browser SDK: persistent visitor IDs, sessions, campaign capture and a queue that
 * deletes an event only after the collector acknowledged it. Tree-shakable named exports, an
 * explicit tracker instance, no module-level singleton.
 *
 * @example
 * import { createTracker, sessions, trackPageviews } from '@omnitrail/sdk';
 * const ot = createTracker({ writeKey: 'wk_123', endpoint: 'https://t.shop.com', plugins: [sessions()] });
 * trackPageviews(ot);
 * ot.order({ order_id: 'A-1001', revenue: 59.9, currency: 'EUR' });
 */
export { createTracker } from './tracker';
export { trackPageviews } from './pageviews';
export { sessions } from './sessions';
export { keepalive } from './keepalive';
export { idRefresh } from './id-refresh';
export { scanToken } from './scan-token';
export { handoffCode } from './handoff';
export { memoryQueue } from './memory-queue';
export { uuidv7 } from './uuid';
export type {
  ConsentState,
  Core,
  EventOptions,
  HandoffResponse,
  OrderCompletedProperties,
  Plugin,
  Queue,
  QueueCaps,
  QueueFactory,
  Tracker,
  TrackerOptions,
  WireEvent,
} from './types';
