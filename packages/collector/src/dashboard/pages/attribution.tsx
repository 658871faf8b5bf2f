/** Attribution by channel / campaign / source with a model switcher, and one order explained. */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import { MODEL_LABELS, MODELS, type ModelName } from '../../attribution/models';
import { attributionReport } from '../../reports/attribution';
import { explainReport, ExplainNotFound } from '../../reports/explain';
import { dayIn, nextDay, timeIn } from '../../reports/zone';
import { BarChart } from '../charts';
import type { DashEnv } from '../index';
import { Empty, Layout, NotWired } from '../layout';
import { int, money, money0, parseRange, RangeForm } from '../range';
import { reportCtx } from '../report-ctx';
import { CsvLinks } from '../csv-links';
import { displayCurrency } from '../../reports/currencies';

const DIMENSIONS = [
  ['channel', 'Channel'],
  ['campaign', 'Campaign'],
  ['source', 'Source'],
] as const;
const DIMENSION_PLURAL: Record<string, string> = { channel: 'channels', campaign: 'campaigns', source: 'sources' };

/**
 * Rows of the models table: a shop with ten thousand campaigns made a 2 MB page that took
 * seconds to render and could not be read; the API and the CLI keep every row.
 */
const TABLE_ROWS = 200;

function modelOf(v: string | undefined): ModelName {
  return (MODELS as readonly string[]).includes(v ?? '') ? (v as ModelName) : 'markov';
}

/** GET /dashboard/attribution?dimension=&model= */
export async function attributionPage(c: Context<DashEnv>) {
  const p = c.get('page');
  const dimension = DIMENSIONS.some(([d]) => d === c.req.query('dimension')) ? c.req.query('dimension')! : 'channel';
  const model = modelOf(c.req.query('model'));
  const r = reportCtx(c, { dimension });
  const frame = (body: Child) => (
    <Layout title="Attribution" active="/attribution" site={p.site} sites={p.sites} csrf={p.csrf} range={r.range}>
      <RangeForm action="/dashboard/attribution" range={r.range} site={p.site}>
        <div class="field">
          <label for="dimension">Group by</label>
          <select id="dimension" name="dimension">
            {DIMENSIONS.map(([v, l]) => (
              <option value={v} selected={v === dimension}>
                {l}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="model">Model</label>
          <select id="model" name="model">
            {MODELS.map((m) => (
              <option value={m} selected={m === model}>
                {MODEL_LABELS[m]}
              </option>
            ))}
          </select>
        </div>
      </RangeForm>
      {body}
    </Layout>
  );
  if (!p.site) return c.html(frame(<Empty>No site yet.</Empty>));
  if (!r.src) return c.html(frame(<NotWired what="Attribution (store.journeys)" />));
  if (!r.params) return c.html(frame(<p class="error">{r.error}</p>), 400);
  const rep = await attributionReport(r.src, r.site!, r.params);
  const label = DIMENSIONS.find(([d]) => d === dimension)![1];
  const rows = [...rep.rows].sort((a, b) => (b.revenue[model] ?? 0) - (a.revenue[model] ?? 0));
  // A sign only for one currency: a sum of USD and EUR (or of amounts without one) is in neither.
  const cur = displayCurrency(rep.currencies, rep.ordersWithoutCurrency);
  return c.html(
    frame(
      <>
        <section class="kpis" aria-label="Totals">
          <div class="card kpi"><div class="v">{int(rep.totals.conversions)}</div><div class="l">Conversions</div></div>
          <div class="card kpi"><div class="v">{money0(rep.totals.revenue, cur)}</div><div class="l">Revenue</div></div>
          <div class="card kpi"><div class="v">{int(rep.totals.persons)}</div><div class="l">Persons with a path</div></div>
          <div class="card kpi"><div class="v">{`${rep.lookbackDays} d`}</div><div class="l">Lookback window</div></div>
        </section>
        {rep.currencyNotice ? <p class="notice">{rep.currencyNotice}</p> : null}
        {rows.length === 0 ? (
          <Empty>No conversions in this date range.</Empty>
        ) : (
          <>
            <section class="card">
              <h2>{`Revenue by ${label.toLowerCase()} — ${MODEL_LABELS[model]}`}</h2>
              <BarChart title={`Revenue credited by ${label.toLowerCase()}, ${MODEL_LABELS[model]} model`} rows={rows.slice(0, 12).map((row) => ({ label: row.key, value: row.revenue[model] ?? 0 }))} format={(v) => money0(v, cur)} />
            </section>
            <section class="card">
              <h2>All models side by side</h2>
              <p class="muted">Revenue credited to each {label.toLowerCase()} under every model; each order's credits sum to its value under every model.</p>
              {rows.length > TABLE_ROWS ? (
                <p class="notice">{`Showing the ${int(TABLE_ROWS)} ${DIMENSION_PLURAL[dimension]} with the most revenue under ${MODEL_LABELS[model]} of ${int(rows.length)}; the CSV below, the API (/v1/reports/attribution) and "omnitrail report attribution" list them all.`}</p>
              ) : null}
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{label}</th>
                      {rep.models.map((m) => (
                        <th scope="col" class="num">
                          {m === model ? <strong>{MODEL_LABELS[m]}</strong> : MODEL_LABELS[m]}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {rows.slice(0, TABLE_ROWS).map((row) => (
                      <tr>
                        <th scope="row">{row.key}</th>
                        {rep.models.map((m) => (
                          <td class="num">{money0(row.revenue[m] ?? 0, cur)}</td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p class="muted">{`Channel rules: ${rep.channelRules}.`}</p>
              <CsvLinks r={r} report="attribution" tables={[['revenue', 'revenue by model'], ['conversions', 'conversions by model'], ['markov', 'Markov removal effects']]} />
            </section>
          </>
        )}
        <section class="card">
          <h2>Explain one order</h2>
          <form method="get" action="/dashboard/explain" class="inline">
            <input type="hidden" name="site" value={p.site.id} />
            <div class="field">
              <label for="order">Order ID</label>
              <input id="order" name="order" required />
            </div>
            <button type="submit">Explain</button>
          </form>
        </section>
      </>,
    ),
  );
}

/** GET /dashboard/explain?order= — the order's path and each model's credits. */
export async function explainPage(c: Context<DashEnv>) {
  const p = c.get('page');
  const order = (c.req.query('order') ?? '').trim();
  const r = reportCtx(c, { order });
  // Without from/to (the attribution page's "Explain one order" form, a person's order) the
  // order is explained in its own range, as the API does: an order older than the default 30
  // days is found, and the form then shows that range.
  const asked = Boolean(c.req.query('from') || c.req.query('to'));
  // The way back keeps the range the attribution page was looked at in.
  const backRange = asked ? `&from=${encodeURIComponent(r.range.fromStr)}&to=${encodeURIComponent(r.range.toStr)}` : '';
  let shown = r.range;
  const frame = (body: Child, status: 200 | 400 | 404 = 200) =>
    c.html(
      <Layout title={`Order ${order || '?'}`} active="/attribution" site={p.site} sites={p.sites} csrf={p.csrf} range={asked ? r.range : undefined}>
        <p>
          <a href={`/dashboard/attribution?site=${encodeURIComponent(p.site?.id ?? '')}${backRange}`}>← Attribution</a>
        </p>
        <RangeForm action="/dashboard/explain" range={shown} site={p.site}>
          <div class="field">
            <label for="order">Order ID</label>
            <input id="order" name="order" value={order} required />
          </div>
        </RangeForm>
        {body}
      </Layout>,
      status,
    );
  if (!p.site || !r.src) return frame(<NotWired what="Order explanations (store.journeys)" />);
  if (!order) return frame(<p class="error">Enter an order ID.</p>, 400);
  if (!r.params) return frame(<p class="error">{r.error}</p>, 400);
  // Markov learns from every path of the range, so the range matters (default: last 30 days).
  const params = { ...r.params, order, ...(asked ? {} : { defaultRange: true as const }) };
  let rep;
  try {
    rep = await explainReport(r.src, r.site!, params);
  } catch (e) {
    if (e instanceof ExplainNotFound) return frame(<p class="error">{e.message}</p>, 404);
    throw e;
  }
  const tz = r.range.tz;
  if (!asked) {
    // explainReport's own range: the lookback before the order's day through that day.
    const day = dayIn(Date.parse(rep.order.time), tz);
    shown = parseRange({ from: nextDay(day, -Math.ceil(rep.lookbackDays)), to: day }, Date.now(), tz);
  }
  return frame(
    <>
      <section class="kpis" aria-label="Order">
        <div class="card kpi">
          <div class="v">{money(rep.order.value, rep.order.currency ?? null)}</div>
          <div class="l">{rep.order.exchanged ? `Order value (${money(rep.order.exchanged.value, rep.order.exchanged.currency)} at ${rep.order.exchanged.rate})` : 'Order value'}</div>
        </div>
        <div class="card kpi"><div class="v">{rep.order.salesChannel}</div><div class="l">Sales channel</div></div>
        <div class="card kpi"><div class="v">{dayIn(Date.parse(rep.order.time), tz)}</div><div class="l">Date</div></div>
        <div class="card kpi"><div class="v">{rep.path.length}</div><div class="l">Touchpoints in the lookback</div></div>
      </section>
      <section class="card">
        <h2>Path and credits</h2>
        <p>
          <a href={`/dashboard/person?site=${encodeURIComponent(p.site.id)}&orderId=${encodeURIComponent(rep.order.id)}`}>Show this customer's whole timeline</a>
        </p>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Touch</th>
                <th scope="col">Channel</th>
                <th scope="col">Campaign</th>
                {rep.models.map((m) => (
                  <th scope="col" class="num">{MODEL_LABELS[m]}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rep.path.map((t) => (
                <tr>
                  <td>{timeIn(Date.parse(t.time), tz)}</td>
                  <td>{t.kind}</td>
                  <td>
                    {t.channel} <span class="tag">{`${t.source} / ${t.medium}`}</span>
                  </td>
                  <td>{t.campaign}</td>
                  {rep.models.map((m) => (
                    <td class="num">{money(t.credits[m] ?? 0, rep.order.currency ?? null)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>,
  );
}
