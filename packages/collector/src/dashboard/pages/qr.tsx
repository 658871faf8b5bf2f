/**
 * QR campaign pages: the campaign table with scan → visit → order figures, and a campaign's
 * codes with previews, download links and the staff forms to add shared codes or a personalised
 * mailing from a recipient CSV. The routes behind the forms and downloads are in qr-routes.ts.
 */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import { codeState } from '../../qr/campaign';
import { scanUrl } from '../../qr/url';
import { qrReport, type QrRow } from '../../reports/qr';
import type { QrCampaign } from '../../store/qr';
import type { DashEnv } from '../index';
import { Empty, Layout } from '../layout';
import { dayIn, siteTimeZone } from '../../reports/zone';
import { displayCurrency } from '../../reports/currencies';
import { int, money0, RangeForm } from '../range';
import { reportCtx } from '../report-ctx';
import { CsvLinks } from '../csv-links';

const DONE: Record<string, string> = {
  created: 'Campaign created with one shared code. Download it below or add more codes.',
  codes: 'Codes added.',
  mailing: 'Personalised codes created for the mailing.',
  disabled: 'Campaign disabled: its codes now lead to the fallback page.',
  enabled: 'Campaign enabled.',
};

/** Codes per page of a campaign's code table. */
export const CODES_PAGE = 200;
/** Codes per printable sheet: more would make one page of hundreds of inline SVGs too heavy to render. */
export const SHEET_PAGE = 1000;

/** The `site=` query of the page's site (empty without one). */
export function siteQ(c: Context<DashEnv>): string {
  const s = c.get('page').site;
  return s ? `site=${encodeURIComponent(s.id)}` : '';
}

/** A code's or campaign's figures; `currency`: the one currency of the report's orders, else null (no sign). */
function Figures(props: { row?: QrRow; currency: string | null }) {
  const r = props.row;
  return (
    <>
      <td class="num">{int(r?.scans ?? 0)}</td>
      <td class="num">{int(r?.uniqueScanners ?? 0)}</td>
      <td class="num">{int(r?.visits ?? 0)}</td>
      <td class="num">{`${int(r?.ordersOnline ?? 0)} / ${int(r?.ordersOffline ?? 0)}`}</td>
      <td class="num">{money0(r?.revenue ?? 0, props.currency)}</td>
    </>
  );
}

const FIG_HEAD = (
  <>
    <th scope="col" class="num">Scans</th>
    <th scope="col" class="num">Scanners</th>
    <th scope="col" class="num">Visits</th>
    <th scope="col" class="num">Orders online / offline</th>
    <th scope="col" class="num">Revenue after scan</th>
  </>
);

function CreateCampaignForm(props: { csrf: string; siteId: string; origin: string }) {
  return (
    <form method="post" action={`/dashboard/qr?site=${encodeURIComponent(props.siteId)}`} class="stack">
      <input type="hidden" name="_csrf" value={props.csrf} />
      <div class="field">
        <label for="c-name">Campaign name</label>
        <input id="c-name" name="name" required maxlength={200} placeholder="Spring flyer 2026" />
      </div>
      <div class="field">
        <label for="c-target">
          Landing page <span class="hint">(on one of the site's origins)</span>
        </label>
        <input id="c-target" name="targetUrl" type="url" required placeholder={`${props.origin}/`} />
      </div>
      <fieldset>
        <legend>UTM parameters added on every scan</legend>
        <div class="field">
          <label for="c-src">utm_source</label>
          <input id="c-src" name="utm_source" placeholder="flyer" />
        </div>
        <div class="field">
          <label for="c-med">utm_medium</label>
          <input id="c-med" name="utm_medium" placeholder="print" />
        </div>
      </fieldset>
      <div class="field">
        <label for="c-fb">
          Fallback page <span class="hint">(optional: where codes lead when the campaign is off)</span>
        </label>
        <input id="c-fb" name="fallbackUrl" type="url" />
      </div>
      <div class="grid two">
        <div class="field">
          <label for="c-start">Starts (optional)</label>
          <input id="c-start" name="startsAt" type="date" />
        </div>
        <div class="field">
          <label for="c-end">Last day (optional)</label>
          <input id="c-end" name="endsAt" type="date" />
        </div>
      </div>
      <button type="submit">Create campaign</button>
    </form>
  );
}

/** GET /dashboard/qr — campaigns with their figures (`error`: a form's message, status 400). */
export async function listPage(c: Context<DashEnv>, error?: string) {
  const p = c.get('page');
  const r = reportCtx(c);
  const frame = (body: Child) =>
    c.html(
      <Layout title="QR campaigns" active="/qr" site={p.site} sites={p.sites} csrf={p.csrf} range={r.range}>
        {error ? <p class="error" role="alert">{error}</p> : null}
        {c.req.query('done') && DONE[c.req.query('done')!] ? <p class="success" role="status">{DONE[c.req.query('done')!]}</p> : null}
        <RangeForm action="/dashboard/qr" range={r.range} site={p.site} />
        {body}
      </Layout>,
      error ? 400 : 200,
    );
  if (!p.site) return frame(<Empty>No site yet.</Empty>);
  const campaigns = await p.store.listQrCampaigns(p.site.id);
  const rep = r.src && r.params ? await qrReport(r.src, r.site!, r.params) : null;
  const fig = new Map(rep?.campaigns.map((x) => [x.campaignId, x]) ?? []);
  // The campaign page shows its codes' figures for the same days.
  const rangeQ = `from=${r.range.fromStr}&to=${r.range.toStr}`;
  // A sign only for one currency: a sum of USD and EUR (or of amounts without one) is in neither.
  const cur = rep ? displayCurrency(rep.currencies, rep.ordersWithoutCurrency) : null;
  return frame(
    <>
      <section class="card">
        <h2>Campaigns</h2>
        {rep?.currencyNotice ? <p class="notice">{rep.currencyNotice}</p> : null}
        {campaigns.length === 0 ? (
          <p class="muted">No QR campaign yet. Create one below.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Campaign</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">Codes</th>
                  {FIG_HEAD}
                </tr>
              </thead>
              <tbody>
                {campaigns.map((k) => (
                  <tr>
                    <th scope="row">
                      <a href={`/dashboard/qr/${encodeURIComponent(k.id)}?${siteQ(c)}&${rangeQ}`}>{k.name}</a>
                    </th>
                    <td>{k.disabled ? 'disabled' : codeState({ disabled: false }, k, Date.now()).replace('-', ' ')}</td>
                    <td class="num">{int(k.codes ?? 0)}</td>
                    <Figures row={fig.get(k.id)} currency={cur} />
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <p class="muted">{`Figures for the date range; orders and revenue are by scanners after their scan (lookback ${rep?.lookbackDays ?? 30} days).`}</p>
        {rep ? <CsvLinks r={r} report="qr" tables={[['campaigns', 'campaigns'], ['codes', 'codes']]} /> : null}
      </section>
      <section class="card">
        <h2>New campaign</h2>
        <CreateCampaignForm csrf={p.csrf} siteId={p.site.id} origin={p.site.origins.find((o) => o !== '*') ?? 'https://shop.example'} />
      </section>
    </>,
  );
}

/** The campaign of the `:id` route parameter in the page's site, or null. */
export async function campaignOr404(c: Context<DashEnv>): Promise<QrCampaign | null> {
  const p = c.get('page');
  return p.site ? p.store.getQrCampaign(p.site.id, c.req.param('id') ?? '') : null;
}

/** GET /dashboard/qr/:id — codes, previews, downloads, add codes / mailing (`error`: a form's message, status 400). */
export async function campaignPage(c: Context<DashEnv>, error?: string) {
  const p = c.get('page');
  const k = await campaignOr404(c);
  if (!k || !p.site) return c.html(<Layout title="QR campaign" active="/qr" site={p.site} sites={p.sites} csrf={p.csrf}><p class="error">No such campaign in this site.</p></Layout>, 404);
  // A mailing has thousands of codes: pages of CODES_PAGE, by keyset (`after` = the last code shown).
  const after = c.req.query('after') || null;
  const skipped = Math.max(0, Math.floor(Number(c.req.query('n')) || 0));
  const page = await p.store.listQrCodes(p.site.id, k.id, { after, limit: CODES_PAGE + 1 });
  const codes = page.slice(0, CODES_PAGE);
  const total = k.codes ?? codes.length;
  const r = reportCtx(c);
  const rep = r.src && r.params ? await qrReport(r.src, r.site!, r.params) : null;
  const fig = new Map(rep?.codes.filter((x) => x.campaignId === k.id).map((x) => [x.code, x]) ?? []);
  const cur = rep ? displayCurrency(rep.currencies, rep.ordersWithoutCurrency) : null;
  const q = siteQ(c);
  const rangeQ = `from=${r.range.fromStr}&to=${r.range.toStr}`;
  const tz = siteTimeZone(p.site.settings);
  const base = `/dashboard/qr/${encodeURIComponent(k.id)}`;
  const first = codes[0];
  const sheets = Math.max(1, Math.ceil(total / SHEET_PAGE));
  return c.html(
    <Layout title={`QR campaign: ${k.name}`} active="/qr" site={p.site} sites={p.sites} csrf={p.csrf} range={r.range}>
      <p>
        <a href={`/dashboard/qr?${q}&${rangeQ}`}>← All campaigns</a>
      </p>
      {error ? <p class="error" role="alert">{error}</p> : null}
      {c.req.query('done') && DONE[c.req.query('done')!] ? <p class="success" role="status">{DONE[c.req.query('done')!]}</p> : null}
      <div class="grid two">
        <section class="card">
          <h2>Campaign</h2>
          <dl>
            <dt>Landing page</dt>
            <dd><code>{k.targetUrl}</code></dd>
            <dt>UTM</dt>
            <dd><code>{Object.entries(k.utm).map(([a, b]) => `${a}=${b}`).join('&')}</code></dd>
            {k.startsAt !== null || k.endsAt !== null ? (
              <>
                <dt>Runs</dt>
                <dd>{[k.startsAt !== null ? `from ${dayIn(k.startsAt, tz)}` : '', k.endsAt !== null ? `through ${dayIn(k.endsAt - 1, tz)}` : ''].filter(Boolean).join(' ')}</dd>
              </>
            ) : null}
            <dt>Status</dt>
            <dd>{k.disabled ? 'disabled' : codeState({ disabled: false }, k, Date.now()).replace('-', ' ')}</dd>
          </dl>
          <div class="actions">
            <a class="button secondary" href={`${base}/codes.csv?${q}`}>Download CSV (mail merge)</a>
            {sheets === 1 ? (
              <a class="button secondary" href={`${base}/sheet?${q}`}>Printable sheet</a>
            ) : (
              Array.from({ length: sheets }, (_, i) => (
                <a class="button secondary" href={`${base}/sheet?${q}&part=${i + 1}`}>{`Printable sheet, codes ${int(i * SHEET_PAGE + 1)}–${int(Math.min(total, (i + 1) * SHEET_PAGE))}`}</a>
              ))
            )}
          </div>
          <form method="post" action={`${base}/${k.disabled ? 'enable' : 'disable'}?${q}`} class="inline">
            <input type="hidden" name="_csrf" value={p.csrf} />
            <button type="submit" class="secondary">{k.disabled ? 'Enable campaign' : 'Disable campaign'}</button>
          </form>
        </section>
        <section class="card">
          <h2>Code preview</h2>
          {first ? (
            <>
              <img class="qr-preview" src={`/dashboard/qr-codes/${encodeURIComponent(first.code)}.svg?${q}`} alt={`QR code ${first.code} leading to ${scanUrl(k.baseUrl, first.code)}`} width={160} height={160} />
              <p>
                <code>{scanUrl(k.baseUrl, first.code)}</code>
              </p>
            </>
          ) : (
            <p class="muted">No codes yet.</p>
          )}
        </section>
      </div>
      <RangeForm action={base} range={r.range} site={p.site} />
      <section class="card">
        <h2>{`Codes (${int(total)})`}</h2>
        {rep?.currencyNotice ? <p class="notice">{rep.currencyNotice}</p> : null}
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col">Kind</th>
                <th scope="col">Label / recipient</th>
                <th scope="col">Download</th>
                {FIG_HEAD}
              </tr>
            </thead>
            <tbody>
              {codes.map((code) => (
                <tr>
                  <th scope="row"><code>{code.code}</code></th>
                  <td>{code.kind}</td>
                  <td>{code.recipientRef ?? code.label ?? ''}</td>
                  <td>
                    <a href={`/dashboard/qr-codes/${encodeURIComponent(code.code)}.svg?${q}&download=1`}>SVG</a>{' '}
                    <a href={`/dashboard/qr-codes/${encodeURIComponent(code.code)}.png?${q}&download=1`}>PNG</a>
                  </td>
                  <Figures row={fig.get(code.code)} currency={cur} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {codes.length === 0 ? <p class="muted">No codes yet. Add shared codes or a personalised mailing below.</p> : null}
        <p class="muted">{`Figures for the date range above; orders and revenue are by scanners after their scan (lookback ${rep?.lookbackDays ?? 30} days).`}</p>
        {after || page.length > CODES_PAGE ? (
          <nav class="actions" aria-label="Code pages">
            <span class="muted">{`Codes ${int(skipped + 1)}–${int(skipped + codes.length)} of ${int(total)}`}</span>
            {after ? <a href={`${base}?${q}&${rangeQ}`}>First codes</a> : null}
            {page.length > CODES_PAGE ? <a href={`${base}?${q}&${rangeQ}&after=${encodeURIComponent(codes[codes.length - 1].code)}&n=${skipped + CODES_PAGE}`}>{`Next ${CODES_PAGE} codes`}</a> : null}
          </nav>
        ) : null}
      </section>
      <div class="grid two">
        <section class="card">
          <h2>Add shared codes</h2>
          <p class="muted">One code per placement (poster, flyer, shop window) tells them apart.</p>
          <form method="post" action={`${base}/codes?${q}`} class="stack">
            <input type="hidden" name="_csrf" value={p.csrf} />
            <div class="field">
              <label for="n-count">How many</label>
              <input id="n-count" name="count" type="number" min={1} max={1000} value="1" />
            </div>
            <div class="field">
              <label for="n-label">Label</label>
              <input id="n-label" name="label" maxlength={200} placeholder="Shop window" />
            </div>
            <button type="submit">Add codes</button>
          </form>
        </section>
        <section class="card">
          <h2>Personalised mailing</h2>
          <p class="muted">
            A CSV with a header row: <code>recipient_ref</code> plus any of <code>customer_id</code>, <code>email</code>, <code>phone</code>, <code>loyalty_id</code>. E-mail and phone are hashed before storage. Re-uploading the same list is safe.
          </p>
          <form method="post" action={`${base}/recipients?${q}`} class="stack" enctype="multipart/form-data">
            <input type="hidden" name="_csrf" value={p.csrf} />
            <div class="field">
              <label for="r-file">Recipient list (CSV)</label>
              <input id="r-file" name="file" type="file" accept=".csv,text/csv" required />
            </div>
            <button type="submit">Create personalised codes</button>
          </form>
        </section>
      </div>
    </Layout>,
    error ? 400 : 200,
  );
}
