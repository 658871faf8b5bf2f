import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCollector } from '../app';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index';
import { nodeAssets } from '../node/assets';

let dir: string;
let store: SqliteStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ot-demo-'));
  store = openSqliteStore(join(dir, 'test.db'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('demo shop and SDK assets', () => {
  it('serves the demo shop with the demo site write key filled in', async () => {
    const app = createCollector({ store, rateLimit: false, assets: nodeAssets({}) });
    expect((await app.request('/demo/')).status).toBe(404); // no demo site yet: says so
    const { site } = await store.createSite({ name: 'Demo', origins: ['*'], settings: { demo: true } });
    const res = await app.request('/demo/');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`data-write-key="${site.writeKey}"`);
    expect(html).toContain('src="/sdk/omnitrail.min.js"');
    expect(html).not.toContain('%OMNITRAIL_');
    expect(html).toContain('quote this code in store or on the phone');
    const js = await app.request('/demo/shop.js');
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(await js.text()).toContain("ot('order'");
  });

  it('sends the bare collector URL to the dashboard, and 404s it when the dashboard is off', async () => {
    const on = await createCollector({ store, rateLimit: false }).request('/');
    expect(on.status).toBe(302);
    expect(on.headers.get('location')).toBe('/dashboard');
    expect((await createCollector({ store, rateLimit: false, dashboard: false }).request('/')).status).toBe(404);
  });

  it('never serves files outside the asset folders', async () => {
    await store.createSite({ name: 'Demo', origins: ['*'], settings: { demo: true } });
    const app = createCollector({ store, rateLimit: false, assets: nodeAssets({}) });
    for (const p of ['/demo/..%2Fpackage.json', '/demo/%2e%2e/package.json', '/demo/.env', '/sdk/..%2F..%2Fpackage.json', '/sdk/index.js', '/demo/build.mjs']) {
      const res = await app.request(p);
      expect(res.status, p).toBe(404);
    }
  });

  it('serves the three script-tag builds, the debug one included, and nothing else from the SDK folder', async () => {
    const app = createCollector({ store, rateLimit: false, assets: { sdk: async (name) => new TextEncoder().encode('// ' + name) } });
    for (const name of ['omnitrail.min.js', 'omnitrail.vitals.min.js', 'omnitrail.debug.js']) {
      const res = await app.request('/sdk/' + name);
      expect(res.status, name).toBe(200);
      expect(await res.text()).toBe('// ' + name);
    }
    for (const name of ['index.js', 'omnitrail.vitals.debug.js', 'omnitrail.js']) expect((await app.request('/sdk/' + name)).status, name).toBe(404);
  });

  it('without asset sources (edge deployments) both paths are 404', async () => {
    const app = createCollector({ store, rateLimit: false });
    expect((await app.request('/sdk/omnitrail.min.js')).status).toBe(404);
    expect((await app.request('/demo/index.html')).status).toBe(404);
  });
});
