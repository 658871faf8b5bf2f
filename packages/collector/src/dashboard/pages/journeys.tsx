/** Top journeys: the most frequent channel paths and their conversion rates. */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import { displayCurrency } from '../../reports/currencies';
import { journeysReport } from '../../reports/journeys';
import type { DashEnv } from '../index';
import { Empty, Layout, NotWired } from '../layout';
import { int, money0, pct, RangeForm } from '../range';
import { reportCtx } from '../report-ctx';
import { CsvLinks } from '../csv-links';

/** A channel path as text with arrows (screen readers hear "then"). */
export function Path(props: { path: string[] }) {
  return (
    <span class="path">
      {props.path.map((ch, i) => (
        <>
          {i > 0 ? (
            <span class="arrow" aria-label="then">
              →
            </span>
          ) : null}
          <span class="tag">{ch}</span>
        </>
      ))}
    </span>
  );
}

/** Row counts the page offers; the API allows up to 1000, the page stops at 500 to stay readable. */
export const JOURNEY_LIMITS = [25, 100, 500] as const;

/**
 * The page's row count from `?limit=`: a whole number, at most the largest offer; else 25.
 *
 * @example
 * journeyLimit('100') // 100; journeyLimit('9999') // 500; journeyLimit('x') // 25
 */
export function journeyLimit(q: string | undefined): number {
  const n = Number(q);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, JOURNEY_LIMITS[JOURNEY_LIMITS.length - 1]) : JOURNEY_LIMITS[0];
}

/** GET /dashboard/journeys[?limit=25|100|500] */
export async function journeysPage(c: Context<DashEnv>) {
  const p = c.get('page');
  const limit = journeyLimit(c.req.query('limit'));
  const r = reportCtx(c, { limit: String(limit) });
  const href = (n: number) =>
    `/dashboard/journeys?${new URLSearchParams({ ...(p.site ? { site: p.site.id } : {}), from: r.range.fromStr, to: r.range.toStr, limit: String(n) })}`;
  const frame = (body: Child) => (
    <Layout title="Top journeys" active="/journeys" site={p.site} sites={p.sites} csrf={p.csrf} range={r.range}>
      <RangeForm action="/dashboard/journeys" range={r.range} site={p.site}>
        {limit !== JOURNEY_LIMITS[0] ? <input type="hidden" name="limit" value={String(limit)} /> : null}
      </RangeForm>
      {body}
    </Layout>
  );
  if (!p.site) return c.html(frame(<Empty>No site yet.</Empty>));
  if (!r.src) return c.html(frame(<NotWired what="The journeys report (store.journeys)" />));
  if (!r.params) return c.html(frame(<p class="error">{r.error}</p>), 400);
  const rep = await journeysReport(r.src, r.site!, r.params);
  // A sign only for one currency: a sum of USD and EUR (or of amounts without one) is in neither.
  const cur = displayCurrency(rep.currencies, rep.ordersWithoutCurrency);
  return c.html(
    frame(
      <section class="card">
        <h2>{`Most frequent channel paths (${int(rep.paths)} journeys, ${int(rep.conversions)} conversions)`}</h2>
        {rep.currencyNotice ? <p class="notice">{rep.currencyNotice}</p> : null}
        {rep.rows.length === 0 ? (
          <Empty />
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Path</th>
                  <th scope="col" class="num">Journeys</th>
                  <th scope="col" class="num">Conversions</th>
                  <th scope="col" class="num">Rate</th>
                  <th scope="col" class="num">Revenue</th>
                </tr>
              </thead>
              <tbody>
                {rep.rows.map((row) => (
                  <tr>
                    <td>
                      <Path path={row.path} />
                    </td>
                    <td class="num">{int(row.journeys)}</td>
                    <td class="num">{int(row.conversions)}</td>
                    <td class="num">{pct(row.conversionRate)}</td>
                    <td class="num">{money0(row.revenue, cur)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {rep.distinctPaths > JOURNEY_LIMITS[0] ? (
          <p class="muted">
            {`Showing the ${int(rep.rows.length)} most frequent of ${int(rep.distinctPaths)} distinct paths. Show `}
            {JOURNEY_LIMITS.map((n, i) => (
              <>
                {i > 0 ? ' · ' : ''}
                {n === limit ? <strong aria-current="true">{String(n)}</strong> : <a href={href(n)}>{String(n)}</a>}
              </>
            ))}
            {'. The API (GET /v1/reports/journeys?limit=) returns up to 1000.'}
          </p>
        ) : null}
        <CsvLinks r={r} report="journeys" tables={[['paths', 'these paths']]} />
      </section>,
    ),
  );
}
