// Issue 6's end-to-end test, in real Chromium against `omnitrail start` on real SQLite:
// a marketing manager creates a QR campaign in the dashboard; a visitor scans it, browses the
// demo shop and orders; the dashboard finds that journey in the person lookup and the
// attribution page; staff record a phone order by the visitor's handoff code; CSRF and XSS
// are checked in the browser; every page is screenshotted at 1280 and 375 px.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFirstRun } from '../src/cli/start';
import type { RunningServer } from '../src/node/server';
import { eventually, launchChromium } from './browser';

const SDK = new URL('../../sdk/dist/omnitrail.min.js', import.meta.url).pathname;
const SHOTS = new URL('../../../.artifacts/screenshots/', import.meta.url).pathname;
const XSS = '<img src=x onerror="window.__xss=1">';
// Headless Chromium says "HeadlessChrome": the collector rightly flags that as a bot and keeps
// it out of stitching and reports. The visitor browses as a regular Chrome.
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let browser: Browser;
let srv: RunningServer;
let base = '';
let password = '';
let writeKey = '';
let dir = '';
/** Errors the dashboard's pages logged to the browser console (script errors, failed requests). */
const consoleErrors: string[] = [];

beforeAll(async () => {
  expect(existsSync(SDK), 'build the SDK first (pnpm build)').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'omnitrail-e2e-dashboard-'));
  const lines: string[] = [];
  srv = await startFirstRun({ port: 0, host: '127.0.0.1', dbPath: join(dir, 'omnitrail.db'), persons: 200 }, { out: (l) => lines.push(l), err: () => {} });
  const text = lines.join('\n');
  password = text.match(/admin password: (\S+)/)![1];
  writeKey = text.match(/write key (wk_\S+)/)![1];
  base = `http://localhost:${srv.port}`;
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function dashboardPage(): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.on('dialog', (d) => {
    throw new Error(`unexpected dialog: ${d.message()}`);
  });
  page.on('console', (m) => void (m.type() === 'error' && consoleErrors.push(`${m.text()} ${m.location().url}`)));
  page.on('pageerror', (e) => void consoleErrors.push(String(e)));
  await page.goto(`${base}/dashboard`);
  expect(page.url()).toContain('/dashboard/login');
  await page.getByLabel(/Admin password or site secret key/).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${base}/dashboard`);
  return page;
}

describe('first-run experience in Chromium', () => {
  let scanUrl = '';
  let orderId = '';
  let handoff = '';
  let campaignPath = '';
  let admin: Page;

  it('the manager creates a QR campaign in the dashboard', async () => {
    admin = await dashboardPage();
    await admin.getByRole('link', { name: 'QR campaigns' }).click();
    await admin.getByLabel('Campaign name').fill('E2E flyer');
    await admin.getByLabel(/Landing page/).fill(`${base}/demo/`);
    await admin.getByLabel('utm_source').fill('flyer');
    await admin.getByLabel('utm_medium').fill('print');
    await admin.getByRole('button', { name: 'Create campaign' }).click();
    await expect.poll(() => admin.getByRole('status').textContent()).toContain('Campaign created');
    scanUrl = (await admin.locator('.qr-preview + p code').textContent())!;
    campaignPath = new URL(admin.url()).pathname;
    expect(campaignPath).toMatch(/^\/dashboard\/qr\/cmp_\w+$/);
    expect(scanUrl).toMatch(new RegExp(`^${base}/q/[0-9A-Z]+$`));
    // The preview is a real SVG QR code served behind the login.
    const img = await admin.locator('img.qr-preview').evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0);
    expect(img).toBe(true);
  });

  it('a visitor lands from the QR code, browses the demo shop and orders', async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, userAgent: CHROME });
    const shop = await ctx.newPage();
    // The demo shop is what a new user sees first: no script error, no failed request (a missing
    // favicon included) in its console.
    const problems: string[] = [];
    shop.on('console', (m) => void (m.type() === 'error' && problems.push(`${m.text()} ${m.location().url}`)));
    shop.on('pageerror', (e) => void problems.push(String(e)));
    await shop.goto(scanUrl);
    expect(shop.url()).toContain(`${base}/demo/`);
    await shop.getByRole('button', { name: 'Allow analytics' }).click();
    await shop.getByRole('link', { name: /Trail running shoe/ }).click();
    await shop.getByRole('button', { name: 'Add to cart' }).click();
    await expect.poll(() => shop.locator('#added').textContent()).toContain('Added');
    await shop.getByRole('link', { name: /Cart/ }).click();
    await shop.getByRole('link', { name: 'Checkout' }).click();
    await shop.getByLabel('Name').fill('Erika Visitor');
    await shop.getByLabel(/E-mail/).fill('erika.visitor@example.com');
    await shop.getByRole('button', { name: 'Place order' }).click();
    await shop.waitForURL(/confirmation\.html/);
    orderId = (await shop.locator('#order-id').textContent())!;
    expect(orderId).toMatch(/^WEB-/);
    handoff = await eventually(() => shop.locator('#handoff-code').textContent().then((t) => t ?? ''), (t) => /^[0-9A-Z]{3}-[0-9A-Z]{3}$/.test(t), 'the handoff code in the footer');
    const site = (await srv.store.listSites()).find((s) => s.settings.demo)!;
    await eventually(() => srv.store.getOrder(site.id, orderId), (o) => !!o, `order ${orderId} in the store`);
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('the dashboard shows that journey in the person lookup and the attribution page', async () => {
    await admin.goto(`${base}/dashboard/person`);
    await admin.getByLabel('Identify by').selectOption('orderId');
    await admin.getByLabel('Value').fill(orderId);
    await admin.getByRole('button', { name: 'Find' }).click();
    const timeline = (await admin.locator('ol.timeline').textContent())!;
    expect(timeline).toContain('Scanned QR code');
    expect(timeline).toContain('E2E flyer');
    expect(timeline).toContain('Product Added');
    expect(timeline).toContain(`Order ${orderId}`);
    expect(timeline).toContain(`Handoff code shown: ${handoff}`);

    await admin.goto(`${base}/dashboard/explain?order=${encodeURIComponent(orderId)}`);
    const path = (await admin.locator('table').first().textContent())!;
    expect(path).toContain('Print/QR');
    await admin.goto(`${base}/dashboard/attribution?dimension=campaign&model=last_touch`);
    expect(await admin.locator('table').first().textContent()).toContain('e2e-flyer');
  });

  it('staff record a phone order by the handoff code; it joins the same person', async () => {
    await admin.goto(`${base}/dashboard/record`);
    const form = admin.locator('form', { has: admin.getByRole('button', { name: 'Record order' }) });
    await form.getByLabel('Identify by').selectOption('handoffCode');
    await form.getByLabel(/^Value/).fill(handoff.toLowerCase());
    await form.getByLabel('Order number').fill('PHONE-E2E-1');
    await form.getByLabel('Sold via').selectOption('phone');
    await form.getByLabel('Amount').fill('249,00');
    await form.getByRole('button', { name: 'Record order' }).click();
    await expect.poll(() => admin.getByRole('status').first().textContent()).toContain('Order PHONE-E2E-1 recorded.');
    await admin.getByRole('link', { name: "Open the customer's timeline" }).click();
    const timeline = (await admin.locator('ol.timeline').textContent())!;
    expect(timeline).toContain(`Order ${orderId}`);
    expect(timeline).toContain('Order PHONE-E2E-1');
    expect(timeline).toContain('Scanned QR code');
  });

  it('refuses a form post without the CSRF token', async () => {
    // The page's own CSP forbids fetch(), so post with the browser context's cookies instead:
    // same origin (passes the Origin check) but without the session's token.
    const form = { by: 'userId', who: 'C-1', order_id: 'FORGED-1', revenue: '1' };
    const noToken = await admin.context().request.post(`${base}/dashboard/record/order`, { form, headers: { origin: base }, maxRedirects: 0 });
    expect(noToken.status()).toBe(403);
    expect(await noToken.text()).toContain('CSRF token');
    // A cross-site form (another origin) is refused even before the token check.
    const token = (await admin.goto(`${base}/dashboard/record`), await admin.locator('input[name=_csrf]').first().inputValue());
    const cross = await admin.context().request.post(`${base}/dashboard/record/order`, { form: { ...form, _csrf: token }, headers: { origin: 'https://evil.example' }, maxRedirects: 0 });
    expect(cross.status()).toBe(403);
    const site = (await srv.store.listSites()).find((s) => s.settings.demo)!;
    expect(await srv.store.getOrder(site.id, 'FORGED-1')).toBeNull();
  });

  it('shows XSS strings from event properties as text', async () => {
    const now = new Date().toISOString();
    const ctx = { omnitrail: { v: 1, consent: 'granted', sessionId: 'x1', sessionStart: true }, campaign: { source: 'x', medium: 'email', name: XSS }, page: { url: `${base}/demo/`, path: '/demo/' } };
    const res = await fetch(`${base}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${btoa(`${writeKey}:`)}` },
      body: JSON.stringify({
        batch: [
          { type: 'page', messageId: 'xss-1', anonymousId: 'xss-visitor', timestamp: now, context: ctx },
          { type: 'track', event: XSS, messageId: 'xss-2', anonymousId: 'xss-visitor', timestamp: now, properties: { name: XSS }, context: { ...ctx, omnitrail: { v: 1, consent: 'granted', sessionId: 'x1' } } },
        ],
      }),
    });
    expect(res.status).toBe(200);
    await admin.goto(`${base}/dashboard/person?kind=anonymousId&value=xss-visitor`);
    expect(await admin.locator('ol.timeline').textContent()).toContain(XSS);
    await admin.goto(`${base}/dashboard/attribution?dimension=campaign`);
    await admin.goto(`${base}/dashboard/journeys`);
    expect(await admin.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await admin.locator('img[src="x"]').count()).toBe(0);
  });

  it('screenshots every page at 1280 and 375 px', async () => {
    const pages: Record<string, string> = {
      overview: '/dashboard',
      attribution: '/dashboard/attribution',
      explain: `/dashboard/explain?order=${encodeURIComponent(orderId)}`,
      ropo: '/dashboard/ropo',
      funnel: '/dashboard/funnel',
      journeys: '/dashboard/journeys',
      vitals: '/dashboard/vitals',
      qr: '/dashboard/qr',
      campaign: campaignPath,
      // The printable sheet has a policy and styles of its own: they must apply (a blocked inline
      // style logs a CSP error to the console, checked below, and prints one unstyled column).
      sheet: `${campaignPath}/sheet`,
      person: `/dashboard/person?kind=orderId&value=${encodeURIComponent(orderId)}`,
      record: '/dashboard/record',
      import: '/dashboard/import',
      settings: '/dashboard/settings',
    };
    for (const width of [1280, 375]) {
      await admin.setViewportSize({ width, height: 900 });
      for (const [name, path] of Object.entries(pages)) {
        const res = await admin.goto(`${base}${path}`);
        expect(res?.status(), path).toBe(200);
        // Nothing may overflow the viewport sideways (tables scroll inside their own box).
        const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (name === 'sheet') expect(await admin.evaluate(() => getComputedStyle(document.querySelector('main')!).display)).toBe('grid');
        await admin.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
        // Basic accessibility: one h1, every control labelled, every chart named, every image described.
        const a11y = await admin.evaluate(() => {
          const problems: string[] = [];
          if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1');
          for (const el of document.querySelectorAll<HTMLInputElement>('input:not([type=hidden]), select, textarea')) {
            if (!el.labels?.length && !el.getAttribute('aria-label')) problems.push(`unlabelled ${el.tagName} ${el.name}`);
          }
          for (const svg of document.querySelectorAll('svg[role=img]')) if (!svg.querySelector('title')?.textContent) problems.push('chart without title');
          for (const img of document.querySelectorAll('img')) if (!img.getAttribute('alt')) problems.push(`img without alt ${img.src}`);
          if (!document.documentElement.lang) problems.push('no lang');
          // A checkbox keeps its own size beside its label (the text-field rule once drew it as a wide box).
          for (const cb of document.querySelectorAll<HTMLInputElement>('input[type=checkbox]')) {
            if (cb.getBoundingClientRect().width > 32) problems.push(`checkbox ${cb.name} drawn ${Math.round(cb.getBoundingClientRect().width)} px wide`);
          }
          // WCAG 1.4.3 contrast of every visible HTML text against its nearest opaque background.
          const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
          const lum = ([r, g, b]: number[]) => {
            const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
          };
          for (const el of document.querySelectorAll<HTMLElement>('body *')) {
            if (el.closest('svg') || !el.offsetParent) continue;
            if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim())) continue;
            const st = getComputedStyle(el);
            let bg: number[] | null = null;
            for (let e: HTMLElement | null = el; e && !bg; e = e.parentElement) {
              const c = rgb(getComputedStyle(e).backgroundColor);
              if (c.length === 3 || (c.length === 4 && c[3] === 1)) bg = c.slice(0, 3);
            }
            const [l1, l2] = [lum(rgb(st.color)), lum(bg ?? [255, 255, 255])].sort((a, b) => b - a);
            const ratio = (l1 + 0.05) / (l2 + 0.05);
            const size = parseFloat(st.fontSize);
            const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
            if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)} for "${el.textContent!.trim().slice(0, 30)}"`);
          }
          return problems;
        });
        expect(a11y, `${name} at ${width}px`).toEqual([]);
        expect(overflow, `${name} at ${width}px overflows by ${overflow}px`).toBeLessThanOrEqual(0);
      }
    }
    // Everything the admin's page logged in this suite: logging in, the forms, every page above.
    expect(consoleErrors, 'browser console of the dashboard pages').toEqual([]);
    const login = await browser.newPage({ viewport: { width: 375, height: 700 } });
    await login.goto(`${base}/dashboard/login`);
    await login.screenshot({ path: join(SHOTS, 'login-375.png') });
    await login.close();
  });

  it('long names without spaces wrap instead of widening the page', async () => {
    const long = 'Sommerschlussverkaufsflyer'.repeat(7);
    const { site } = await srv.store.createSite({ name: `Filiale ${long}`, origins: ['https://long.example'] });
    await admin.setViewportSize({ width: 1280, height: 900 });
    await admin.goto(`${base}/dashboard/qr?site=${site.id}`);
    await admin.getByLabel('Campaign name').fill(long);
    await admin.getByLabel(/Landing page/).fill('https://long.example/');
    await admin.getByRole('button', { name: 'Create campaign' }).click();
    await expect.poll(() => admin.getByRole('status').textContent()).toContain('Campaign created');
    const campaign = new URL(admin.url()).pathname;
    for (const width of [1280, 375]) {
      await admin.setViewportSize({ width, height: 900 });
      for (const path of [`${campaign}?site=${site.id}`, `/dashboard/qr?site=${site.id}`, `/dashboard/settings?site=${site.id}`]) {
        await admin.goto(`${base}${path}`);
        const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${path} at ${width}px overflows by ${overflow}px`).toBeLessThanOrEqual(0);
      }
    }
  });
});
