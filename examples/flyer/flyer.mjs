// Run a QR mailing against a collector's admin API (secret key):
//   1. create a campaign (landing page + UTM for print),
//   2. one shared code for the flyer itself,
//   3. one personalised code per recipient of recipients.csv (e-mail/phone hashed by the collector),
//   4. write the printable sheet, the mail-merge CSV and one SVG per code into out/.
//
//   OMNITRAIL_URL=http://localhost:8787 OMNITRAIL_SECRET_KEY=sk_… \
//   node flyer.mjs --target https://shop.example/spring [--recipients recipients.csv] [--out out]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** Call the admin API; throws with the collector's `{ error, message }` on failure. */
async function api(base, secretKey, method, path, body, type = 'application/json') {
  const res = await fetch(new URL(path, base), {
    method,
    headers: { authorization: `Bearer ${secretKey}`, ...(body ? { 'content-type': type } : {}) },
    body: body === undefined ? undefined : type === 'application/json' ? JSON.stringify(body) : body,
  });
  if (!res.ok) {
    const text = await res.text();
    let msg = text;
    try {
      msg = JSON.parse(text).message ?? text;
    } catch {}
    throw new Error(`${method} ${path} → ${res.status}: ${msg}`);
  }
  return res;
}

/**
 * The whole mailing. Returns what it wrote.
 *
 * @example
 * await runFlyer({ url: 'http://localhost:8787', secretKey: 'sk_…', target: 'https://shop.example/spring', recipients: 'recipients.csv', out: 'out' });
 */
export async function runFlyer({ url, secretKey, target, recipients, out, name = 'Spring flyer' }) {
  const campaign = await (
    await api(url, secretKey, 'POST', '/v1/qr/campaigns', { name, targetUrl: target, utm: { utm_source: 'flyer', utm_medium: 'print' } })
  ).json();
  const shared = await (await api(url, secretKey, 'POST', `/v1/qr/campaigns/${campaign.id}/codes`, { count: 1, label: 'flyer front' })).json();
  const mailing = await (
    await api(url, secretKey, 'POST', `/v1/qr/campaigns/${campaign.id}/recipients`, readFileSync(recipients, 'utf8'), 'text/csv')
  ).json();
  for (const r of mailing.rejected ?? []) console.warn(`recipients line ${r.line}: ${r.reason}`);

  mkdirSync(join(out, 'codes'), { recursive: true });
  writeFileSync(join(out, 'sheet.html'), await (await api(url, secretKey, 'GET', `/v1/qr/campaigns/${campaign.id}/sheet`)).text());
  writeFileSync(join(out, 'codes.csv'), await (await api(url, secretKey, 'GET', `/v1/qr/campaigns/${campaign.id}/codes.csv`)).text());
  const codes = [...shared.codes, ...mailing.codes];
  for (const c of codes) {
    const svg = await (await api(url, secretKey, 'GET', `/v1/qr/codes/${c.code}.svg`)).text();
    writeFileSync(join(out, 'codes', `${c.recipientRef ?? c.label?.replace(/\W+/g, '-') ?? 'shared'}-${c.code}.svg`), svg);
  }
  console.log(`campaign ${campaign.id} "${campaign.name}": 1 shared code, ${mailing.codes.length} personalised codes → ${out}/sheet.html, ${out}/codes.csv, ${out}/codes/*.svg`);
  return { campaign, codes, rejected: mailing.rejected ?? [] };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { target: { type: 'string' }, recipients: { type: 'string', default: 'recipients.csv' }, out: { type: 'string', default: 'out' }, name: { type: 'string' } },
  });
  const url = process.env.OMNITRAIL_URL ?? 'http://localhost:8787';
  const secretKey = process.env.OMNITRAIL_SECRET_KEY;
  if (!secretKey || !values.target) {
    console.error('usage: OMNITRAIL_SECRET_KEY=sk_… node flyer.mjs --target https://your-shop/landing [--recipients recipients.csv] [--out out]');
    process.exit(2);
  }
  runFlyer({ url, secretKey, target: values.target, recipients: values.recipients, out: values.out, name: values.name }).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
