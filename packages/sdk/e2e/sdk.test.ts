import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, call, eventually, open, profileDir, rows, servePages, startEnv, startProxy, trackMany, waitReady, type Env, type PageKind } from './harness';

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => {
  await env?.close();
});

async function newContext(): Promise<BrowserContext> {
  const context = await env.browser.newContext();
  await servePages(context, env.collector, env.writeKey);
  return context;
}

/** Every row of the run exactly once, numbered 0..n-1. */
function expectExactly(run: string, n: number) {
  const got = rows(env, run);
  expect(got.map((r) => r.i).sort((a, b) => a! - b!)).toEqual(Array.from({ length: n }, (_, i) => i));
  expect(new Set(got.map((r) => r.message_id)).size).toBe(n);
}

describe.each(['script', 'esm'] as PageKind[])('%s page', (kind) => {
  it('keeps the visitor ID across a reload and a browser restart with the same profile', async () => {
    const dir = profileDir(env, kind);
    const launch = async () => {
      const ctx = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
      await servePages(ctx, env.collector, env.writeKey);
      return ctx;
    };
    let ctx = await launch();
    let page = await open(ctx, kind);
    const id = (await call(page, 'anonymousId')) as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await page.reload();
    await waitReady(page, kind);
    expect(await call(page, 'anonymousId')).toBe(id);
    await call(page, 'flush');
    await ctx.close();
    ctx = await launch();
    page = await open(ctx, kind);
    expect(await call(page, 'anonymousId')).toBe(id);
    await call(page, 'flush');
    await ctx.close();
    await eventually(() => expect(rows(env).filter((r) => r.type === 'page' && r.anonymous_id === id).length).toBeGreaterThanOrEqual(3));
    // The body carries no context.userAgent: the collector classified the request's User-Agent header.
    const ua = env.store.db
      .prepare(`SELECT ua_browser FROM events WHERE site_id = ? AND anonymous_id = ? AND type = 'page'`)
      .all(env.siteId, id) as { ua_browser: string | null }[];
    expect(ua.length).toBeGreaterThan(0);
    expect(ua.every((r) => r.ua_browser)).toBe(true);
    if (kind === 'script') {
      // The snippet's pre-load call was replayed with the same ID.
      expect(rows(env).some((r) => r.event === 'Snippet Queued' && r.anonymous_id === id)).toBe(true);
    }
  });

  it('offline: 500 events across two reloads, then online → the database holds exactly those 500', async () => {
    // keepalive requests (the page-hide send) outlive the page and escape DevTools' offline
    // emulation, so the collector sits behind a proxy that really refuses connections meanwhile.
    const proxy = await startProxy(env.collector);
    const ctx = await env.browser.newContext();
    await servePages(ctx, proxy.url, env.writeKey);
    const run = `offline-${kind}`;
    const page = await open(ctx, kind);
    await ctx.setOffline(true);
    proxy.down = true;
    await trackMany(page, run, 0, 200);
    await call(page, 'flush');
    await page.reload();
    await waitReady(page, kind);
    await trackMany(page, run, 200, 150);
    await call(page, 'flush');
    await page.reload();
    await waitReady(page, kind);
    await trackMany(page, run, 350, 150);
    await call(page, 'flush');
    expect(rows(env, run)).toHaveLength(0);
    proxy.down = false;
    await ctx.setOffline(false); // the `online` event flushes
    await eventually(() => expectExactly(run, 500));
    await ctx.close();
    await proxy.close();
  });

  it('closing the page mid-flush: the rest arrive on the next visit', async () => {
    const ctx = await newContext();
    const run = `close-${kind}`;
    let batches = 0;
    // Second batch request never gets an answer: the page closes while it is in flight.
    await ctx.route(`${env.collector}/v1/batch*`, async (route) => {
      if (++batches === 2) return; // left hanging
      await route.continue();
    });
    const page = await open(ctx, kind);
    await trackMany(page, run, 0, 600, 900); // ~800 KB (under the 1 MB queue cap): several batches of ≤ 128 KB
    await eventually(() => expect(batches).toBeGreaterThanOrEqual(2));
    // Mid-flush, not mid-write: the queue writes 50 events per IndexedDB transaction, and a drain
    // may start while they run, so on a slow machine the second batch can leave before all 600
    // are written. Events a page makes in its last moments that IndexedDB has not written yet are
    // covered only by the keepalive beacon (60 KB, newest first; plugins.test.ts). Wait until
    // every event is stored or queued, as this case means.
    await eventually(async () => {
      const queued: string[] = await page.evaluate(
        ([name, run]) =>
          new Promise((resolve, reject) => {
            const open = indexedDB.open(name);
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const get = open.result.transaction('q').objectStore('q').getAll(IDBKeyRange.lowerBound([]));
              type Queued = { messageId: string; properties?: { run?: string } };
              get.onsuccess = () => (resolve(get.result.filter((e: Queued) => e.properties?.run === run).map((e: Queued) => e.messageId)), open.result.close());
              get.onerror = () => reject(get.error);
            };
          }),
        [`omnitrail-${env.writeKey}`, run] as const,
      );
      const stored = rows(env, run).map((r) => r.message_id);
      expect(new Set([...queued, ...stored]).size).toBeGreaterThanOrEqual(600);
    });
    // With runBeforeUnload, close() returns before the page is gone (~20 ms here, longer on a busy
    // machine); until then it holds the cross-tab lock on its hanging request. The next visit comes later.
    const closed = page.waitForEvent('close');
    await page.close({ runBeforeUnload: true });
    await closed;
    const partial = rows(env, run).length;
    expect(partial).toBeLessThan(600);
    await ctx.unroute(`${env.collector}/v1/batch*`);
    await open(ctx, kind);
    await eventually(() => expectExactly(run, 600));
    await ctx.close();
  });

  it('collector answering 500 three times then 200: nothing lost, nothing duplicated', async () => {
    const ctx = await newContext();
    const run = `retry-${kind}`;
    let n = 0;
    await ctx.route(`${env.collector}/v1/batch*`, async (route) => {
      const req = route.request();
      const origin = (await req.allHeaders()).origin ?? '*';
      if (req.method() === 'POST' && JSON.parse(req.postData() ?? '{}').batch?.some((e: { properties?: { run?: string } }) => e.properties?.run === run) && ++n <= 3) {
        // The second failure happens after the collector committed the batch: the ack is lost.
        if (n === 2) await route.fetch();
        return route.fulfill({ status: 500, headers: { 'access-control-allow-origin': origin, 'content-type': 'application/json' }, body: '{"error":"internal","message":"test"}' });
      }
      await route.continue();
    });
    const page = await open(ctx, kind);
    await trackMany(page, run, 0, 50);
    await eventually(() => {
      expect(n).toBeGreaterThanOrEqual(4);
      expectExactly(run, 50);
    }, 30_000);
    await ctx.close();
  });

  it('two tabs tracking at once: no duplicate rows, no event sent twice', async () => {
    const ctx = await newContext();
    const run = `tabs-${kind}`;
    let duplicates = 0;
    ctx.on('response', async (res) => {
      if (res.url().includes('/v1/batch') && res.request().method() === 'POST' && res.status() === 200) {
        duplicates += ((await res.json().catch(() => ({}))) as { duplicates?: number }).duplicates ?? 0;
      }
    });
    const [a, b] = await Promise.all([open(ctx, kind), open(ctx, kind)]);
    await Promise.all([trackMany(a, run, 0, 200), trackMany(b, run, 200, 200)]);
    await Promise.all([call(a, 'flush'), call(b, 'flush')]);
    await eventually(() => expectExactly(run, 400));
    expect(duplicates).toBe(0);
    await ctx.close();
  });

  it('the host page keeps working when IndexedDB is blocked', async () => {
    const ctx = await newContext();
    const run = `noidb-${kind}`;
    await ctx.addInitScript(() => {
      Object.defineProperty(window, 'indexedDB', {
        get() {
          throw new DOMException('IndexedDB is blocked', 'SecurityError');
        },
      });
    });
    const errors: string[] = [];
    const page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await open(ctx, kind, page);
    await trackMany(page, run, 0, 20);
    await call(page, 'flush');
    const ticks = await page.evaluate(() => new Promise<number>((r) => setTimeout(() => r((window as unknown as { hostTicks: number }).hostTicks), 100)));
    expect(ticks).toBeGreaterThan(0);
    expect(await page.textContent('#host')).toBe('host page');
    await eventually(() => expectExactly(run, 20));
    expect(errors).toEqual([]);
    await ctx.close();
  });
});

it('script tag with vitals: Core Web Vitals arrive once each, the metric id as messageId', async () => {
  const ctx = await newContext();
  const page = await open(ctx, 'vitals');
  await page.click('#host'); // an interaction, for INP
  await page.evaluate(() => {
    // web-vitals reports CLS/INP/LCP when the page is hidden.
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await eventually(() => {
    const vitals = rows(env).filter((r) => r.event === 'Web Vitals');
    const metrics = vitals.map((r) => JSON.parse(r.properties) as { metric: string; id: string });
    expect(metrics.map((m) => m.metric)).toEqual(expect.arrayContaining(['FCP', 'TTFB', 'LCP']));
    for (const [j, m] of metrics.entries()) expect(vitals[j].message_id).toBe(m.id);
    expect(new Set(metrics.map((m) => m.metric)).size).toBe(metrics.length);
  });
  await ctx.close();
});

it('handoffCode() gets a code from the real collector, bound to this visitor', async () => {
  const ctx = await newContext();
  const page = await open(ctx, 'esm');
  const res = (await page.evaluate(() =>
    (window as unknown as { t: (m: string) => Promise<unknown> }).t('handoffCode'),
  )) as { code: string; display: string; expiresAt: string };
  expect(res.code).toMatch(/^[0-9A-Z]{4,12}$/);
  expect(res.display.replace(/-/g, '')).toBe(res.code);
  expect(Date.parse(res.expiresAt)).toBeGreaterThan(Date.now());
  const id = await call(page, 'anonymousId');
  await eventually(() => expect(rows(env).some((r) => r.event === 'Handoff Code Issued' && r.anonymous_id === id)).toBe(true));
  await ctx.close();
});

it('a same-site collector re-sets the ID cookie from the server (POST /v1/id, Safari ITP)', async () => {
  // Page and collector on the same host (cookies ignore ports): the collector is "first-party".
  const origin = 'http://127.0.0.1:4176';
  const { site } = await env.store.createSite({ name: 'same-site shop', origins: [origin] });
  const ctx = await env.browser.newContext();
  await servePages(ctx, env.collector, site.writeKey, origin);
  const refresh = ctx.waitForEvent('response', (r) => r.url().includes('/v1/id?'));
  const page = await open(ctx, 'esm', undefined, origin);
  const res = await refresh;
  const id = await call(page, 'anonymousId');
  expect(res.status()).toBe(204);
  expect(await res.headerValue('set-cookie')).toContain(`ot_id=${id}`);
  expect(await res.headerValue('set-cookie')).toContain('Max-Age=34560000');
  const cookie = (await ctx.cookies(origin)).find((c) => c.name === 'ot_id');
  expect(cookie?.value).toBe(id);
  expect(cookie?.httpOnly).toBe(false);
  await ctx.close();
});

/** A page of its own at `path` on the test origin, the SDK files served beside it. */
async function customPage(html: (collector: string, writeKey: string, url: URL) => string) {
  const ctx = await newContext();
  // Registered after servePages: Playwright tries the newest route first.
  await ctx.route('http://localhost:4173/custom.html*', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: html(env.collector, env.writeKey, new URL(route.request().url())) }),
  );
  return ctx;
}

const tag = (collector: string, writeKey: string, file: string, attrs = '') =>
  `<script src="/dist/${file}" data-write-key="${writeKey}" data-endpoint="${collector}" ${attrs}></script>`;

it('script tag in a sandboxed iframe without allow-same-origin: no exception, the API is there', async () => {
  // Inline: Playwright's routing does not see the requests of an opaque-origin frame.
  const sdk = readFileSync(fileURLToPath(new URL('../dist/omnitrail.min.js', import.meta.url)), 'utf8');
  const ctx = await customPage((collector, writeKey) => {
    const inner = `<script>window.errors=[];addEventListener('error',(e)=>errors.push(e.message))</script>` +
      `<script data-write-key="${writeKey}" data-endpoint="${collector}">${sdk}</script>`;
    return `<!doctype html><title>outer</title><iframe sandbox="allow-scripts" srcdoc="${inner.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"></iframe>`;
  });
  const page = await ctx.newPage();
  await page.goto('http://localhost:4173/custom.html');
  const frame = page.frames()[1];
  await frame.waitForFunction(() => typeof (window as { omnitrail?: { flush?: unknown } }).omnitrail?.flush === 'function');
  // document.cookie throws SecurityError in this frame: the SDK must have swallowed it.
  expect(await frame.evaluate(() => { try { return document.cookie; } catch (e) { return (e as Error).name; } })).toBe('SecurityError');
  await frame.evaluate(() => (window as unknown as { omnitrail: (...a: unknown[]) => unknown }).omnitrail('track', 'sandboxed'));
  expect(await frame.evaluate(() => (window as unknown as { errors: string[] }).errors)).toEqual([]);
  await ctx.close();
});

it('omnitrail.debug.js logs with data-debug (the .min.js builds carry no messages)', async () => {
  const ctx = await customPage((collector, writeKey) => `<!doctype html><title>debug</title>${tag(collector, writeKey, 'omnitrail.debug.js', 'data-debug')}`);
  const page = await ctx.newPage();
  const logs: string[] = [];
  page.on('console', (m) => logs.push(m.text()));
  await page.goto('http://localhost:4173/custom.html');
  await waitReady(page, 'script');
  await page.evaluate(() => (window as unknown as { omnitrail: { flush(): Promise<void> } }).omnitrail.flush());
  await eventually(() => expect(logs.some((l) => l.startsWith('[omnitrail] sent'))).toBe(true));
  await ctx.close();
});

it('denied on the next page erases what a granted visit stored, and a first-visit denial creates no database', async () => {
  const ctx = await customPage(
    (collector, writeKey, url) =>
      `<!doctype html><title>consent</title>${tag(collector, writeKey, 'omnitrail.min.js', `data-auto-page="false" data-consent="${url.searchParams.get('consent') || 'granted'}"`)}`,
  );
  const page = await ctx.newPage();
  const state = () =>
    page.evaluate(async () => ({
      cookie: document.cookie,
      ls: Object.keys(localStorage).filter((k) => k.startsWith('ot_')),
      dbs: (await indexedDB.databases()).map((d) => d.name),
    }));
  // First visit, denied from the start: nothing at all on the device, not even an empty database.
  await page.goto('http://localhost:4173/custom.html?consent=denied');
  await waitReady(page, 'script');
  await page.evaluate(() => (window as unknown as { omnitrail: (...a: unknown[]) => unknown }).omnitrail('consent', 'denied'));
  await page.waitForTimeout(300); // lets any IndexedDB request reach the browser (a wrong SDK would create the database meanwhile)
  expect(await state()).toEqual({ cookie: '', ls: [], dbs: [] });
  // A granted visit stores the ID, the user and a queue…
  await page.goto('http://localhost:4173/custom.html');
  await waitReady(page, 'script');
  await page.evaluate(() => (window as unknown as { omnitrail: (...a: unknown[]) => unknown }).omnitrail('identify', 'u1'));
  await eventually(async () => expect((await state()).dbs).toEqual([`omnitrail-${env.writeKey}`]));
  expect((await state()).cookie).toContain('ot_id=');
  // …and the next page, denied from the start, erases it.
  await page.goto('http://localhost:4173/custom.html?consent=denied');
  await waitReady(page, 'script');
  await eventually(async () => {
    const s = await state();
    expect([s.cookie, s.ls]).toEqual(['', []]);
  });
  const left = await page.evaluate(
    (name) =>
      new Promise<number>((resolve) => {
        const req = indexedDB.open(name);
        req.onsuccess = () => {
          const db = req.result;
          const n = db.transaction('q').objectStore('q').count();
          n.onsuccess = () => resolve(n.result);
        };
      }),
    `omnitrail-${env.writeKey}`,
  );
  expect(left).toBe(0);
  await ctx.close();
});
