import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { bodyLimit } from 'hono/body-limit';
import type { CollectorDeps } from '../app';
import { checkWebhookEvents, checkWebhookUrl } from '../webhooks/options';
import { sendTestMessage } from '../webhooks/body';
import { requireSecretKey, type AppEnv } from './auth';
import { jsonBody } from './json-body';

/**
 * Webhook admin routes (secret key; a site sees only its own webhooks):
 * - `GET /v1/webhooks` → `{ webhooks: WebhookInfo[] }` (delivery state, never secrets)
 * - `POST /v1/webhooks` `{ url, events? }` → 201 `{ webhook, secret }` (the signing secret, shown once)
 * - `DELETE /v1/webhooks/:id` → 204
 * - `POST /v1/webhooks/:id/test` → sends a signed `webhook.test` message now: `{ ok, status, error }`
 * - `POST /v1/webhooks/:id/skip` → gives up on the message at the head of the queue: `{ skipped: seq | null }`
 *
 * Delivery itself runs beside the server (`omnitrail serve`), see `webhooks/deliverer.ts`.
 *
 * @example
 * app.route('/', webhooksRoutes(deps));
 * // curl -H 'authorization: Bearer sk_…' -d '{"url":"https://crm.example/hooks"}' http://localhost:8787/v1/webhooks
 */
export function webhooksRoutes(deps: CollectorDeps): Hono<AppEnv> {
  const { store } = deps;
  const app = new Hono<AppEnv>();
  app.use('/v1/webhooks', requireSecretKey);
  app.use('/v1/webhooks/*', requireSecretKey);
  const small = bodyLimit({
    maxSize: 16 * 1024,
    onError: () => {
      throw new HTTPException(413, { message: 'Request body larger than 16 KB' });
    },
  });

  const webhookOf = async (siteId: string, id: string) => {
    const w = (await store.listWebhooks(siteId)).find((x) => x.id === id);
    if (!w) throw new HTTPException(404, { message: `No webhook ${id} on this site` });
    return w;
  };

  app.get('/v1/webhooks', async (c) => c.json({ webhooks: await store.listWebhooks(c.get('site').id) }));

  app.post('/v1/webhooks', small, async (c) => {
    const body = await jsonBody(c);
    if (typeof body.url !== 'string') throw new HTTPException(400, { message: 'url is required: the https endpoint to POST to' });
    let url: string;
    let events;
    try {
      url = checkWebhookUrl(body.url);
      events = checkWebhookEvents(body.events);
    } catch (e) {
      throw new HTTPException(400, { message: (e as Error).message });
    }
    return c.json(await store.createWebhook(c.get('site').id, { url, events }), 201);
  });

  app.delete('/v1/webhooks/:id', async (c) => {
    if (!(await store.deleteWebhook(c.get('site').id, c.req.param('id')))) {
      throw new HTTPException(404, { message: `No webhook ${c.req.param('id')} on this site` });
    }
    return c.body(null, 204);
  });

  app.post('/v1/webhooks/:id/test', small, async (c) => {
    const site = c.get('site');
    return c.json(await sendTestMessage(store, site.id, await webhookOf(site.id, c.req.param('id')), { now: deps.now, publicFetch: deps.options.webhookPublicFetch }));
  });

  app.post('/v1/webhooks/:id/skip', small, async (c) => {
    const site = c.get('site');
    await webhookOf(site.id, c.req.param('id'));
    return c.json({ skipped: await store.skipWebhookMessage(site.id, c.req.param('id')) });
  });

  return app;
}
