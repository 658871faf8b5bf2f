/**
 * The QR routes of the dashboard: the pages (qr.tsx), the forms that create a campaign, add shared
 * codes or a personalised mailing, enable or disable a campaign, and the SVG/PNG/CSV downloads and
 * the printable sheet. Validation and storage are the QR admin API's own functions (`qr/*`,
 * `store.*Qr*`).
 */
import type { Hono } from 'hono';
import { decodeCsv } from '../../orders/csv-encoding';
import { siteCountry } from '../../pii/index';
import { normaliseCode } from '../../qr/alphabet';
import { parseNewCampaign } from '../../qr/campaign';
import { QrInputError } from '../../qr/errors';
import { codesCsv, codesSheet } from '../../qr/export';
import { parseRecipientsCsv } from '../../qr/recipients';
import { canRenderPng, parseRenderOptions, renderPng, renderSvg } from '../../qr/render';
import { requestOrigin } from '../../qr/request-origin';
import { scanUrl } from '../../qr/url';
import { dayStart, nextDay, siteTimeZone } from '../../reports/zone';
import type { DashEnv } from '../index';
import { validDay } from '../range';
import { campaignOr404, campaignPage, listPage, SHEET_PAGE, siteQ } from './qr';

function text(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

/**
 * A date input of the campaign form as an instant in the site's time zone, like the report
 * ranges: the first day from its start; the last day (`last`) through its end, so the campaign
 * ends when the next day starts. Anything else goes on to the validation.
 */
function formDay(s: string, tz: string, last = false): string | number | null {
  if (!s) return null;
  if (!validDay(s)) return s;
  return dayStart(last ? nextDay(s) : s, tz);
}

/**
 * Register the QR pages and their form/download endpoints.
 *
 * @example
 * registerQrPages(app, { publicUrl: 'https://t.shop.example' });
 */
export function registerQrPages(app: Hono<DashEnv>, opts: { publicUrl?: string } = {}): void {
  app.get('/qr', (c) => listPage(c));

  app.post('/qr', async (c) => {
    const p = c.get('page');
    if (!p.site) return listPage(c, 'No site.');
    const b = await c.req.parseBody();
    const tz = siteTimeZone(p.site.settings);
    const utm: Record<string, string> = {};
    if (text(b.utm_source)) utm.utm_source = text(b.utm_source);
    if (text(b.utm_medium)) utm.utm_medium = text(b.utm_medium);
    try {
      const input = parseNewCampaign(
        { name: text(b.name), targetUrl: text(b.targetUrl), fallbackUrl: text(b.fallbackUrl) || null, utm, startsAt: formDay(text(b.startsAt), tz), endsAt: formDay(text(b.endsAt), tz, true) },
        p.site.origins,
        opts.publicUrl ?? requestOrigin(c),
      );
      const k = await p.store.createQrCampaign(p.site.id, input);
      await p.store.createSharedQrCodes(p.site.id, k.id, { count: 1, label: 'main' });
      return c.redirect(`/dashboard/qr/${encodeURIComponent(k.id)}?${siteQ(c)}&done=created`, 303);
    } catch (e) {
      if (e instanceof QrInputError) return listPage(c, e.message);
      throw e;
    }
  });

  app.get('/qr-codes/:name', async (c) => {
    const p = c.get('page');
    const m = /^([A-Za-z0-9-]{1,64})\.(svg|png)$/.exec(c.req.param('name'));
    if (!m || !p.site) return c.notFound();
    const code = await p.store.getQrCode(p.site.id, normaliseCode(m[1]));
    const k = code && (await p.store.getQrCampaign(p.site.id, code.campaignId));
    if (!code || !k) return c.notFound();
    const url = scanUrl(k.baseUrl, code.code);
    const disposition = `${c.req.query('download') ? 'attachment' : 'inline'}; filename="${code.code}.${m[2]}"`;
    if (m[2] === 'svg') return c.body(await renderSvg(url, parseRenderOptions({})), 200, { 'content-type': 'image/svg+xml', 'content-disposition': disposition });
    if (!canRenderPng()) return c.text('PNG rendering is not available on this runtime; use SVG.', 501);
    const png = await renderPng(url, parseRenderOptions({ size: '600' }));
    return c.body(png as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'image/png', 'content-disposition': disposition });
  });

  app.get('/qr/:id', (c) => campaignPage(c));

  app.get('/qr/:id/codes.csv', async (c) => {
    const p = c.get('page');
    const k = await campaignOr404(c);
    if (!k || !p.site) return c.notFound();
    let out = '';
    let after: string | null = null;
    for (let first = true; ; first = false) {
      const page = await p.store.listQrCodes(p.site.id, k.id, { after, limit: 5000 });
      out += codesCsv(k, page, first);
      if (page.length < 5000) break;
      after = page[page.length - 1].code;
    }
    return c.body(out, 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${k.id}-codes.csv"` });
  });

  app.get('/qr/:id/sheet', async (c) => {
    const p = c.get('page');
    const k = await campaignOr404(c);
    if (!k || !p.site) return c.notFound();
    // Part N of a campaign with more than SHEET_PAGE codes (the campaign page links every part):
    // walk the keyset to its first code, listing codes only, which is cheap next to rendering.
    const part = Math.max(1, Math.floor(Number(c.req.query('part')) || 1));
    let after: string | null = null;
    for (let i = 1; i < part; i++) {
      const skip = await p.store.listQrCodes(p.site.id, k.id, { after, limit: SHEET_PAGE });
      if (skip.length < SHEET_PAGE) return c.notFound();
      after = skip[skip.length - 1].code;
    }
    const codes = await p.store.listQrCodes(p.site.id, k.id, { after, limit: SHEET_PAGE });
    const total = k.codes ?? codes.length;
    const first = (part - 1) * SHEET_PAGE + 1;
    const title = total > SHEET_PAGE ? `${k.name} — QR codes ${first}–${first + codes.length - 1} of ${total}` : undefined;
    const html = await codesSheet(k, codes, { ...parseRenderOptions({ size: '180' }), title });
    // The sheet is a standalone print page with its own inline styles; still no scripts.
    c.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'");
    return c.html(html);
  });

  app.post('/qr/:id/codes', async (c) => {
    const p = c.get('page');
    const k = await campaignOr404(c);
    if (!k || !p.site) return c.notFound();
    const b = await c.req.parseBody();
    const count = Number(text(b.count) || '1');
    if (!Number.isInteger(count) || count < 1 || count > 1000) return campaignPage(c, 'How many: a whole number from 1 to 1000.');
    const label = text(b.label).slice(0, 200) || null;
    await p.store.createSharedQrCodes(p.site.id, k.id, { count, label });
    return c.redirect(`/dashboard/qr/${encodeURIComponent(k.id)}?${siteQ(c)}&done=codes`, 303);
  });

  app.post('/qr/:id/recipients', async (c) => {
    const p = c.get('page');
    const k = await campaignOr404(c);
    if (!k || !p.site) return c.notFound();
    const b = await c.req.parseBody();
    const file = b.file;
    if (!(file instanceof File) || file.size === 0) return campaignPage(c, 'Choose a CSV file with the recipients.');
    if (file.size > 20 * 1024 * 1024) return campaignPage(c, 'The file is larger than 20 MB: split it, or use "omnitrail qr mailing".');
    const defaultCountry = siteCountry(p.site.settings);
    try {
      const parsed = await parseRecipientsCsv(decodeCsv(new Uint8Array(await file.arrayBuffer())), { defaultCountry });
      if (parsed.recipients.length === 0) {
        return campaignPage(c, `No usable recipient in the file.${parsed.rejected.length ? ` First problem: line ${parsed.rejected[0].line ?? '?'}: ${parsed.rejected[0].reason}` : ''}`);
      }
      await p.store.createPersonalQrCodes(p.site.id, k.id, parsed.recipients);
      return c.redirect(`/dashboard/qr/${encodeURIComponent(k.id)}?${siteQ(c)}&done=mailing`, 303);
    } catch (e) {
      if (e instanceof QrInputError) return campaignPage(c, e.message);
      throw e;
    }
  });

  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    app.post(`/qr/:id/${action}`, async (c) => {
      const p = c.get('page');
      const k = await campaignOr404(c);
      if (!k || !p.site) return c.notFound();
      await p.store.updateQrCampaign(p.site.id, k.id, { disabled });
      return c.redirect(`/dashboard/qr/${encodeURIComponent(k.id)}?${siteQ(c)}&done=${action}d`, 303);
    });
  }
}
