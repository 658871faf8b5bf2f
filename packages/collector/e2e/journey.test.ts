// Issue 4's end-to-end test, in real Chromium against a real collector on real SQLite:
// a personalised QR code is scanned (the browser follows /q/<code>), the landing page with the
// script-tag SDK records the visit, the visitor browses, asks for a handoff code and leaves;
// later a store order arrives with the recipient's loyalty card and a phone order quotes the
// handoff code → GET /v1/profiles shows ONE person with the scan, the visits and both orders.
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../src/node/index';
import type { Profile } from '../src/routes/profiles';
import { eventually, launchChromium } from './browser';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SDK = new URL('../../sdk/dist/omnitrail.min.js', import.meta.url).pathname;

let browser: Browser;
let collector: Awaited<ReturnType<typeof startServer>>;
let shop: Server;
let shopUrl = '';
let dir = '';

/** The shop: two pages with the script-tag snippet pointing at the collector, and a "call us" box. */
function page(title: string, writeKey: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<script async src="${collector.url}/sdk/omnitrail.min.js" data-write-key="${writeKey}" data-endpoint="${collector.url}"></script>
</head><body><h1>${title}</h1>${body}</body></html>`;
}

beforeAll(async () => {
  expect(existsSync(SDK), 'build the SDK first (pnpm build)').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'omnitrail-e2e-journey-'));
  collector = await startServer({ dbPath: join(dir, 'omnitrail.db'), port: 0, host: '127.0.0.1', quiet: true, rateLimit: false });
  shop = createServer();
  await new Promise<void>((r) => shop.listen(0, '127.0.0.1', r));
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => shop?.close(r));
  await collector?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('journey: personalised QR → web visit → handoff → store and phone orders → one profile', () => {
  it('shows one person with the scan, the visits and both offline orders', async () => {
    const { site, secretKey } = await collector.store.createSite({ name: 'E2E shop', origins: [shopUrl] });
    const auth = { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' };
    const api = async (path: string, body?: unknown) => {
      const res = await fetch(collector.url + path, body === undefined ? { headers: auth } : { method: 'POST', headers: auth, body: JSON.stringify(body) });
      return { status: res.status, json: await res.json() };
    };
    shop.on('request', (req, res) => {
      const path = new URL(req.url ?? '/', shopUrl).pathname;
      const html =
        path === '/spring'
          ? page('Spring sale', site.writeKey, '<a id="product" href="/product/p-1">Running shoe</a>')
          : path === '/product/p-1'
            ? page('Running shoe', site.writeKey, '<button id="call" onclick="omnitrail.handoffCode().then(function (c) { document.getElementById(\'code\').textContent = c.display; })">Order by phone</button><p>Quote <b id="code"></b> when you call.</p>')
            : null;
      res.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html ?? 'not found');
    });

    // The marketing manager's mailing: one personalised code per recipient, bound to the loyalty card.
    const campaign = await api('/v1/qr/campaigns', { name: 'Spring letter', targetUrl: `${shopUrl}/spring`, utm: { utm_source: 'letter', utm_medium: 'direct_mail', utm_campaign: 'spring' } });
    expect(campaign.status, JSON.stringify(campaign.json)).toBe(201);
    const mailing = await api(`/v1/qr/campaigns/${campaign.json.id}/recipients`, [{ ref: 'R-1', loyaltyId: 'L-4711' }, { ref: 'R-2', loyaltyId: 'L-9999' }]);
    expect(mailing.status, JSON.stringify(mailing.json)).toBe(201);
    const code = mailing.json.codes.find((k: { recipientRef: string }) => k.recipientRef === 'R-1');
    expect(code.url).toBe(`${collector.url}/q/${code.code}`);

    // The recipient scans the letter: the browser follows /q/<code> to the landing page.
    // Headless Chromium says "HeadlessChrome", which isbot flags (bots are never stitched);
    // the recipient's phone would send a normal browser user agent.
    const context = await browser.newContext({ userAgent: CHROME });
    const tab = await context.newPage();
    await tab.goto(code.url);
    expect(new URL(tab.url()).pathname).toBe('/spring');
    await tab.waitForFunction(() => typeof (window as unknown as { omnitrail?: { anonymousId?: unknown } }).omnitrail?.anonymousId === 'function');
    // The SDK removed the scan token from the address bar after reading it.
    expect(new URL(tab.url()).searchParams.get('ot_scan')).toBeNull();
    expect(new URL(tab.url()).searchParams.get('utm_medium')).toBe('direct_mail');
    const anonymousId = await tab.evaluate(() => (window as unknown as { omnitrail: { anonymousId(): string } }).omnitrail.anonymousId());
    expect(anonymousId).toBeTruthy();

    // Browses to a product, asks for a handoff code to order by phone, and leaves.
    await Promise.all([tab.waitForURL(`${shopUrl}/product/p-1`), tab.click('#product')]);
    await tab.waitForFunction(() => typeof (window as unknown as { omnitrail?: unknown }).omnitrail === 'function');
    await tab.click('#call');
    const handoff = await (await tab.waitForSelector('#code:not(:empty)')).textContent();
    expect(handoff).toMatch(/^[A-Z0-9]{3}-[A-Z0-9]{3,5}$/);
    await tab.evaluate(() => (window as unknown as { omnitrail: { flush(): Promise<void> } }).omnitrail.flush());
    await context.close();

    // The visits arrived and are stitched to the scan (and thereby to the recipient's card).
    const web = await eventually(
      () => api(`/v1/profiles?anonymousId=${encodeURIComponent(anonymousId)}`),
      (r) => r.status === 200 && (r.json as Profile).summary.pageViews >= 2 && (r.json as Profile).identifiers.some((i) => i.kind === 'loyalty'),
      'the web visit to be stored and stitched',
    ).catch((e) => {
      const rows = collector.store.db.prepare('SELECT type, event, anonymous_id, bot, consent, context FROM events').all();
      throw new Error(`${(e as Error).message}\nstored events: ${JSON.stringify(rows).slice(0, 3000)}`);
    });
    expect((web.json as Profile).qrScans).toHaveLength(1);

    // Later, offline: a store order with the loyalty card, a phone order quoting the handoff code.
    // (Order time = time received: after the visit; the collector refuses future timestamps.)
    const store = await api('/v1/orders', { order_id: 'STORE-1', channel: 'store', location: 'berlin-mitte', revenue: 89.9, currency: 'EUR', loyaltyId: 'l-4711', products: [{ id: 'p-1', name: 'Running shoe', price: 89.9, quantity: 1 }] });
    expect(store.status, JSON.stringify(store.json)).toBe(200);
    expect(store.json).toMatchObject({ accepted: 1, rejected: [] });
    const phone = await api('/v1/orders', { order_id: 'PHONE-1', channel: 'phone', revenue: 12.5, currency: 'EUR', handoffCode: handoff!.toLowerCase(), products: [{ id: 'p-9', name: 'Socks', price: 12.5, quantity: 1 }] });
    expect(phone.status, JSON.stringify(phone.json)).toBe(200);
    expect(phone.json).toMatchObject({ accepted: 1, rejected: [] });

    // One person: the scan, the visits and both offline orders.
    const res = await api('/v1/profiles?loyaltyId=L-4711');
    expect(res.status).toBe(200);
    const p = res.json as Profile;
    expect(p.identifiers).toEqual(
      expect.arrayContaining([
        { kind: 'anon', value: anonymousId },
        { kind: 'loyalty', value: 'L-4711' },
        { kind: 'recipient', value: `${campaign.json.id}/R-1` },
        { kind: 'handoff', value: handoff!.replace('-', '') },
        { kind: 'order', value: 'STORE-1' },
        { kind: 'order', value: 'PHONE-1' },
      ]),
    );
    expect(p.qrScans).toEqual([expect.objectContaining({ code: code.code, campaignId: campaign.json.id, personalised: true })]);
    expect(p.summary.pageViews).toBeGreaterThanOrEqual(2);
    expect(p.summary.sessions).toBe(1);
    expect(p.recentPages.map((x) => x.path)).toEqual(expect.arrayContaining(['/spring', '/product/p-1']));
    expect(p.orders.map((o) => [o.orderId, o.channel, o.revenue])).toEqual([['STORE-1', 'store', 89.9], ['PHONE-1', 'phone', 12.5]]);
    expect(p.products.map((x) => x.name)).toEqual(['Socks', 'Running shoe']);
    expect(Object.keys(p.touchpointsByChannel)).toEqual(expect.arrayContaining(['Direct Mail']));
    // Every identifier is the same person, whichever one the CRM asks by.
    for (const q of [`handoffCode=${handoff}`, 'orderId=PHONE-1', `anonymousId=${encodeURIComponent(anonymousId)}`]) {
      expect((await api(`/v1/profiles?${q}`)).json.personId, q).toBe(p.personId);
    }
    // The other recipient is someone else.
    expect((await api('/v1/profiles?loyaltyId=L-9999')).json.personId).not.toBe(p.personId);
  });
});
