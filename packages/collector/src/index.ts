// Edge-safe public entry: Web APIs only. No `node:*` module and no database driver may be
// imported from here (src/edge-bundle.test.ts bundles this file and proves it).
export { createCollector, type CollectorOptions, type CollectorDeps } from './app';
export { requireSecretKey, resolveWriteKey, writeKeyOf, type AppEnv } from './routes/auth';
export { createMetrics, renderMetrics, type Metrics } from './ingest/metrics';
export { LIMITS } from './ingest/limits';
export type { RateSpec } from './ingest/rate-limit';
export type * from './store/types';
export { WEBHOOK_EVENT_TYPES } from './store/webhooks';
export type * from './store/webhooks';
export { startWebhookDeliverer, webhookBackoff, type WebhookDelivererOptions } from './webhooks/deliverer';
