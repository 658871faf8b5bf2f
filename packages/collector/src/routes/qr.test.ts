import { sqliteDriver } from '../store/sqlite/driver';
import { describe, expect, test } from 'vitest';
import { eachTransport, withCollector, type CollectorFixture } from '../test-utils/harness';
import { decodeQrPng } from '../qr/testing';
import { parseScanToken } from '../qr/token';
import type { QrCampaign, QrCode } from '../store/qr';

type CodeOut = QrCode & { url: string };

async function campaign(fx: CollectorFixture, body: Record<string, unknown> = {}): Promise<QrCampaign> {
  const res = await fx.post('/v1/qr/campaigns', { name: 'Spring Flyer', targetUrl: 'https://shop.example/spring?ref=print', ...body }, { auth: 'secret' });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

async function sharedCode(fx: CollectorFixture, c: QrCampaign): Promise<CodeOut> {
  const res = await fx.post(`/v1/qr/campaigns/${c.id}/codes`, {}, { auth: 'secret' });
  expect(res.status).toBe(201);
  return (await res.json()).codes[0];
}

function scan(fx: CollectorFixture, path: string, init: RequestInit = {}) {
  return fx.fetch(path, { redirect: 'manual', ...init, headers: { 'user-agent': IPHONE, ...(init.headers as Record<string, string>) } });
}

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

/** Events of the site read through a second, independent connection: only committed rows are visible. */
function committedScans(fx: CollectorFixture): { properties: string; ua_device: string | null; anonymous_id: string | null }[] {
  const db = new (sqliteDriver())(fx.store.db.name, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT properties, ua_device, anonymous_id FROM events WHERE site_id = ? AND event = 'QR Code Scanned' ORDER BY id`).all(fx.site.id) as never;
  } finally {
    db.close();
  }
}

describe('QR scan endpoint', () => {
  eachTransport('scan records a durable event, then 302 to target + UTM + scan token', async (fx) => {
    const c = await campaign(fx);
    expect(c.utm).toEqual({ utm_source: 'qr', utm_medium: 'print', utm_campaign: 'spring-flyer' });
    const code = await sharedCode(fx, c);
    expect(code.code).toMatch(/^[23456789ABCDEFGHJKLMNPQRSTVWXYZ]{8}$/);
    expect(code.url).toBe(`${new URL(fx.url).origin}/q/${code.code}`);

    const res = await scan(fx, `/q/${code.code}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const loc = new URL(res.headers.get('location')!);
    expect(loc.origin + loc.pathname).toBe('https://shop.example/spring');
    expect(loc.searchParams.get('ref')).toBe('print');
    expect(loc.searchParams.get('utm_source')).toBe('qr');
    expect(loc.searchParams.get('utm_medium')).toBe('print');
    expect(loc.searchParams.get('utm_campaign')).toBe('spring-flyer');
    const token = loc.searchParams.get('ot_scan')!;
    expect(parseScanToken(token)!.expiresAt).toBeGreaterThan(Date.now());

    // Durable before the 302: a separate connection already sees the committed event.
    const rows = committedScans(fx);
    expect(rows).toHaveLength(1);
    const props = JSON.parse(rows[0].properties);
    expect(props).toMatchObject({ code: code.code, campaign_id: c.id, campaign_name: 'Spring Flyer', recipient_ref: null, personalised: false, scan_token: token, ua_class: 'mobile', bot: false });
    expect(rows[0].ua_device).toBe('mobile');
    expect(JSON.stringify(rows[0])).not.toContain('127.0.0.1');

    // Lower-case typing works; every scan gets its own token.
    const again = await scan(fx, `/q/${code.code.toLowerCase()}`);
    expect(again.status).toBe(302);
    expect(new URL(again.headers.get('location')!).searchParams.get('ot_scan')).not.toBe(token);
    const listed = await (await fx.get(`/v1/qr/campaigns/${c.id}`)).json();
    expect(listed).toMatchObject({ codes: 1, scans: 2 });
  });

  eachTransport('redirect never leaves the registered target, whatever the request', async (fx) => {
    const c = await campaign(fx);
    const code = (await sharedCode(fx, c)).code;
    const attempts = [
      `/q/${code}?next=https://evil.com&url=//evil.com&redirect=%2F%2Fevil.com`,
      `/q/${code}?utm_source=evil&ot_scan=forged&target=https://evil.com`,
      `/q/${code}?x=%0d%0aLocation:%20https://evil.com`,
      `/q/${code}%0d%0aSet-Cookie:%20a=1`,
      `/q/${code}%2F%2Fevil.com`,
      `/q/${code}/..%2F..%2Fevil.com`,
      `/q/%2F%2Fevil.com`,
      `/q//evil.com`,
      `/q/${code}@evil.com`,
      `/q/https:%2F%2Fevil.com`,
      `/q/${code}#@evil.com`,
    ];
    for (const path of attempts) {
      const res = await scan(fx, path);
      const loc = res.headers.get('location');
      for (const [k, v] of res.headers) expect(`${k}: ${v}`, path).not.toMatch(/[\r\n]|evil|a=1/);
      if (loc) {
        const u = new URL(loc);
        expect(u.origin, path).toBe('https://shop.example');
        expect(u.pathname, path).toBe('/spring');
        expect(u.searchParams.get('utm_source'), path).toBe('qr');
        expect(u.searchParams.get('ot_scan') ?? '', path).not.toBe('forged');
      } else {
        expect([404, 410], path).toContain(res.status);
        expect(await res.text(), path).not.toContain('evil');
      }
    }
  });

  eachTransport('unknown, disabled, ended and not-started codes: friendly pages or the fallback URL', async (fx) => {
    const unknown = await scan(fx, '/q/ABCDEFGH');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/text\/html/);
    expect(unknown.headers.get('location')).toBeNull();
    expect(await unknown.text()).toContain('not known');
    const de = await scan(fx, '/q/ABCDEFGH', { headers: { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5', 'user-agent': IPHONE } });
    expect(await de.text()).toContain('nicht bekannt');

    const c = await campaign(fx);
    const code = (await sharedCode(fx, c)).code;
    const dis = await fx.fetch(`/v1/qr/codes/${code}`, { method: 'PATCH', headers: { authorization: fx.secretAuth, 'content-type': 'application/json' }, body: '{"disabled":true}' });
    expect(dis.status).toBe(200);
    const disabled = await scan(fx, `/q/${code}`);
    expect(disabled.status).toBe(410);
    expect(await disabled.text()).toContain('no longer active');

    const ended = await campaign(fx, { endsAt: new Date(Date.now() - 1000).toISOString(), startsAt: '2020-01-01T00:00:00Z' });
    const endedCode = (await sharedCode(fx, ended)).code;
    expect((await scan(fx, `/q/${endedCode}`)).status).toBe(410);

    const future = await campaign(fx, { startsAt: new Date(Date.now() + 86_400_000).toISOString() });
    const futureCode = (await sharedCode(fx, future)).code;
    const nf = await scan(fx, `/q/${futureCode}`);
    expect(nf.status).toBe(404);
    expect(await nf.text()).toContain('not started');

    const withFallback = await campaign(fx, { fallbackUrl: 'https://shop.example/offers-ended' });
    const fbCode = (await sharedCode(fx, withFallback)).code;
    const off = await fx.fetch(`/v1/qr/campaigns/${withFallback.id}`, { method: 'PATCH', headers: { authorization: fx.secretAuth, 'content-type': 'application/json' }, body: '{"disabled":true}' });
    expect((await off.json()).disabled).toBe(true);
    const fb = await scan(fx, `/q/${fbCode}?next=https://evil.com`);
    expect(fb.status).toBe(302);
    expect(fb.headers.get('location')).toBe('https://shop.example/offers-ended');

    expect(committedScans(fx)).toHaveLength(0);
  });

  eachTransport('its HTML pages and the printable sheet forbid scripts and framing', async (fx) => {
    const c = await campaign(fx, { endsAt: new Date(Date.now() + 3600_000).toISOString() });
    await sharedCode(fx, c);
    const pages = [await scan(fx, '/q/ZZZZZZZZ'), await scan(fx, '/q/a/b'), await fx.get(`/v1/qr/campaigns/${c.id}/sheet`)];
    for (const res of pages) {
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/script-src|unsafe-eval/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
    expect(pages[2].headers.get('cache-control')).toContain('no-store');
    // The disabled campaign's page too.
    await fx.fetch(`/v1/qr/campaigns/${c.id}`, { method: 'PATCH', headers: { authorization: fx.secretAuth, 'content-type': 'application/json' }, body: '{"disabled":true}' });
    const code = (await (await fx.get(`/v1/qr/campaigns/${c.id}/codes`)).json()).codes[0].code;
    const off = await scan(fx, `/q/${code}`);
    expect(off.status).toBe(410);
    expect(off.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  test('when storage cannot write, the visitor still reaches the target (no token) and the error is logged', () => {
    const logged: unknown[] = [];
    return withCollector(
      async (fx) => {
        const c = await campaign(fx);
        const code = (await sharedCode(fx, c)).code;
        fx.store.db.pragma('query_only = ON'); // reads work, every write fails
        const res = await scan(fx, `/q/${code}`);
        fx.store.db.pragma('query_only = OFF');
        expect(res.status).toBe(302);
        const loc = new URL(res.headers.get('location')!);
        expect(loc.origin + loc.pathname).toBe('https://shop.example/spring');
        expect(loc.searchParams.has('ot_scan')).toBe(false);
        expect(logged).toHaveLength(1);
        expect(committedScans(fx)).toHaveLength(0);
      },
      { logError: (e) => logged.push(e) },
    );
  });

  test('scan-token life is configurable and per-IP scan limits stop inflation without blocking the visitor', () =>
    withCollector(
      async (fx) => {
        const c = await campaign(fx);
        const code = (await sharedCode(fx, c)).code;
        const tokens: (string | null)[] = [];
        for (let i = 0; i < 4; i++) {
          const res = await scan(fx, `/q/${code}`, { headers: { 'x-test-ip': '203.0.113.9', 'user-agent': IPHONE } });
          expect(res.status).toBe(302);
          tokens.push(new URL(res.headers.get('location')!).searchParams.get('ot_scan'));
        }
        expect(parseScanToken(tokens[0])!.expiresAt).toBe(1_800_000_000_000 + 120_000);
        expect(tokens.filter(Boolean)).toHaveLength(2);
        expect(committedScans(fx)).toHaveLength(2);
        const other = await scan(fx, `/q/${code}`, { headers: { 'x-test-ip': '203.0.113.10', 'user-agent': IPHONE } });
        expect(new URL(other.headers.get('location')!).searchParams.has('ot_scan')).toBe(true);
      },
      { now: () => 1_800_000_000_000, qr: { scanTokenTtlMs: 120_000, scanLimitPerIp: { rate: 0.001, burst: 2 } }, clientIp: (c) => c.req.header('x-test-ip') ?? null },
    ));

  eachTransport('HEAD requests and link-preview bots are redirected but not recorded', async (fx) => {
    const c = await campaign(fx);
    const code = (await sharedCode(fx, c)).code;
    const head = await scan(fx, `/q/${code}`, { method: 'HEAD' });
    expect(head.status).toBe(302);
    expect(new URL(head.headers.get('location')!).searchParams.has('ot_scan')).toBe(false);
    for (const ua of [
      'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
      'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
      'WhatsApp/2.23.20.0',
      'TelegramBot (like TwitterBot)',
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      // Chat previews and mail-security link checks isbot 5 does not know (EXTRA_BOT_PATTERNS).
      'Viber/13.3.0.7 CFNetwork/1220.1 Darwin/20.3.0',
      'Mozilla/5.0 (compatible; Microsoft Outlook 16.0.17231; Windows NT 10.0)',
      'Microsoft Outlook 16.0.12026; Pro',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/115.0.0.0 Safari/537.36 Edg/115.0.1901.183 MSOffice 16',
      'Mozilla/4.0 (compatible; ms-office; MSOffice 16)',
      'Mozilla/5.0 (compatible; proofpoint)',
      // No User-Agent at all: a script, not a phone.
      '',
      '  ',
    ]) {
      const res = await scan(fx, `/q/${code}`, { headers: { 'user-agent': ua } });
      expect(res.status, ua).toBe(302);
      const loc = new URL(res.headers.get('location')!);
      expect(loc.origin + loc.pathname).toBe('https://shop.example/spring');
      expect(loc.searchParams.has('ot_scan'), ua).toBe(false);
    }
    expect(committedScans(fx)).toHaveLength(0);
    const real = await scan(fx, `/q/${code}`);
    expect(new URL(real.headers.get('location')!).searchParams.has('ot_scan')).toBe(true);
    // Viber's in-app browser (a person who tapped the link) is a browser, not its preview fetcher.
    const viberApp = await scan(fx, `/q/${code}`, { headers: { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Viber/19.2.0.1' } });
    expect(new URL(viberApp.headers.get('location')!).searchParams.has('ot_scan')).toBe(true);
    expect(committedScans(fx)).toHaveLength(2);
  });
});

describe('QR admin API', () => {
  eachTransport('needs the secret key and validates input with clear messages', async (fx) => {
    expect((await fx.post('/v1/qr/campaigns', { name: 'x', targetUrl: 'https://shop.example/' }, { auth: 'none' })).status).toBe(401);
    expect((await fx.post('/v1/qr/campaigns', { name: 'x', targetUrl: 'https://shop.example/' }, { auth: 'write' })).status).toBe(401);
    const off = await fx.post('/v1/qr/campaigns', { name: 'x', targetUrl: 'https://evil.com/' }, { auth: 'secret' });
    expect(off.status).toBe(400);
    expect(await off.json()).toMatchObject({ error: 'bad_request', message: expect.stringMatching(/not one of the site's origins/) });
    const js = await fx.post('/v1/qr/campaigns', { name: 'x', targetUrl: 'javascript:alert(1)' }, { auth: 'secret' });
    expect(js.status).toBe(400);
    const win = await fx.post('/v1/qr/campaigns', { name: 'x', targetUrl: 'https://shop.example/', startsAt: '2026-02-01', endsAt: '2026-01-01' }, { auth: 'secret' });
    expect((await win.json()).message).toMatch(/endsAt must be after startsAt/);
    for (const startsAt of ['2026-02-30', '01.03.2026', 'next monday']) {
      const bad = await fx.post('/v1/qr/campaigns', { name: 'x', targetUrl: 'https://shop.example/', startsAt }, { auth: 'secret' });
      expect(bad.status, startsAt).toBe(400);
      expect((await bad.json()).message).toMatch(/startsAt must be an ISO-8601 time/);
    }
    expect((await fx.get('/v1/qr/campaigns/cmp_nope')).status).toBe(404);
    expect((await fx.get('/v1/qr/codes/ABCDEFGH')).status).toBe(404);
  });

  eachTransport('another site cannot see or change a campaign', async (fx) => {
    const c = await campaign(fx);
    const code = (await sharedCode(fx, c)).code;
    const other = await fx.store.createSite({ name: 'Other', origins: ['https://other.example'] });
    const auth = { authorization: `Bearer ${other.secretKey}` };
    expect((await fx.fetch(`/v1/qr/campaigns/${c.id}`, { headers: auth })).status).toBe(404);
    expect((await fx.fetch(`/v1/qr/codes/${code}`, { headers: auth })).status).toBe(404);
    expect((await fx.fetch(`/v1/qr/codes/${code}.png`, { headers: auth })).status).toBe(404);
    const list = await (await fx.fetch('/v1/qr/campaigns', { headers: auth })).json();
    expect(list.campaigns).toEqual([]);
  });

  eachTransport('PNG and SVG downloads decode to the scan URL', async (fx) => {
    const c = await campaign(fx, { baseUrl: 'https://t.shop.example' });
    const code = await sharedCode(fx, c);
    expect(code.url).toBe(`https://t.shop.example/q/${code.code}`);
    const png = await fx.get(`/v1/qr/codes/${code.code}.png?size=400`);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(decodeQrPng(new Uint8Array(await png.arrayBuffer()))).toBe(code.url);
    const svg = await fx.get(`/v1/qr/codes/${code.code.toLowerCase()}.svg?ecc=H`);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(await svg.text()).toMatch(/^<svg/);
    expect((await fx.get(`/v1/qr/codes/${code.code}.png?size=99999`)).status).toBe(400);
  });
});

describe('personalised mailing codes', () => {
  test('CSV recipients → one unguessable code each, hashed PII, idempotent, CSV export and sheet', () =>
    withCollector(async (fx) => {
      const c = await campaign(fx, { name: 'Letter Q4', utm: { utm_medium: 'direct_mail' } });
      const csv = '\ufeffRecipient Ref;Customer ID;E-Mail;Phone;Loyalty Card\nR-1;C-100;Jane@Example.com;030 1234567;l-4711\nR-2;;not-an-email;;\n;C-9;x@example.com;;\nR-1;C-100;;;\n"=HYPERLINK(""x"")";;;;\n';
      const res = await fx.fetch(`/v1/qr/campaigns/${c.id}/recipients?defaultCountry=DE`, {
        method: 'POST',
        headers: { authorization: fx.secretAuth, 'content-type': 'text/csv' },
        body: csv,
      });
      expect(res.status).toBe(201);
      const out = await res.json();
      expect(out.created).toBe(3);
      expect(out.rejected).toEqual([
        { line: 4, ref: null, reason: expect.stringMatching(/missing recipient ref/) },
        { line: 5, ref: 'R-1', reason: 'duplicate recipient ref in this list' },
      ]);
      expect(out.warnings).toEqual([{ line: 3, ref: 'R-2', reason: expect.stringMatching(/email is not valid/) }]);
      const codes: CodeOut[] = out.codes;
      for (const k of codes) {
        expect(k.kind).toBe('personal');
        expect(k.code).toMatch(/^[23456789ABCDEFGHJKLMNPQRSTVWXYZ]{13}$/);
      }
      // Raw PII never reaches storage.
      const dump = JSON.stringify(fx.store.db.prepare('SELECT * FROM qr_recipients').all());
      expect(dump).not.toMatch(/jane|example\.com|1234567/i);
      expect(dump).toContain('"loyalty_id":"l-4711"');

      // Re-upload: nothing new, same codes.
      const again = await (await fx.fetch(`/v1/qr/campaigns/${c.id}/recipients`, { method: 'POST', headers: { authorization: fx.secretAuth, 'content-type': 'text/csv' }, body: csv })).json();
      expect(again.created).toBe(0);
      expect(again.existing).toBe(3);
      expect(again.codes.map((k: CodeOut) => k.code)).toEqual(codes.map((k) => k.code));

      // Scan the personal code: the event names the recipient; the URL does not.
      const r1 = codes.find((k) => k.recipientRef === 'R-1')!;
      const hit = await scan(fx, `/q/${r1.code}`);
      const loc = new URL(hit.headers.get('location')!);
      expect(loc.searchParams.get('utm_medium')).toBe('direct_mail');
      expect(loc.href).not.toContain('R-1');
      const props = JSON.parse(committedScans(fx)[0].properties);
      expect(props).toMatchObject({ recipient_ref: 'R-1', personalised: true, campaign_id: c.id });

      // Mail-merge CSV: header, one row per code, formula injection neutralised.
      const exp = await fx.get(`/v1/qr/campaigns/${c.id}/codes.csv`);
      expect(exp.headers.get('content-type')).toMatch(/text\/csv/);
      const lines = (await exp.text()).trim().split('\r\n');
      expect(lines[0]).toBe('code,url,recipient_ref,kind,label,campaign_id,campaign_name');
      expect(lines).toHaveLength(4);
      expect(lines[1]).toBe(`${codes[0].code},${codes[0].url},R-1,personal,,${c.id},Letter Q4`);
      expect(lines[3]).toContain(`"'=HYPERLINK(""x"")"`);

      // Printable sheet: one card with an inline SVG per code.
      const sheet = await (await fx.get(`/v1/qr/campaigns/${c.id}/sheet?size=150`)).text();
      expect(sheet.match(/<figure/g)).toHaveLength(3);
      expect(sheet.match(/<svg/g)).toHaveLength(3);
      expect(sheet).toContain(r1.code);
      expect(sheet).not.toContain('<script');

      // Paging.
      const page1 = await (await fx.get(`/v1/qr/campaigns/${c.id}/codes?limit=2`)).json();
      expect(page1.codes).toHaveLength(2);
      const page2 = await (await fx.get(`/v1/qr/campaigns/${c.id}/codes?limit=2&after=${page1.next}`)).json();
      expect(page2.codes.map((k: CodeOut) => k.recipientRef)).toEqual(['=HYPERLINK("x")']);
      expect(page2.codes[0].scans).toBe(0);
      expect(page1.codes[0].scans).toBe(1);
    }));

  test('JSON recipient list', () =>
    withCollector(async (fx) => {
      const c = await campaign(fx);
      const res = await fx.post(`/v1/qr/campaigns/${c.id}/recipients`, { recipients: [{ ref: 'A' }, { recipient_ref: 'B', email: 'b@example.org' }] }, { auth: 'secret' });
      expect(res.status).toBe(201);
      const body = await res.json();
      expect(body.codes.map((k: CodeOut) => k.recipientRef)).toEqual(['A', 'B']);
      expect(new Set(body.codes.map((k: CodeOut) => k.code)).size).toBe(2);
    }));
});

describe('scan ↔ visitor ↔ recipient', () => {
  eachTransport('the SDK echo of ot_scan joins the browser to the recipient of a personalised code', async (fx) => {
    const c = await campaign(fx, { name: 'Letter' });
    const up = await fx.post(`/v1/qr/campaigns/${c.id}/recipients`, [{ ref: 'R-7', loyaltyId: 'L-4711', customerId: 'C-7' }], { auth: 'secret' });
    const code: CodeOut = (await up.json()).codes[0];
    const hit = await scan(fx, `/q/${code.code}`);
    const landing = new URL(hit.headers.get('location')!);
    const token = landing.searchParams.get('ot_scan')!;
    const sdk = await fx.post('/v1/page', {
      type: 'page',
      messageId: 'm-landing-1',
      anonymousId: 'browser-1',
      context: { page: { url: landing.href }, omnitrail: { v: 1, sessionId: 's1', sessionStart: true, scanToken: token }, userAgent: IPHONE },
    }, { headers: { 'user-agent': IPHONE } });
    expect(sdk.status).toBe(200);
    const person = await fx.store.personOf(fx.site.id, { kind: 'loyalty', value: 'L-4711' });
    expect(person?.identifiers).toEqual(
      expect.arrayContaining([
        { kind: 'anon', value: 'browser-1' },
        { kind: 'user', value: 'C-7' },
        { kind: 'scan', value: token },
        { kind: 'recipient', value: `${c.id}/R-7` },
      ]),
    );
  });
});
