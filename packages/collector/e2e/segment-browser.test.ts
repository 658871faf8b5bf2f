// A real browser client we did not write: Segment's analytics.js (@segment/analytics-next, its
// built UMD bundle) in Chromium, pointed at a real collector on real SQLite. Its CDN settings
// fetch is avoided (`cdnSettings` given, lazy chunks served from the page's own origin), so the
// test needs no network. Every call — page, identify, track, alias, group, screen — must be
// stored exactly once with Segment's fields, in both delivery modes and through 429 retries.
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../src/node/index';
import { eventually, launchChromium } from './browser';

// The UMD build and its lazily loaded chunks (root devDependency of the workspace).
const UMD = join(dirname(createRequire(import.meta.url).resolve('@segment/analytics-next/package.json')), 'dist/umd');

let browser: Browser;
let dir = '';
let shop: Server;
let shopUrl = '';
const collectors: Awaited<ReturnType<typeof startServer>>[] = [];

/** A page that loads analytics.js and makes one call of each kind. */
function page(collectorUrl: string, writeKey: string, batching: boolean): string {
  const seg = {
    apiKey: writeKey,
    apiHost: collectorUrl.replace(/^http:\/\//, '') + '/v1',
    protocol: 'http',
    ...(batching ? { deliveryStrategy: { strategy: 'batching', config: { size: 4, timeout: 200 } } } : {}),
  };
  return `<!doctype html><html><head><meta charset="utf-8"><title>Segment shop</title></head><body>
<script src="/umd/index.js"></script><script>
window.run = async () => {
  const seg = ${JSON.stringify(seg)};
  const [analytics] = await AnalyticsNext.AnalyticsBrowser.load(
    { writeKey: seg.apiKey, cdnURL: location.origin, cdnSettings: { integrations: { 'Segment.io': seg } } },
    { integrations: { 'Segment.io': seg } },
  );
  await analytics.page('Docs', 'Intro', { extra: 1 });
  await analytics.identify('u-1', { name: 'Jo', email: 'jo@example.com' });
  await analytics.track('Product Viewed', { product_id: 'p1', price: 9.5 });
  await analytics.alias('u-1', 'prev-1');
  await analytics.group('g-1', { name: 'ACME' });
  await analytics.screen('Home Screen', { a: 1 });
  return analytics.user().anonymousId();
};
</script></body></html>`;
}

beforeAll(async () => {
  expect(existsSync(join(UMD, 'index.js')), '@segment/analytics-next is a root devDependency').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'omnitrail-e2e-segment-'));
  shop = createServer();
  await new Promise<void>((r) => shop.listen(0, '127.0.0.1', r));
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => shop?.close(r));
  for (const c of collectors) await c.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Row = { message_id: string; type: string; event: string | null; anonymous_id: string | null; user_id: string | null; original_timestamp: string | null; sent_at: string | null; bot: number; context: string; properties: string; traits: string };

async function runPage(opts: { batching: boolean; rateLimit: false | { perIp: { rate: number; burst: number }; perKey: false } }) {
  const collector = await startServer({ dbPath: join(dir, `${collectors.length}.db`), port: 0, host: '127.0.0.1', quiet: true, rateLimit: opts.rateLimit });
  collectors.push(collector);
  const { site } = await collector.store.createSite({ name: 'Segment shop', origins: [shopUrl] });
  shop.removeAllListeners('request');
  shop.on('request', (req, res) => {
    const path = new URL(req.url ?? '/', shopUrl).pathname;
    const file = path.startsWith('/umd/') ? path.slice(5) : path.startsWith('/analytics-next/bundles/') ? path.slice(24) : null;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(collector.url, site.writeKey, opts.batching));
    } else if (file && /^[\w.-]+\.js$/.test(file) && existsSync(join(UMD, file))) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(UMD, file)));
    } else res.writeHead(404).end();
  });
  const ctx = await browser.newContext();
  const statuses: number[] = [];
  const tab = await ctx.newPage();
  tab.on('response', (r) => r.url().startsWith(collector.url) && statuses.push(r.status()));
  await tab.goto(shopUrl + '/');
  const anonymousId = (await tab.evaluate('window.run()')) as string;
  const rows = await eventually(
    async () => collector.store.db.prepare('SELECT * FROM events WHERE site_id = ? ORDER BY id').all(site.id) as Row[],
    (r) => r.length >= 6,
    'six analytics.js events stored',
  );
  await ctx.close();
  return { rows, anonymousId, statuses };
}

function expectSegmentFields(rows: Row[], anonymousId: string): void {
  expect(rows).toHaveLength(6);
  expect(new Set(rows.map((r) => r.message_id)).size).toBe(6);
  const by = Object.fromEntries(rows.map((r) => [r.type, r]));
  expect(Object.keys(by).sort()).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
  for (const r of rows) {
    expect(r.anonymous_id).toBe(anonymousId);
    expect(r.original_timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(r.sent_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(r.bot).toBe(1); // headless Chromium's user agent is a bot's: stored, flagged
    const context = JSON.parse(r.context);
    expect(context.library).toEqual({ name: 'analytics.js', version: expect.stringMatching(/^next-/) });
    // Neither the user-agent string nor its client-hints form is stored (PRIVACY.md).
    expect(context).not.toHaveProperty('userAgent');
    expect(context).not.toHaveProperty('userAgentData');
  }
  expect(by.page).toMatchObject({ event: 'Intro', user_id: null });
  expect(JSON.parse(by.page.properties)).toMatchObject({ category: 'Docs', extra: 1 });
  expect(by.identify.user_id).toBe('u-1');
  const traits = JSON.parse(by.identify.traits);
  expect(traits).toMatchObject({ name: 'Jo', email_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  expect(traits).not.toHaveProperty('email');
  expect(by.track).toMatchObject({ event: 'Product Viewed', user_id: 'u-1' });
  expect(JSON.parse(by.track.properties)).toEqual({ product_id: 'p1', price: 9.5 });
  expect(by.alias.user_id).toBe('u-1');
  expect(JSON.parse(by.alias.properties)).toEqual({ previousId: 'prev-1' });
  expect(JSON.parse(by.group.properties)).toEqual({ groupId: 'g-1' });
  expect(JSON.parse(by.group.traits)).toEqual({ name: 'ACME' });
  expect(by.screen.event).toBe('Home Screen');
  expect(JSON.parse(by.screen.properties)).toEqual({ a: 1 });
}

describe('@segment/analytics-next in Chromium → collector', () => {
  it('standard delivery (one request per call to /v1/p, /v1/i, …): every call stored once with its fields', async () => {
    const { rows, anonymousId, statuses } = await runPage({ batching: false, rateLimit: false });
    expectSegmentFields(rows, anonymousId);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('batching delivery (/v1/b): every call stored once', async () => {
    const { rows, anonymousId } = await runPage({ batching: true, rateLimit: false });
    expectSegmentFields(rows, anonymousId);
  });

  it('429 with Retry-After: analytics.js retries and every call is still stored exactly once', async () => {
    const { rows, anonymousId, statuses } = await runPage({ batching: false, rateLimit: { perIp: { rate: 1, burst: 3 }, perKey: false } });
    expectSegmentFields(rows, anonymousId);
    expect(statuses).toContain(429);
  });
});
