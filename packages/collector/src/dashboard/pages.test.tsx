import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { withCollector, type CollectorFixture } from '../test-utils/harness';
import { receiver } from '../test-utils/webhook-receiver';
import { scanThenOrders } from '../test-utils/qr-orders';
import { setAdminPassword } from './auth';
import { hashPii } from '../pii/index';

const XSS_CAMPAIGN = '<img src=x onerror=alert(1)>';
const XSS_PRODUCT = '<script>alert("p")</script>';
const ORIGIN = 'https://shop.example';

/** Minimal cookie jar for the fixture's fetch. */
function browser(fx: CollectorFixture) {
  const jar = new Map<string, string>();
  const take = (res: Response) => {
    for (const sc of res.headers.getSetCookie()) {
      const [pair] = sc.split(';');
      const i = pair.indexOf('=');
      if (/max-age=0/i.test(sc)) jar.delete(pair.slice(0, i));
      else jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return res;
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  return {
    async get(path: string) {
      return take(await fx.fetch(path, { headers: { cookie: cookie() }, redirect: 'manual' }));
    },
    async post(path: string, form: Record<string, string> | FormData | URLSearchParams) {
      const body = form instanceof FormData || form instanceof URLSearchParams ? form : new URLSearchParams(form);
      const headers: Record<string, string> = { cookie: cookie(), origin: new URL(fx.url).origin };
      return take(await fx.fetch(path, { method: 'POST', headers, body, redirect: 'manual' }));
    },
  };
}

function hidden(html: string, name: string): string {
  const m = html.match(new RegExp(`name="${name}" value="([^"]+)"`));
  if (!m) throw new Error(`no ${name}`);
  return m[1];
}

async function seed(fx: CollectorFixture) {
  const now = Date.now();
  const iso = (dt: number) => new Date(now - dt).toISOString();
  const ctx = (extra: Record<string, unknown> = {}) => ({ omnitrail: { v: 1, consent: 'granted', sessionId: 's1', ...extra }, page: { url: `${ORIGIN}/?utm_source=newsletter`, path: '/', referrer: '' } });
  const batch = [
    { type: 'page', messageId: 'm1', anonymousId: 'a1', timestamp: iso(3600_000), context: { ...ctx({ sessionStart: true }), campaign: { source: 'newsletter', medium: 'email', name: XSS_CAMPAIGN } } },
    { type: 'track', event: 'Product Viewed', messageId: 'm2', anonymousId: 'a1', timestamp: iso(3500_000), properties: { product_id: 'P1', name: XSS_PRODUCT, price: 100 }, context: ctx() },
    { type: 'track', event: 'Product Added', messageId: 'm3', anonymousId: 'a1', timestamp: iso(3400_000), properties: { product_id: 'P1' }, context: ctx() },
    { type: 'track', event: 'Checkout Started', messageId: 'm4', anonymousId: 'a1', timestamp: iso(3300_000), context: ctx() },
    { type: 'identify', messageId: 'm5', anonymousId: 'a1', timestamp: iso(3250_000), traits: { email: 'Jane@Example.com' }, context: ctx() },
    { type: 'track', event: 'Order Completed', messageId: 'm6', anonymousId: 'a1', timestamp: iso(3200_000), properties: { order_id: 'W-1', revenue: 100, currency: 'EUR', products: [{ product_id: 'P1', name: XSS_PRODUCT, price: 100, quantity: 1 }] }, context: ctx() },
  ];
  const res = await fx.post('/v1/batch', { batch }, { headers: { origin: ORIGIN } });
  expect(await res.json()).toMatchObject({ accepted: 6, rejected: [] });
  const order = await fx.post('/v1/orders', { order_id: 'S-1', channel: 'store', location: 'berlin', revenue: 50, currency: 'EUR', email: 'jane@example.com', timestamp: iso(600_000) }, { auth: 'secret' });
  expect(order.status).toBe(200);
}

async function login(fx: CollectorFixture) {
  const b = browser(fx);
  const page = await b.get('/dashboard/login');
  const res = await b.post('/dashboard/login', { _login: hidden(await page.text(), '_login'), password: fx.secretKey });
  expect(res.status).toBe(303);
  const home = await b.get('/dashboard');
  expect(home.status).toBe(200);
  return { b, csrf: hidden(await home.text(), '_csrf') };
}

describe('dashboard pages on real data', () => {
  it('every page renders, numbers come from the store, event data is escaped', async () => {
    await withCollector(async (fx) => {
      await seed(fx);
      const { b } = await login(fx);
      const pages: Record<string, string[]> = {
        '/dashboard': ['Orders, all channels', '€150'],
        '/dashboard/attribution': ['All models side by side', 'Email'],
        '/dashboard/attribution?dimension=campaign&model=linear': ['&lt;img src=x onerror=alert(1)&gt;'],
        '/dashboard/ropo': ['of 1 store orders had an online touch before'],
        '/dashboard/funnel': ['Persons per step', 'Checkout Started'],
        '/dashboard/journeys': ['Most frequent channel paths'],
        '/dashboard/vitals': ['No web vitals'],
        '/dashboard/qr': ['New campaign'],
        [`/dashboard/person?email_sha256=${await hashPii('email', 'jane@example.com')}`]: ['Order W-1', 'Order S-1', 'at berlin', '&lt;script&gt;alert(&quot;p&quot;)&lt;/script&gt;'],
        '/dashboard/explain?order=S-1': ['Path and credits', 'Email'],
        '/dashboard/record': ['Offline order', 'Touchpoint'],
        '/dashboard/import': ['CSV file'],
      };
      for (const [path, needles] of Object.entries(pages)) {
        const res = await b.get(path);
        const html = await res.text();
        expect(res.status, path).toBe(200);
        for (const n of needles) expect(html, `${path} shows ${n}`).toContain(n);
        expect(html, path).not.toContain('<img src=x');
        expect(html, path).not.toContain('<script>alert');
      }
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('staff forms record an order by handoff code and a touchpoint by loyalty card; a mistyped code is refused', async () => {
    await withCollector(async (fx) => {
      await seed(fx);
      const hand = await fx.post('/v1/handoff', { anonymousId: 'a1' }, { headers: { origin: ORIGIN } });
      expect(hand.status).toBe(200);
      const { display } = (await hand.json()) as { display: string };
      const { b, csrf } = await login(fx);

      // One wrong character: the check character catches it, nothing is stored.
      const typo = display.slice(0, -1) + (display.endsWith('2') ? '3' : '2');
      const bad = await b.post('/dashboard/record/order', { _csrf: csrf, by: 'handoffCode', who: typo, order_id: 'P-9', channel: 'phone', revenue: '80', currency: 'EUR' });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('Not recorded');

      const ok = await b.post('/dashboard/record/order', { _csrf: csrf, by: 'handoffCode', who: display, order_id: 'P-9', channel: 'phone', revenue: '80,50', currency: 'EUR' });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('Order P-9 recorded.');
      const tp = await b.post('/dashboard/record/touchpoint', { _csrf: csrf, by: 'loyaltyId', who: 'L-77', type: 'store_visit', location: 'berlin', note: 'tried shoes' });
      expect(tp.status).toBe(200);
      expect(await tp.text()).toContain('Store visit recorded.');

      const order = await fx.store.getOrder(fx.site.id, 'P-9');
      expect(order).toMatchObject({ channel: 'phone', revenue: 80.5 });
      // The phone order joined the web visitor through the handoff code.
      const person = await (await b.get('/dashboard/person?kind=anonymousId&value=a1')).text();
      expect(person).toContain('Order P-9');
      expect(person).toContain('Order W-1');

      // Amounts as a till receipt writes them: thousands separator, decimal comma, currency sign.
      const big = await b.post('/dashboard/record/order', { _csrf: csrf, by: 'loyaltyId', who: 'L-77', order_id: 'P-10', channel: 'store', revenue: '1.234,50 €', currency: 'EUR' });
      expect(await big.text()).toContain('Order P-10 recorded.');
      expect(await fx.store.getOrder(fx.site.id, 'P-10')).toMatchObject({ revenue: 1234.5 });
      const junk = await b.post('/dashboard/record/order', { _csrf: csrf, by: 'loyaltyId', who: 'L-77', order_id: 'P-11', channel: 'store', revenue: 'zehn', currency: 'EUR' });
      expect(junk.status).toBe(400);
      expect(await junk.text()).toContain('Amount: enter a number');

      // Without the CSRF token nothing is recorded.
      const forged = await b.post('/dashboard/record/order', { by: 'userId', who: 'C-1', order_id: 'X-1', revenue: '1' });
      expect(forged.status).toBe(403);
      expect(await fx.store.getOrder(fx.site.id, 'X-1')).toBeNull();
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('creates a QR campaign and a personalised mailing, serves SVG/PNG/CSV/sheet', async () => {
    await withCollector(async (fx) => {
      const { b, csrf } = await login(fx);
      const created = await b.post('/dashboard/qr', { _csrf: csrf, name: 'Spring flyer', targetUrl: `${ORIGIN}/spring`, utm_source: 'flyer', utm_medium: 'print' });
      expect(created.status).toBe(303);
      const loc = created.headers.get('location')!;
      const detail = await (await b.get(loc)).text();
      expect(detail).toContain('Campaign created');
      const code = detail.match(/\/dashboard\/qr-codes\/([A-Za-z0-9-]+)\.svg/)![1];
      const svg = await b.get(`/dashboard/qr-codes/${code}.svg`);
      expect(svg.headers.get('content-type')).toBe('image/svg+xml');
      expect(await svg.text()).toContain('<svg');
      const png = await b.get(`/dashboard/qr-codes/${code}.png?download=1`);
      expect(png.headers.get('content-type')).toBe('image/png');
      expect(png.headers.get('content-disposition')).toContain('attachment');

      const id = loc.split('/')[3].split('?')[0];
      const form = new FormData();
      form.set('_csrf', csrf);
      form.set('file', new File(['recipient_ref,email,loyalty_id\nR-1,a@example.com,L-1\nR-2,b@example.com,L-2\n'], 'r.csv', { type: 'text/csv' }));
      const mailing = await b.post(`/dashboard/qr/${id}/recipients`, form);
      expect(mailing.status).toBe(303);
      // A recipient list saved by older Excel (Windows-1252: "ü" is 0xFC) keeps its umlauts.
      const legacy = new FormData();
      legacy.set('_csrf', csrf);
      legacy.set('file', new File([Uint8Array.from([...'recipient_ref,loyalty_id\nR-M\u00fcller,L-9\n'].map((ch) => ch.charCodeAt(0)))], 'r.csv', { type: 'text/csv' }));
      expect((await b.post(`/dashboard/qr/${id}/recipients`, legacy)).status).toBe(303);
      const csv = await (await b.get(`/dashboard/qr/${id}/codes.csv`)).text();
      expect(csv.split('\n')[0]).toContain('code,url,recipient_ref');
      expect(csv).toContain('R-1');
      expect(csv).toContain('R-Müller');
      expect(csv).not.toContain('a@example.com');
      const sheet = await b.get(`/dashboard/qr/${id}/sheet`);
      expect(sheet.status).toBe(200);
      // The sheet is a standalone print page: its own policy lets its inline <style> apply (the
      // dashboard's would block it and print one unstyled column), and still runs no script.
      const sheetCsp = sheet.headers.get('content-security-policy')!;
      expect(await sheet.text()).toContain('<style>');
      expect(sheetCsp).toMatch(/style-src 'unsafe-inline'/);
      expect(sheetCsp).toMatch(/default-src 'none'/);
      expect(sheetCsp).not.toContain('script');
      // Every other page keeps the dashboard's policy: no inline style at all.
      const detailCsp = (await b.get(`/dashboard/qr/${id}`)).headers.get('content-security-policy');
      expect(detailCsp).toMatch(/style-src 'self'/);
      expect(detailCsp).not.toContain('unsafe-inline');

      const bad = await b.post('/dashboard/qr', { _csrf: csrf, name: 'Evil', targetUrl: 'https://evil.example/' });
      expect(bad.status).toBe(400);

      // The form's dates are days: the campaign runs from the first through the last one (UTC).
      const windowed = await b.post('/dashboard/qr', { _csrf: csrf, name: 'Advent', targetUrl: `${ORIGIN}/advent`, startsAt: '2026-12-01', endsAt: '2026-12-24' });
      expect(windowed.status).toBe(303);
      const advent = (await fx.store.listQrCampaigns(fx.site.id)).find((k) => k.name === 'Advent')!;
      expect(advent).toMatchObject({ startsAt: Date.UTC(2026, 11, 1), endsAt: Date.UTC(2026, 11, 25) });
      expect(await (await b.get(windowed.headers.get('location')!)).text()).toContain('from 2026-12-01 through 2026-12-24');
      const reversed = await b.post('/dashboard/qr', { _csrf: csrf, name: 'Oops', targetUrl: `${ORIGIN}/`, startsAt: '2026-12-24', endsAt: '2026-12-01' });
      expect(await reversed.text()).toContain('endsAt must be after startsAt');
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('imports a CSV with streamed progress and reports bad lines', async () => {
    await withCollector(async (fx) => {
      const { b, csrf } = await login(fx);
      const rows = ['Bestellnr;Umsatz;E-Mail;Filiale'];
      for (let i = 1; i <= 1200; i++) rows.push(`B-${i};${i % 100 === 0 ? 'abc' : '19.90'};k${i}@example.com;hamburg`);
      const form = new FormData();
      form.set('_csrf', csrf);
      form.set('kind', 'orders');
      form.set('channel', 'store');
      form.set('map', 'order_id=Bestellnr\nrevenue=Umsatz\nemail=E-Mail\nlocation=Filiale');
      form.set('file', new File([rows.join('\n')], 'pos.csv', { type: 'text/csv' }));
      const res = await b.post('/dashboard/import', form);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html.match(/<progress/g)!.length).toBeGreaterThanOrEqual(3);
      expect(html).toContain('1,200 rows → 1,200 orders: 1,188 imported, 0 unchanged, 12 rejected');
      expect(html).toMatch(/<td class="num">101<\/td>/); // B-100 is on line 101
      expect(await fx.store.countOrders(fx.site.id)).toBe(1188);

      // An older Excel / POS export in Windows-1252: "ü" is 0xFC and "€" is 0x80.
      const cp1252 = Uint8Array.from([...'Bestellnr;Umsatz;Filiale\nW-1;129,00 \u0080;M\u00fcnchen\n'].map((ch) => ch.charCodeAt(0)));
      const legacy = new FormData();
      legacy.set('_csrf', csrf);
      legacy.set('kind', 'orders');
      legacy.set('map', 'order_id=Bestellnr\nrevenue=Umsatz\nlocation=Filiale');
      legacy.set('file', new File([cp1252], 'kasse.csv', { type: 'text/csv' }));
      expect(await (await b.post('/dashboard/import', legacy)).text()).toContain('1 rows → 1 orders: 1 imported');
      expect(await fx.store.getOrder(fx.site.id, 'W-1')).toMatchObject({ revenue: 129, location: 'München' });
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('a site without any data shows empty states, never invented numbers', async () => {
    await withCollector(async (fx) => {
      const { b } = await login(fx);
      for (const path of ['/dashboard', '/dashboard/attribution', '/dashboard/ropo', '/dashboard/funnel', '/dashboard/journeys', '/dashboard/vitals', '/dashboard/qr', '/dashboard/person', '/dashboard/settings']) {
        const res = await b.get(path);
        expect(res.status, path).toBe(200);
        const html = await res.text();
        expect(html, path).not.toMatch(/€[1-9]/);
      }
      // Nothing ever received: the overview says how to start (the snippet is in Settings).
      const fresh = await (await b.get('/dashboard')).text();
      expect(fresh).toContain('This site has received no web events yet');
      expect(fresh).toContain(`href="/dashboard/settings?site=${fx.site.id}"`);
      expect(await (await b.get('/dashboard/attribution')).text()).toContain('No conversions in this date range.');
      expect(await (await b.get('/dashboard/funnel')).text()).toContain('Nobody entered this funnel');
      const nobody = await b.get('/dashboard/person?kind=email&value=nobody%40example.com');
      expect(nobody.status).toBe(303);
      expect((await b.get(nobody.headers.get('location')!)).status).toBe(404);
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('the overview shows cookieless page views and daily visitors apart from the consented visitors, only for a site with cookieless mode or such views', async () => {
    await withCollector(async (fx) => {
      await seed(fx);
      const { b } = await login(fx);
      const LINE = 'Cookieless (no consent):';
      // Consented data only, mode off: no cookieless line.
      expect(await (await b.get('/dashboard')).text()).not.toContain(LINE);
      // Mode on, nothing received yet: the line says 0 (the shop knows it is on and counting).
      await fx.store.updateSiteSettings(fx.site.id, { cookieless: true });
      expect(await (await b.get('/dashboard')).text()).toContain(`${LINE} 0 page views, 0 daily visitors.`);
      const page = (id: string, path: string) => ({ type: 'page', messageId: id, timestamp: new Date(Date.now() - 1800_000).toISOString(), context: { omnitrail: { v: 1, consent: 'denied', cookieless: true }, page: { path } } });
      const res = await fx.post('/v1/batch', { batch: [page('ck1', '/'), page('ck2', '/shoes')] }, { headers: { origin: ORIGIN, 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36' } });
      expect(await res.json()).toMatchObject({ accepted: 2, rejected: [] });
      const html = await (await b.get('/dashboard')).text();
      expect(html).toContain(`${LINE} 2 page views, 1 daily visitors.`);
      // Never mixed into the persons: the one consented visitor stays one.
      expect(html).toContain('<div class="v">1</div><div class="l">Visitors (persons)</div>');
      // Mode off again: still shown while the range holds such views, gone for a range without them.
      await fx.store.updateSiteSettings(fx.site.id, { cookieless: false });
      expect(await (await b.get('/dashboard')).text()).toContain(`${LINE} 2 page views`);
      expect(await (await b.get('/dashboard?from=2020-01-01&to=2020-01-31')).text()).not.toContain(LINE);
    }, { origins: [ORIGIN], rateLimit: false, siteCacheMs: 0 });
  });

  it("the site's reporting time zone decides which day an order belongs to, in the dashboard and the reports API", async () => {
    await withCollector(async (fx) => {
      // 23:30 UTC on 14 June 2025 is 01:30 on 15 June in Berlin (CEST).
      const order = await fx.post('/v1/orders', { order_id: 'S-TZ', channel: 'store', revenue: 80, currency: 'EUR', loyaltyId: 'L-TZ', timestamp: '2025-06-14T23:30:00Z' }, { auth: 'secret' });
      expect(order.status).toBe(200);
      const { b, csrf } = await login(fx);
      const day15 = `/dashboard?site=${fx.site.id}&from=2025-06-15&to=2025-06-15`;
      const orders = (html: string) => html.match(/<div class="v">([^<]*)<\/div><div class="l">Orders, all channels/)![1];
      expect(orders(await (await b.get(day15)).text())).toBe('0');

      const bad = await b.post(`/dashboard/settings/site?site=${fx.site.id}`, { _csrf: csrf, timezone: 'Europe/Nowhere' });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('Unknown time zone');
      const badCountry = await b.post(`/dashboard/settings/site?site=${fx.site.id}`, { _csrf: csrf, timezone: 'Europe/Berlin', defaultCountry: 'XX' });
      expect(await badCountry.text()).toMatch(/Unknown country (&quot;|")XX/);
      const saved = await b.post(`/dashboard/settings/site?site=${fx.site.id}`, { _csrf: csrf, timezone: 'europe/berlin', defaultCountry: 'de' });
      expect(saved.status).toBe(303);
      expect((await fx.store.getSite(fx.site.id))!.settings).toMatchObject({ timezone: 'Europe/Berlin', defaultCountry: 'DE' });
      const settings = await (await b.get(saved.headers.get('location')!)).text();
      expect(settings).toContain('value="Europe/Berlin"');
      expect(settings).toContain('Settings saved.');
      // Cookieless mode: the checkbox sets settings.cookieless; unchecked (not sent) clears it.
      expect(settings).toMatch(/<input id="cookieless" name="cookieless" type="checkbox" value="on" aria-describedby/);
      expect((await fx.store.getSite(fx.site.id))!.settings.cookieless).toBe(false);
      await b.post(`/dashboard/settings/site?site=${fx.site.id}`, { _csrf: csrf, timezone: 'Europe/Berlin', defaultCountry: 'de', cookieless: 'on' });
      expect((await fx.store.getSite(fx.site.id))!.settings).toMatchObject({ cookieless: true, timezone: 'Europe/Berlin', defaultCountry: 'DE' });
      expect(await (await b.get(`/dashboard/settings?site=${fx.site.id}`)).text()).toMatch(/<input id="cookieless" name="cookieless" type="checkbox" value="on" checked="" aria-describedby/);
      // The country now reads national phone numbers: a lookup by "030 …" finds a customer stored as +49 30 ….
      const phoned = await fx.post('/v1/orders', { order_id: 'S-PH', channel: 'phone', revenue: 5, currency: 'EUR', phone: '+49 30 1234567', timestamp: '2025-06-20T10:00:00Z' }, { auth: 'secret' });
      expect(phoned.status).toBe(200);
      const byPhone = await b.get(`/dashboard/person?site=${fx.site.id}&kind=phone&value=${encodeURIComponent('030 1234567')}`);
      expect(byPhone.status).toBe(303);
      expect((await b.get(byPhone.headers.get('location')!)).status).toBe(200);
      // Cleared, the country is gone again (and such a lookup cannot be read).
      await b.post(`/dashboard/settings/site?site=${fx.site.id}`, { _csrf: csrf, timezone: 'Europe/Berlin', defaultCountry: '' });
      expect((await fx.store.getSite(fx.site.id))!.settings.defaultCountry).toBeUndefined();
      expect((await b.get(`/dashboard/person?site=${fx.site.id}&kind=phone&value=${encodeURIComponent('030 1234567')}`)).status).not.toBe(200);

      expect(orders(await (await b.get(day15)).text())).toBe('1');
      expect(await (await b.get(day15)).text()).not.toContain('without conversion');
      // A second currency in the range: the overview says its revenue is not converted.
      await fx.post('/v1/orders', { order_id: 'S-CHF', channel: 'store', revenue: 50, currency: 'CHF', loyaltyId: 'L-TZ', timestamp: '2025-06-15T12:00:00Z' }, { auth: 'secret' });
      expect(await (await b.get(day15)).text()).toContain('Orders in this range are in CHF, EUR: revenue adds their amounts as they are, without conversion.');
      const api = await (await fx.get('/v1/reports/ropo?from=2025-06-15&to=2025-06-15', { auth: 'secret' })).json();
      expect(api).toMatchObject({ from: '2025-06-14T22:00:00.000Z', to: '2025-06-15T22:00:00.000Z' });
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('an empty range points to the latest event, and its link shows the data', async () => {
    await withCollector(async (fx) => {
      const at = Date.UTC(2025, 5, 14, 12);
      const page = (messageId: string, ms: number) => ({ type: 'page', messageId, anonymousId: 'a-old', timestamp: new Date(ms).toISOString(), context: { omnitrail: { v: 1, consent: 'granted', sessionId: 's-old', sessionStart: true }, page: { url: `${ORIGIN}/`, path: '/', referrer: '' } } });
      const res = await fx.post('/v1/batch', { batch: [page('old-1', at - 3 * 86_400_000), page('old-2', at)] }, { headers: { origin: ORIGIN } });
      expect(await res.json()).toMatchObject({ accepted: 2 });
      const { b } = await login(fx);
      const empty = await (await b.get('/dashboard')).text();
      expect(empty).toContain('No data in this date range. The latest event is from');
      const link = empty.match(/href="(\/dashboard\?site=[^"]+)">2025-06-14</)![1].replaceAll('&amp;', '&');
      expect(link).toBe(`/dashboard?site=${fx.site.id}&from=2025-05-16&to=2025-06-14`);
      const shown = await (await b.get(link)).text();
      expect(shown).not.toContain('No data in this date range');
      expect(shown).toMatch(/<div class="v">1<\/div><div class="l">Visitors \(persons\)/);
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('Settings shows the custom channel rules in a textarea; invalid rules are refused with their path and kept for editing', async () => {
    await withCollector(async (fx) => {
      const { b, csrf } = await login(fx);
      const url = `/dashboard/settings/channel-rules?site=${fx.site.id}`;
      expect(await (await b.get(`/dashboard/settings?site=${fx.site.id}`)).text()).toContain('<textarea id="channelRules" name="channelRules"');
      const bad = await b.post(url, { _csrf: csrf, channelRules: '[{"channel": "Partners", "when": {"sauce": "partner"}}]' });
      expect(bad.status).toBe(400);
      const badHtml = await bad.text();
      expect(badHtml).toMatch(/Channel rules not saved: rules\[0\]\.when: unknown field (&quot;|")sauce/);
      expect(badHtml).toContain('&quot;sauce&quot;: &quot;partner&quot;'); // the draft stays in the textarea
      expect((await b.post(url, { _csrf: csrf, channelRules: '[{' })).status).toBe(400);
      expect((await fx.store.getSite(fx.site.id))!.settings.channelRules).toBeUndefined();

      const rules = [{ channel: 'Partners', when: { source: 'partner-a' } }];
      const saved = await b.post(url, { _csrf: csrf, channelRules: JSON.stringify(rules) });
      expect(saved.status).toBe(303);
      expect((await fx.store.getSite(fx.site.id))!.settings.channelRules).toEqual(rules);
      expect(await (await b.get(saved.headers.get('location')!)).text()).toContain('&quot;channel&quot;: &quot;Partners&quot;');
      // Other settings keep the rules; an empty textarea clears them.
      await b.post(`/dashboard/settings/site?site=${fx.site.id}`, { _csrf: csrf, timezone: 'UTC' });
      expect((await fx.store.getSite(fx.site.id))!.settings.channelRules).toEqual(rules);
      expect((await b.post(url, { _csrf: csrf, channelRules: '  ' })).status).toBe(303);
      expect((await fx.store.getSite(fx.site.id))!.settings.channelRules).toBeUndefined();
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('attribution warns about mixed currencies and shows no € for USD or currency-less sums; explain shows the order\'s own currency', async () => {
    await withCollector(async (fx) => {
      const t = new Date(Date.now() - 3600_000).toISOString();
      const post = (o: Record<string, unknown>) => fx.post('/v1/orders', { channel: 'store', timestamp: t, ...o }, { auth: 'secret' });
      expect((await post({ order_id: 'U-1', revenue: 30, currency: 'USD', loyaltyId: 'L-1' })).status).toBe(200);
      const { b } = await login(fx);
      const usd = await (await b.get(`/dashboard/attribution?site=${fx.site.id}`)).text();
      // A range without orders shows no currency sign at all (it used to show €0 for a dollar shop).
      const empty = await (await b.get(`/dashboard?site=${fx.site.id}&from=2020-01-01&to=2020-01-02`)).text();
      expect(empty).toContain('<div class="v">0</div><div class="l">Revenue</div>');
      expect(usd).toContain('US$30');
      expect(usd).not.toContain('€');
      expect(usd).not.toContain('without conversion');
      expect((await post({ order_id: 'N-1', revenue: 20, loyaltyId: 'L-2' })).status).toBe(200);
      const mixed = await (await b.get(`/dashboard/attribution?site=${fx.site.id}`)).text();
      expect(mixed).toContain('Orders in this range are in USD and 1 without a currency: revenue adds their amounts as they are, without conversion.');
      expect(mixed).not.toMatch(/€|US\$/);
      const overview = await (await b.get(`/dashboard?site=${fx.site.id}`)).text();
      expect(overview).toContain('Orders in this range are in USD and 1 without a currency');
      const explained = await (await b.get(`/dashboard/explain?site=${fx.site.id}&order=N-1`)).text();
      expect(explained).toContain('20.00');
      expect(explained).not.toContain('€');
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('Settings → Currency converts revenue everywhere at fixed rates; a bad rate is refused and kept for editing', async () => {
    await withCollector(async (fx) => {
      const t = new Date(Date.now() - 3600_000).toISOString();
      const post = (o: Record<string, unknown>) => fx.post('/v1/orders', { channel: 'store', timestamp: t, loyaltyId: 'L-1', ...o }, { auth: 'secret' });
      expect((await post({ order_id: 'E-1', revenue: 100, currency: 'EUR' })).status).toBe(200);
      expect((await post({ order_id: 'U-1', revenue: 30, currency: 'USD' })).status).toBe(200);
      const { b, csrf } = await login(fx);
      const url = `/dashboard/settings/currency?site=${fx.site.id}`;
      const bad = await b.post(url, { _csrf: csrf, currency: 'EUR', rates: 'USD=0.5\nCHF=zero' });
      expect(bad.status).toBe(400);
      const badHtml = await bad.text();
      expect(badHtml).toContain('Currency not saved: CHF: &quot;zero&quot; is not a rate');
      expect(badHtml).toContain('USD=0.5\nCHF=zero</textarea>'); // the draft stays
      expect((await fx.store.getSite(fx.site.id))!.settings.currency).toBeUndefined();

      const saved = await b.post(url, { _csrf: csrf, currency: 'eur', rates: 'USD=0,5\r\n' });
      expect(saved.status).toBe(303);
      expect((await fx.store.getSite(fx.site.id))!.settings).toMatchObject({ currency: 'EUR', exchangeRates: { USD: 0.5 } });
      const form = await (await b.get(saved.headers.get('location')!)).text();
      expect(form).toContain('name="currency" value="EUR"');
      expect(form).toContain('>USD=0.5</textarea>');

      const notice = "Revenue is in EUR: 1 order in USD was converted at the site&#39;s fixed rate (1 USD = 0.5 EUR).";
      const overview = await (await b.get(`/dashboard?site=${fx.site.id}`)).text();
      expect(overview).toContain('<div class="v">€115</div><div class="l">Revenue</div>');
      expect(overview).toContain(notice);
      const attribution = await (await b.get(`/dashboard/attribution?site=${fx.site.id}`)).text();
      expect(attribution).toContain('<td class="num">€115</td>');
      expect(attribution).toContain(notice);
      const explained = await (await b.get(`/dashboard/explain?site=${fx.site.id}&order=U-1`)).text();
      expect(explained).toContain('<div class="v">€15.00</div><div class="l">Order value (US$30.00 at 0.5)</div>');
      const person = await (await b.get(`/dashboard/person?site=${fx.site.id}&kind=loyaltyId&value=L-1`)).text();
      expect(person).toContain('<div class="v">€115.00</div><div class="l">Revenue</div>');
      expect(person).toContain("Revenue is in EUR: 1 order in USD was converted");
      // Staff record orders in the reporting currency by default.
      await fx.store.updateSiteSettings(fx.site.id, { ...(await fx.store.getSite(fx.site.id))!.settings, currency: 'CHF', exchangeRates: {} });
      expect(await (await b.get(`/dashboard/record?site=${fx.site.id}`)).text()).toContain('name="currency" value="CHF"');
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('report pages link their tables as CSV, with the page\'s filters; the download is the API\'s CSV', async () => {
    await withCollector(
      async (fx) => {
        const q = await scanThenOrders(fx, [{ order_id: 'E1', revenue: 100, currency: 'EUR' }]);
        const { b } = await login(fx);
        const from = new URLSearchParams(q).get('from')!.slice(0, 10);
        const page = await (await b.get(`/dashboard/ropo?site=${fx.site.id}&from=${from}`)).text();
        const href = page.match(/href="(\/dashboard\/csv\/ropo\?[^"]*table=sales-channels)"/)![1].replaceAll('&amp;', '&');
        expect(new URL(href, fx.url).searchParams.get('from')).toBe(from);
        const res = await b.get(href);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
        const api = await fx.get(`/v1/reports/ropo?site=${fx.site.id}&from=${from}&to=${new URL(href, fx.url).searchParams.get('to')}&format=csv`);
        expect(await res.text()).toBe(await api.text());
        // The funnel's link carries its steps.
        const funnel = await (await b.get(`/dashboard/funnel?site=${fx.site.id}&steps=A,B`)).text();
        expect(funnel).toMatch(/href="\/dashboard\/csv\/funnel\?steps=A%2CB&amp;/);
        expect((await b.get(`/dashboard/csv/channels?site=${fx.site.id}`)).status).toBe(404);
        expect((await b.get(`/dashboard/csv/ropo?site=${fx.site.id}&table=nope`)).status).toBe(400);
        // Signed out, no data.
        expect((await browser(fx).get(href)).status).not.toBe(200);
      },
      { now: () => Date.now() - 3600_000, origins: [ORIGIN], rateLimit: false },
    );
  });

  it('webhooks: a site session adds one (secret shown once), cannot aim at a private network, tests and removes it; forms need the CSRF token', async () => {
    await withCollector(async (fx) => {
      const { b, csrf } = await login(fx);
      const url = `/dashboard/webhooks?site=${fx.site.id}`;
      expect(await (await b.get(url)).text()).toContain('No webhooks yet.');
      expect((await b.post(url, { url: 'https://crm.example/h', events: 'order.created' })).status).toBe(403);

      const local = await b.post(url, { _csrf: csrf, url: 'https://10.0.0.7/h', events: 'order.created' });
      expect(local.status).toBe(400);
      const localHtml = await local.text();
      expect(localHtml).toContain('Webhook not added: webhook URL points to this machine or a private network (10.0.0.7)');
      // The form keeps what was typed.
      expect(localHtml).toContain('value="https://10.0.0.7/h"');
      expect((await b.post(url, { _csrf: csrf, url: 'https://crm.example/h' })).status).toBe(400);

      const form = new URLSearchParams({ _csrf: csrf, url: 'https://crm.example/h' });
      form.append('events', 'order.created');
      form.append('events', 'touchpoint.created');
      const res = await b.post(url, form);
      expect(res.status).toBe(200);
      const html = await res.text();
      const secret = /whsec_[A-Za-z0-9+/=]+/.exec(html)?.[0];
      expect(secret).toBeTruthy();
      expect(await fx.store.listWebhooks(fx.site.id)).toMatchObject([{ url: 'https://crm.example/h', events: ['order.created', 'touchpoint.created'] }]);
      const listed = await (await b.get(url)).text();
      expect(listed).toContain('https://crm.example/h');
      expect(listed).toContain('No message sent yet.');
      expect(listed).not.toContain(secret!);

      // A receiver on this machine, registered by the operator: the page's Test button reaches it.
      const rx = await receiver();
      try {
        const { webhook, secret: local2 } = await fx.store.createWebhook(fx.site.id, { url: rx.url, events: ['order.created'] });
        const tested = await (await b.post(`/dashboard/webhooks/${webhook.id}/test?site=${fx.site.id}`, { _csrf: csrf })).text();
        expect(tested).toContain(`Test message delivered to ${rx.url} (HTTP 200).`);
        expect(new Webhook(local2).verify(rx.got[0].body, rx.got[0].headers as Record<string, string>)).toMatchObject({ type: 'webhook.test' });
        const removed = await (await b.post(`/dashboard/webhooks/${webhook.id}/remove?site=${fx.site.id}`, { _csrf: csrf })).text();
        expect(removed).toContain('removed');
        expect((await fx.store.listWebhooks(fx.site.id)).map((w) => w.url)).toEqual(['https://crm.example/h']);
        expect((await b.post(`/dashboard/webhooks/${webhook.id}/remove?site=${fx.site.id}`, { _csrf: csrf })).status).toBe(404);
      } finally {
        await rx.close();
      }
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('the overview gives a sales channel the same colour in the orders and the revenue chart', async () => {
    await withCollector(async (fx) => {
      const t = new Date(Date.now() - 3600_000).toISOString();
      // Phone leads by orders (2 against 1), store by revenue (500 against 20).
      const orders = [
        { order_id: 'P1', channel: 'phone', revenue: 10, currency: 'EUR', loyaltyId: 'L-1', timestamp: t },
        { order_id: 'P2', channel: 'phone', revenue: 10, currency: 'EUR', loyaltyId: 'L-2', timestamp: t },
        { order_id: 'S1', channel: 'store', revenue: 500, currency: 'EUR', loyaltyId: 'L-3', timestamp: t },
      ];
      expect((await fx.post('/v1/orders', { orders }, { auth: 'secret' })).status).toBe(200);
      const { b } = await login(fx);
      const html = await (await b.get(`/dashboard?site=${fx.site.id}`)).text();
      expect(html).toContain('Orders per day by sales channel, stacked by Phone, Store.');
      expect(html).toContain('Revenue per day by sales channel, stacked by Phone, Store.');
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('a campaign with more codes than a page shows them all: code pages and one printable sheet per 1000 codes', async () => {
    await withCollector(async (fx) => {
      const { id } = (await (await fx.post('/v1/qr/campaigns', { name: 'Big mailing', targetUrl: `${ORIGIN}/` }, { auth: 'secret' })).json()) as { id: string };
      for (const count of [1000, 205]) expect((await fx.post(`/v1/qr/campaigns/${id}/codes`, { count }, { auth: 'secret' })).status).toBe(201);
      const all = (await fx.store.listQrCodes(fx.site.id, id, { limit: 5000 })).map((k) => k.code);
      expect(all).toHaveLength(1205);
      const { b } = await login(fx);
      const base = `/dashboard/qr/${id}?site=${fx.site.id}`;
      const shown = (html: string) => [...html.matchAll(/<th scope="row"><code>(\w+)<\/code><\/th>/g)].map((m) => m[1]);
      let html = await (await b.get(base)).text();
      expect(html).toContain('Codes (1,205)');
      expect(html).toContain('Codes 1–200 of 1,205');
      expect(shown(html)).toEqual(all.slice(0, 200));
      // Follow "Next" to the last page.
      const seen: string[] = [];
      for (let i = 0; ; i++) {
        seen.push(...shown(html));
        const next = html.match(/href="([^"]+)">Next 200 codes</);
        if (!next) break;
        html = await (await b.get(next[1].replace(/&amp;/g, '&'))).text();
      }
      expect(seen).toEqual(all);
      expect(html).toContain('Codes 1,201–1,205 of 1,205');
      // Two sheets: codes 1–1000 and 1001–1205.
      expect(html).toContain('Printable sheet, codes 1,001–1,205');
      const sheet = await (await b.get(`/dashboard/qr/${id}/sheet?site=${fx.site.id}&part=2`)).text();
      expect([...sheet.matchAll(/<b>(\w+)<\/b>/g)].map((m) => m[1])).toEqual(all.slice(1000));
      expect(sheet).toContain('QR codes 1001–1205 of 1205');
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it("a campaign's page keeps the list's date range, shows it and has its own range form", async () => {
    await withCollector(async (fx) => {
      await scanThenOrders(fx, [{ order_id: 'E1', revenue: 70, currency: 'EUR' }]);
      const { b } = await login(fx);
      const scans = (html: string) => Number(html.match(/<code>\w+<\/code><\/th><td>shared<\/td><td><\/td><td>.*?<\/td><td class="num">(\d+)<\/td>/)![1]);
      const list = await (await b.get(`/dashboard/qr?site=${fx.site.id}&from=2020-01-01&to=2020-01-31`)).text();
      const link = list.match(/href="(\/dashboard\/qr\/cmp_\w+\?[^"]+)"/)![1].replace(/&amp;/g, '&');
      expect(link).toContain('from=2020-01-01&to=2020-01-31');
      const old = await (await b.get(link)).text();
      expect(old).toContain('name="from" value="2020-01-01"');
      expect(scans(old)).toBe(0);
      const now = await (await b.get(link.replace(/&from=.*$/, ''))).text();
      expect(scans(now)).toBe(1);
    }, { origins: [ORIGIN], rateLimit: false, now: () => Date.now() - 3600_000 });
  });

  it('the overview counts a partly refunded order with what remains, as the reports do', async () => {
    await withCollector(async (fx) => {
      const at = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();
      const orders = [
        { order_id: 'R1', channel: 'store', revenue: 100, currency: 'EUR', loyaltyId: 'L-1', timestamp: at(3) },
        { order_id: 'R1', channel: 'store', status: 'refunded', revenue: 60, currency: 'EUR', loyaltyId: 'L-1', timestamp: at(2) },
        { order_id: 'R2', channel: 'store', revenue: 40, currency: 'EUR', loyaltyId: 'L-2', timestamp: at(3) },
        { order_id: 'R2', channel: 'store', status: 'refunded', currency: 'EUR', loyaltyId: 'L-2', timestamp: at(2) },
      ];
      expect((await fx.post('/v1/orders', { orders }, { auth: 'secret' })).status).toBe(200);
      const { b } = await login(fx);
      const html = await (await b.get(`/dashboard?site=${fx.site.id}`)).text();
      const kpi = (label: string) => html.match(new RegExp(`<div class="v">([^<]*)</div><div class="l">${label}</div>`))![1];
      expect([kpi('Orders, all channels'), kpi('Revenue')]).toEqual(['1', '€60']);
      const attribution = await (await b.get(`/dashboard/attribution?site=${fx.site.id}`)).text();
      expect(attribution).toContain('<div class="v">€60</div><div class="l">Revenue</div>');
      // The person's page too: R1 keeps 60, the fully refunded R2 nothing.
      const person = await (await b.get(`/dashboard/person?site=${fx.site.id}&kind=loyaltyId&value=L-1`)).text();
      expect(person).toContain('<div class="v">€60.00</div><div class="l">Revenue</div>');
      // A second currency: no sign on the sum, and the page says why.
      expect((await fx.post('/v1/orders', { order_id: 'R3', channel: 'store', revenue: 5, currency: 'USD', loyaltyId: 'L-1', timestamp: at(1) }, { auth: 'secret' })).status).toBe(200);
      const mixed = await (await b.get(`/dashboard/person?site=${fx.site.id}&kind=loyaltyId&value=L-1`)).text();
      expect(mixed).toContain('<div class="v">65.00</div><div class="l">Revenue</div>');
      expect(mixed).toContain("This person&#39;s orders are in EUR, USD: revenue adds their amounts as they are, without conversion.");
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it("explains an order older than the default 30 days in its own range; a miss names the site's days", async () => {
    await withCollector(async (fx) => {
      const old = Date.now() - 60 * 86_400_000;
      const order = { order_id: 'OLD-1', channel: 'store', revenue: 25, currency: 'EUR', loyaltyId: 'L-1', timestamp: new Date(old).toISOString() };
      expect((await fx.post('/v1/orders', order, { auth: 'secret' })).status).toBe(200);
      const { b } = await login(fx);
      const res = await b.get(`/dashboard/explain?site=${fx.site.id}&order=OLD-1`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('Path and credits');
      const day = new Date(old).toISOString().slice(0, 10);
      expect(html).toContain(`name="to" value="${day}"`);
      // An explicit range that misses it says so in days, not UTC instants.
      const miss = await b.get(`/dashboard/explain?site=${fx.site.id}&order=OLD-1&from=2020-01-01&to=2020-01-31`);
      expect(miss.status).toBe(404);
      expect(await miss.text()).toContain('order OLD-1 not found in the date range 2020-01-01 – 2020-01-31 (UTC)');
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('web vitals says when it shows only the pages with the most samples', async () => {
    await withCollector(async (fx) => {
      const t = new Date(Date.now() - 3600_000).toISOString();
      const batch = Array.from({ length: 35 }, (_, i) => ({
        type: 'track', event: 'Web Vitals', messageId: `v${i}`, anonymousId: `a${i}`, timestamp: t,
        properties: { metric: 'LCP', value: 1000 + i, rating: 'good', id: `v${i}` },
        context: { omnitrail: { v: 1, consent: 'granted' }, page: { url: `${ORIGIN}/p${i}`, path: `/p${i}` } },
      }));
      expect(await (await fx.post('/v1/batch', { batch }, { headers: { origin: ORIGIN } })).json()).toMatchObject({ accepted: 35, rejected: [] });
      const { b } = await login(fx);
      const html = await (await b.get(`/dashboard/vitals?site=${fx.site.id}`)).text();
      expect(html).toContain('Showing the 29 pages with the most samples of 35');
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it("a heavy user's timeline says it shows only the latest events and does not claim their first visit", async () => {
    await withCollector(async (fx) => {
      // Noon UTC, 30 days ago: the oldest event shown (the 101st, 16 h 40 min later) falls on the
      // next day, whatever the time of day the test runs at.
      const start = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 30 * 86_400_000 + 12 * 3_600_000;
      for (let b = 0; b < 5; b++) {
        const batch = Array.from({ length: 420 }, (_, i) => {
          const n = b * 420 + i;
          return { type: 'track', event: 'Web Vitals', messageId: `h${n}`, anonymousId: 'heavy', timestamp: new Date(start + n * 600_000).toISOString(), properties: { metric: 'LCP', value: 900, id: `v${n}` }, context: { omnitrail: { v: 1, consent: 'granted' }, page: { url: `${ORIGIN}/`, path: '/' } } };
        });
        expect(await (await fx.post('/v1/batch', { batch }, { headers: { origin: ORIGIN } })).json()).toMatchObject({ accepted: 420, rejected: [] });
      }
      const { b } = await login(fx);
      const html = await (await b.get(`/dashboard/person?site=${fx.site.id}&kind=anonymousId&value=heavy`)).text();
      expect(html).toContain('Showing the latest 2,000 events');
      const first = html.match(/<div class="v">([^<]*)<\/div><div class="l">First seen/)![1];
      expect(first).toMatch(/^before \d{4}-\d{2}-\d{2}$/);
      expect(first).not.toContain(new Date(start).toISOString().slice(0, 10));
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('top journeys shows 25 paths by default and 100 or 500 on request (?limit=, capped at 500), keeping the range', async () => {
    await withCollector(async (fx) => {
      // 30 custom channels, one visitor each: 30 distinct one-step paths.
      const rules = Array.from({ length: 30 }, (_, i) => ({ channel: `Ch${i}`, when: { source: `s${i}` } }));
      await fx.store.updateSiteSettings(fx.site.id, { ...fx.site.settings, channelRules: rules });
      const t = new Date(Date.now() - 3600_000).toISOString();
      const batch = rules.map((_, i) => ({
        type: 'page', messageId: `jp${i}`, anonymousId: `ja${i}`, timestamp: t,
        context: { omnitrail: { v: 1, consent: 'granted', sessionId: `js${i}`, sessionStart: true }, page: { url: `${ORIGIN}/`, path: '/' }, campaign: { source: `s${i}`, medium: 'x' } },
      }));
      expect((await fx.post('/v1/batch', { batch }, { headers: { origin: ORIGIN } })).status).toBe(200);
      const { b } = await login(fx);
      const rows = (html: string) => (html.match(/<td><span class="path">/g) ?? []).length;
      const first = await (await b.get(`/dashboard/journeys?site=${fx.site.id}`)).text();
      expect(rows(first)).toBe(25);
      expect(first).toContain('Showing the 25 most frequent of 30 distinct paths.');
      const more = first.match(/<a href="(\/dashboard\/journeys\?[^"]*limit=100)">100<\/a>/)![1].replaceAll('&amp;', '&');
      expect(more).toContain('from=');
      const all = await (await b.get(more)).text();
      expect(rows(all)).toBe(30);
      expect(all).toContain('<input type="hidden" name="limit" value="100"/>');
      expect(rows(await (await b.get(`/dashboard/journeys?site=${fx.site.id}&limit=99999`)).text())).toBe(30);
      expect((await b.get(`/dashboard/journeys?site=${fx.site.id}&limit=lots`)).status).toBe(200);
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('person lookup posts the e-mail / phone (CSRF-checked) and shows the person under the hashed identifier, never the raw value in a URL', async () => {
    await withCollector(async (fx) => {
      await seed(fx);
      const { b, csrf } = await login(fx);
      const form = await (await b.get(`/dashboard/person?site=${fx.site.id}`)).text();
      expect(form).toContain(`<form method="post" action="/dashboard/person?site=${fx.site.id}"`);
      expect((await b.post(`/dashboard/person?site=${fx.site.id}`, { kind: 'email', value: 'Jane@Example.com' })).status).toBe(403);
      const found = await b.post(`/dashboard/person?site=${fx.site.id}`, { _csrf: csrf, kind: 'email', value: 'Jane@Example.com' });
      expect(found.status).toBe(303);
      const hash = (await hashPii('email', 'jane@example.com'))!;
      expect(found.headers.get('location')).toBe(`/dashboard/person?site=${fx.site.id}&email_sha256=${hash}`);
      const html = await (await b.get(found.headers.get('location')!)).text();
      expect(html).toContain('Order W-1');
      expect(html).toContain('Looked up by e-mail (by its SHA-256 hash, as stored).');
      // Not an e-mail address: answered on the spot, with no redirect carrying the value.
      const bad = await b.post(`/dashboard/person?site=${fx.site.id}`, { _csrf: csrf, kind: 'email', value: 'not-an-address' });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('That e-mail is not valid.');
      // Other identifiers keep their readable URL; old raw e-mail links are sent on to the hash.
      expect((await b.post(`/dashboard/person?site=${fx.site.id}`, { _csrf: csrf, kind: 'anonymousId', value: 'a1' })).headers.get('location')).toBe(`/dashboard/person?site=${fx.site.id}&anonymousId=a1`);
      expect((await b.get(`/dashboard/person?site=${fx.site.id}&email=jane%40example.com`)).headers.get('location')).toBe(`/dashboard/person?site=${fx.site.id}&email_sha256=${hash}`);
      // A touchpoint recorded by e-mail links to the timeline by the hash too.
      const tp = await (await b.post(`/dashboard/record/touchpoint?site=${fx.site.id}`, { _csrf: csrf, by: 'email', who: 'jane@example.com', type: 'store_visit', location: 'berlin' })).text();
      expect(tp).toContain(`/dashboard/person?site=${fx.site.id}&amp;email_sha256=${hash}`);
      expect(tp).not.toMatch(/person[^"]*jane/i);
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('a range longer than 401 days is cut, and the form says so', async () => {
    await withCollector(async (fx) => {
      const { b } = await login(fx);
      const html = await (await b.get(`/dashboard/journeys?site=${fx.site.id}&from=2020-01-01&to=2026-03-01`)).text();
      expect(html).toContain('A range covers at most 401 days: this one starts on 2025-01-25, not 2020-01-01.');
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it("the offline sale form proposes the shop's own currency, not always EUR", async () => {
    await withCollector(async (fx) => {
      const { b } = await login(fx);
      const cur = async () => (await (await b.get(`/dashboard/record?site=${fx.site.id}`)).text()).match(/id="o-cur" name="currency" value="(\w+)"/)![1];
      expect(await cur()).toBe('EUR'); // no orders yet
      const t = new Date(Date.now() - 3600_000).toISOString();
      expect((await fx.post('/v1/orders', { order_id: 'U1', channel: 'store', revenue: 30, currency: 'USD', loyaltyId: 'L-1', timestamp: t }, { auth: 'secret' })).status).toBe(200);
      expect(await cur()).toBe('USD');
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('without any site, the staff forms say how to create one instead of taking input they must refuse', async () => {
    await withCollector(async (fx) => {
      await setAdminPassword(fx.store, 'admin-pass-1234', 1000);
      await fx.store.removeSite(fx.site.id);
      const b = browser(fx);
      const page = await b.get('/dashboard/login');
      expect((await b.post('/dashboard/login', { _login: hidden(await page.text(), '_login'), password: 'admin-pass-1234' })).status).toBe(303);
      for (const path of ['/dashboard/record', '/dashboard/import']) {
        const html = await (await b.get(path)).text();
        expect({ path, hint: html.includes('No site yet. Create one with'), form: html.includes('type="submit">Record order') || html.includes('enctype="multipart/form-data"') }).toEqual({ path, hint: true, form: false });
      }
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('attribution by campaign with thousands of campaigns shows the top rows and says so', async () => {
    await withCollector(async (fx) => {
      const t0 = Date.now() - 86_400_000;
      const batch = Array.from({ length: 250 }, (_, n) => [
        { type: 'page', messageId: `p${n}`, anonymousId: `a${n}`, timestamp: new Date(t0 + n * 1000).toISOString(), context: { omnitrail: { v: 1, consent: 'granted', sessionId: `s${n}`, sessionStart: true }, page: { url: `${ORIGIN}/`, path: '/' }, campaign: { source: 'ads', medium: 'cpc', name: `camp-${n}` } } },
        { type: 'track', event: 'Order Completed', messageId: `o${n}`, anonymousId: `a${n}`, timestamp: new Date(t0 + n * 1000 + 500).toISOString(), properties: { order_id: `O-${n}`, revenue: n + 1, currency: 'EUR' }, context: { omnitrail: { v: 1, consent: 'granted', sessionId: `s${n}` }, page: { url: `${ORIGIN}/`, path: '/' } } },
      ]).flat();
      expect(await (await fx.post('/v1/batch', { batch }, { headers: { origin: ORIGIN } })).json()).toMatchObject({ accepted: 500, rejected: [] });
      const { b } = await login(fx);
      const html = await (await b.get(`/dashboard/attribution?site=${fx.site.id}&dimension=campaign&model=linear`)).text();
      expect(html).toContain('Showing the 200 campaigns with the most revenue under Linear of 250');
      const table = html.slice(html.indexOf('All models side by side'));
      expect(table).toContain('<th scope="row">camp-249</th>'); // the largest
      expect(table).not.toContain('<th scope="row">camp-0</th>'); // the smallest is cut
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('an offline-only site with an empty range is told there is no data in the range, not that it has received nothing', async () => {
    await withCollector(async (fx) => {
      expect((await fx.post('/v1/orders', { order_id: 'S1', channel: 'store', revenue: 30, currency: 'EUR', loyaltyId: 'L-1', timestamp: new Date(Date.now() - 3600_000).toISOString() }, { auth: 'secret' })).status).toBe(200);
      const { b } = await login(fx);
      const html = await (await b.get(`/dashboard?site=${fx.site.id}&from=2020-01-01&to=2020-01-31`)).text();
      expect(html).toContain('No orders in this date range. This site has offline orders but no web events yet');
      expect(html).not.toContain('Offline orders and touchpoints come in through');
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('ROPO names the offline sales channels it counts (b2b too, not always "store/phone")', async () => {
    await withCollector(async (fx) => {
      const t = new Date(Date.now() - 3600_000).toISOString();
      const orders = [
        { order_id: 'B1', channel: 'b2b', revenue: 900, currency: 'EUR', loyaltyId: 'L-1', timestamp: t },
        { order_id: 'S1', channel: 'store', revenue: 90, currency: 'EUR', loyaltyId: 'L-2', timestamp: t },
      ];
      expect((await fx.post('/v1/orders', { orders }, { auth: 'secret' })).status).toBe(200);
      const { b } = await login(fx);
      const html = await (await b.get(`/dashboard/ropo?site=${fx.site.id}`)).text();
      expect(html).toContain('of 2 b2b/store orders had an online touch before');
    }, { origins: [ORIGIN], rateLimit: false });
  });

  it('ROPO, QR and journeys show the one currency of their orders (no € for USD) and warn when currencies are mixed', async () => {
    await withCollector(async (fx) => {
      await scanThenOrders(fx, [{ order_id: 'U1', revenue: 30, currency: 'USD' }]);
      const { b } = await login(fx);
      const pages = ['/dashboard/ropo', '/dashboard/qr', '/dashboard/journeys'];
      for (const path of pages) {
        const html = await (await b.get(`${path}?site=${fx.site.id}`)).text();
        expect({ path, usd: /US\$\d/.test(html), eur: html.includes('€'), notice: html.includes('without conversion') }).toEqual({ path, usd: true, eur: false, notice: false });
      }
      await scanThenOrders(fx, [{ order_id: 'E1', revenue: 70, currency: 'EUR' }]);
      for (const path of pages) {
        const html = await (await b.get(`${path}?site=${fx.site.id}`)).text();
        expect({ path, notice: html.includes('Orders in this range are in EUR, USD: revenue adds their amounts as they are, without conversion.'), sign: /€|US\$/.test(html) }).toEqual({ path, notice: true, sign: false });
      }
    }, { origins: [ORIGIN], rateLimit: false, now: () => Date.now() - 3600_000 });
  });
});
