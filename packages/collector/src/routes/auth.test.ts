import { expect, test } from 'vitest';
import { Hono } from 'hono';
import { createCollector } from '../app';
import { requireSecretKey, resolveWriteKey, type AppEnv } from './auth';
import { withCollector } from '../test-utils/harness';

// A collector with two extra test routes, mounted the way domain routes are.
function appWithProbe(store: Parameters<typeof createCollector>[0]['store']) {
  const app = createCollector({ store, rateLimit: false });
  const probe = new Hono<AppEnv>();
  probe.get('/v1/probe-secret', requireSecretKey, (c) => c.json({ site: c.get('site').id }));
  probe.post('/v1/probe-write', async (c) => {
    const body = await c.req.json();
    const site = await resolveWriteKey(c, body);
    return c.json({ site: site.id });
  });
  // Routes registered after createCollector still see its per-request variables.
  app.route('/', probe);
  return app;
}

test('requireSecretKey: Bearer or Basic user name; write keys and unknown keys are 401 JSON', () =>
  withCollector(async (fx) => {
    const app = appWithProbe(fx.store);
    const get = (auth?: string) => app.request('/v1/probe-secret', { headers: auth ? { authorization: auth } : {} });
    expect(await (await get(`Bearer ${fx.secretKey}`)).json()).toEqual({ site: fx.site.id });
    expect(await (await get('Basic ' + btoa(`${fx.secretKey}:`))).json()).toEqual({ site: fx.site.id });
    for (const bad of [undefined, `Bearer ${fx.writeKey}`, 'Bearer sk_wrong', 'Basic !!!', 'Token x']) {
      const res = await get(bad);
      expect(res.status, String(bad)).toBe(401);
      expect((await res.json()).error).toBe('unauthorized');
    }
  }));

test('resolveWriteKey: Basic user name first, then body writeKey, then ?writeKey=', () =>
  withCollector(async (fx) => {
    const app = appWithProbe(fx.store);
    const { site: other } = await fx.store.createSite({ name: 'other', origins: ['*'] });
    const post = (q: string, body: unknown, auth?: string) =>
      app.request(`/v1/probe-write${q}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: JSON.stringify(body) });
    expect(await (await post('', {}, fx.writeAuth)).json()).toEqual({ site: fx.site.id });
    expect(await (await post('', { writeKey: other.writeKey }, fx.writeAuth)).json()).toEqual({ site: fx.site.id });
    expect(await (await post(`?writeKey=${fx.writeKey}`, { writeKey: other.writeKey })).json()).toEqual({ site: other.id });
    expect(await (await post(`?writeKey=${other.writeKey}`, {})).json()).toEqual({ site: other.id });
    expect((await post('', {})).status).toBe(401);
    expect((await post('', {}, `Bearer ${fx.secretKey}`)).status).toBe(401);
  }));
