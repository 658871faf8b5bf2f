/**
 * Routes of the dashboard's pages (behind the session middleware in `../index.tsx`).
 * One line per page; each page lives in its own module.
 */
import type { Hono } from 'hono';
import type { DashEnv } from '../index';
import { overviewPage } from './overview';
import { attributionPage, explainPage } from './attribution';
import { ropoPage } from './ropo';
import { funnelPage } from './funnel';
import { journeysPage } from './journeys';
import { vitalsPage } from './vitals';
import { csvDownload } from './csv';
import { personLookupPost, personPage } from './person';
import { registerQrPages } from './qr-routes';
import { registerRecordPages } from './record';
import { registerImportPages } from './import';
import { registerSettingsPages } from './settings';
import { registerWebhookPages } from './webhooks';

/**
 * Register every page on the dashboard sub-app.
 *
 * @example
 * registerPages(app); // GET /, /attribution, /ropo, …
 */
export function registerPages(app: Hono<DashEnv>, opts: { publicUrl?: string; webhookPublicFetch?: typeof fetch } = {}): void {
  app.get('/', overviewPage);
  app.get('/attribution', attributionPage);
  app.get('/explain', explainPage);
  app.get('/ropo', ropoPage);
  app.get('/funnel', funnelPage);
  app.get('/journeys', journeysPage);
  app.get('/vitals', vitalsPage);
  app.get('/csv/:name', csvDownload);
  registerQrPages(app, opts);
  app.get('/person', personPage);
  app.post('/person', personLookupPost);
  registerRecordPages(app);
  registerImportPages(app);
  registerSettingsPages(app);
  registerWebhookPages(app, { publicFetch: opts.webhookPublicFetch });
}
