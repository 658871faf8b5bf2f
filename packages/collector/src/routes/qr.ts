import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { CollectorDeps } from '../app';
import { siteCountry } from '../pii/index';
import { normaliseCode } from '../qr/alphabet';
import { parseCampaignPatch, parseNewCampaign } from '../qr/campaign';
import { QrInputError, QrNotFoundError } from '../qr/errors';
import { codesCsv, codesSheet } from '../qr/export';
import { parseRecipientsCsv, parseRecipientsJson } from '../qr/recipients';
import { canRenderPng, parseRenderOptions, renderPng, renderSvg } from '../qr/render';
import { friendlyPage, pageLanguage, STANDALONE_PAGE_HEADERS } from '../qr/pages';
import { requestOrigin } from '../qr/request-origin';
import { createScanHandler } from '../qr/scan';
import { scanUrl, validateTargetUrl } from '../qr/url';
import type { QrCampaign, QrCode } from '../store/qr';
import { requireSecretKey, type AppEnv } from './auth';
import { jsonBody } from './json-body';

/** Most recipients per upload: each links identities (~2 ms here), so bigger mailings go in several uploads or through the CLI. */
export const MAX_RECIPIENTS_PER_REQUEST = 10_000;

function withUrl(campaign: QrCampaign, code: QrCode) {
  return { ...code, url: scanUrl(campaign.baseUrl, code.code) };
}

/**
 * QR routes.
 *
 * Public: `GET|HEAD /q/<code>` (see `qr/scan.ts`).
 *
 * Admin (secret key):
 * - `POST /v1/qr/campaigns` `{ name, targetUrl, fallbackUrl?, utm?, startsAt?, endsAt?, baseUrl? }` → 201 campaign
 * - `GET /v1/qr/campaigns`, `GET|PATCH /v1/qr/campaigns/:id` (`{ disabled: true }` disables)
 * - `POST /v1/qr/campaigns/:id/codes` `{ count?, label?, targetUrl? }` → shared codes
 * - `POST /v1/qr/campaigns/:id/recipients` (CSV or JSON list) → one personalised code per recipient
 * - `GET /v1/qr/campaigns/:id/codes?after=&limit=`, `…/codes.csv` (mail merge), `…/sheet?after=&limit=&size=&ecc=` (printable HTML)
 * - `GET|PATCH /v1/qr/codes/:code`, `GET /v1/qr/codes/:code.svg|.png?size=&ecc=&margin=`
 *
 * @example
 * app.route('/', qrRoutes(deps));
 */
export function qrRoutes(deps: CollectorDeps): Hono<AppEnv> {
  const { store, options } = deps;
  const app = new Hono<AppEnv>();

  const scan = createScanHandler(deps);
  app.get('/q/:code', scan);
  // Anything else under /q/ (extra path segments, empty code) is a mangled scan: the human page, never the JSON 404.
  const mangled = (c: Context) => c.html(friendlyPage('unknown', pageLanguage(c.req.header('accept-language'))), 404, { ...STANDALONE_PAGE_HEADERS, 'Cache-Control': 'no-store' });
  app.get('/q/*', mangled);
  app.get('/q', mangled);

  app.use('/v1/qr/*', requireSecretKey);
  // Admin JSON bodies are small; only the recipient list (below) may be large.
  const smallBody = bodyLimit({
    maxSize: 64 * 1024,
    onError: () => {
      throw new HTTPException(413, { message: 'Request body larger than 64 KB' });
    },
  });

  async function campaignOf(c: Context<AppEnv>): Promise<QrCampaign> {
    const campaign = await store.getQrCampaign(c.get('site').id, c.req.param('id') ?? '');
    if (!campaign) throw new QrNotFoundError(`campaign ${c.req.param('id')} not found`);
    return campaign;
  }

  app.post('/v1/qr/campaigns', smallBody, async (c) => {
    const site = c.get('site');
    const base = options.publicUrl ?? requestOrigin(c);
    const input = parseNewCampaign(await jsonBody(c), site.origins, base);
    return c.json(await store.createQrCampaign(site.id, input), 201);
  });

  app.get('/v1/qr/campaigns', async (c) => c.json({ campaigns: await store.listQrCampaigns(c.get('site').id) }));
  app.get('/v1/qr/campaigns/:id', async (c) => c.json(await campaignOf(c)));
  app.patch('/v1/qr/campaigns/:id', smallBody, async (c) => {
    const site = c.get('site');
    const current = await campaignOf(c);
    const patch = parseCampaignPatch(await jsonBody(c), current, site.origins);
    return c.json(await store.updateQrCampaign(site.id, current.id, patch));
  });

  app.post('/v1/qr/campaigns/:id/codes', smallBody, async (c) => {
    const site = c.get('site');
    const campaign = await campaignOf(c);
    const b = await jsonBody(c);
    const count = b.count === undefined ? 1 : Number(b.count);
    if (!Number.isInteger(count) || count < 1 || count > 1000) throw new QrInputError('count must be an integer from 1 to 1000');
    if (b.label !== undefined && b.label !== null && (typeof b.label !== 'string' || b.label.length > 200)) {
      throw new QrInputError('label must be a string of at most 200 characters');
    }
    const targetUrl = b.targetUrl === undefined || b.targetUrl === null ? null : validateTargetUrl(b.targetUrl, site.origins);
    const codes = await store.createSharedQrCodes(site.id, campaign.id, { count, label: (b.label as string | undefined) ?? null, targetUrl });
    return c.json({ codes: codes.map((k) => withUrl(campaign, k)) }, 201);
  });

  app.post('/v1/qr/campaigns/:id/recipients', bodyLimit({ maxSize: 20 * 1024 * 1024, onError: () => { throw new HTTPException(413, { message: 'Recipient list larger than 20 MB: split it, or use "omnitrail qr mailing"' }); } }), async (c) => {
    const site = c.get('site');
    const campaign = await campaignOf(c);
    const ct = (c.req.header('content-type') ?? '').toLowerCase();
    const text = await c.req.text();
    const defaultCountry = c.req.query('defaultCountry') ?? siteCountry(site.settings);
    let parsed;
    if (ct.includes('csv') || (!ct.includes('json') && !/^\s*[[{]/.test(text))) {
      parsed = await parseRecipientsCsv(text, { defaultCountry });
    } else {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new QrInputError('body is neither valid JSON nor CSV (send text/csv with a header row, or a JSON array)');
      }
      parsed = await parseRecipientsJson(value, { defaultCountry });
    }
    if (parsed.recipients.length > MAX_RECIPIENTS_PER_REQUEST) {
      throw new QrInputError(`at most ${MAX_RECIPIENTS_PER_REQUEST} recipients per request; split the list or use "omnitrail qr mailing"`);
    }
    const res = await store.createPersonalQrCodes(site.id, campaign.id, parsed.recipients);
    return c.json(
      { created: res.created, existing: res.existing, codes: res.codes.map((k) => withUrl(campaign, k)), rejected: parsed.rejected, warnings: parsed.warnings },
      res.created > 0 ? 201 : 200,
    );
  });

  app.get('/v1/qr/campaigns/:id/codes', async (c) => {
    const campaign = await campaignOf(c);
    const limit = c.req.query('limit') ? Number(c.req.query('limit')) : 1000;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new QrInputError('limit must be an integer from 1 to 10000');
    const codes = await store.listQrCodes(campaign.siteId, campaign.id, { after: c.req.query('after'), limit });
    return c.json({ codes: codes.map((k) => withUrl(campaign, k)), next: codes.length === limit ? codes[codes.length - 1].code : null });
  });

  app.get('/v1/qr/campaigns/:id/codes.csv', async (c) => {
    const campaign = await campaignOf(c);
    let out = '';
    let after: string | null = null;
    for (let first = true; ; first = false) {
      const page = await store.listQrCodes(campaign.siteId, campaign.id, { after, limit: 5000 });
      out += codesCsv(campaign, page, first);
      if (page.length < 5000) break;
      after = page[page.length - 1].code;
    }
    return c.body(out, 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${campaign.id}-codes.csv"`,
    });
  });

  app.get('/v1/qr/campaigns/:id/sheet', async (c) => {
    const campaign = await campaignOf(c);
    const render = parseRenderOptions({ ecc: c.req.query('ecc'), size: c.req.query('size') ?? '180', margin: c.req.query('margin') });
    const limit = c.req.query('limit') ? Number(c.req.query('limit')) : 200;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new QrInputError('limit must be an integer from 1 to 1000');
    const codes = await store.listQrCodes(campaign.siteId, campaign.id, { after: c.req.query('after'), limit });
    // Recipient refs (often names) in an HTML page: same lock-down as the friendly pages, never cached.
    return c.html(await codesSheet(campaign, codes, render), 200, { ...STANDALONE_PAGE_HEADERS, 'Cache-Control': 'private, no-store' });
  });

  async function codeOf(c: Context<AppEnv>, raw: string): Promise<{ code: QrCode; campaign: QrCampaign }> {
    const site = c.get('site');
    const code = await store.getQrCode(site.id, normaliseCode(raw));
    const campaign = code && (await store.getQrCampaign(site.id, code.campaignId));
    if (!code || !campaign) throw new QrNotFoundError(`code ${normaliseCode(raw).slice(0, 32)} not found`);
    return { code, campaign };
  }

  app.get('/v1/qr/codes/:name', async (c) => {
    const name = c.req.param('name');
    const m = /^(.*)\.(svg|png)$/i.exec(name);
    const { code, campaign } = await codeOf(c, m ? m[1] : name);
    if (!m) return c.json({ ...withUrl(campaign, code), campaign });
    const render = parseRenderOptions({ ecc: c.req.query('ecc'), size: c.req.query('size'), margin: c.req.query('margin') });
    const url = scanUrl(campaign.baseUrl, code.code);
    const headers = { 'Content-Disposition': `inline; filename="${code.code}.${m[2].toLowerCase()}"`, 'Cache-Control': 'private, max-age=3600' };
    if (m[2].toLowerCase() === 'svg') {
      return c.body(await renderSvg(url, render), 200, { ...headers, 'Content-Type': 'image/svg+xml' });
    }
    if (!canRenderPng()) throw new HTTPException(501, { message: 'PNG rendering is not available on this runtime; request .svg' });
    const png = await renderPng(url, render);
    return c.body(png as Uint8Array<ArrayBuffer>, 200, { ...headers, 'Content-Type': 'image/png' });
  });

  app.patch('/v1/qr/codes/:name', smallBody, async (c) => {
    const { code, campaign } = await codeOf(c, c.req.param('name'));
    const b = await jsonBody(c);
    if (typeof b.disabled !== 'boolean') throw new QrInputError('send { "disabled": true } or { "disabled": false }');
    const updated = await store.setQrCodeDisabled(code.siteId, code.code, b.disabled);
    return c.json(withUrl(campaign, updated!));
  });

  return app;
}
