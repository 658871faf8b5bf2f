/** Web vitals: p75 per page path with good / needs-improvement / poor shares. */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import { VITALS, vitalsReport, rate } from '../../reports/vitals';
import type { DashEnv } from '../index';
import { Empty, Layout, NotWired } from '../layout';
import { int, pct, RangeForm } from '../range';
import { reportCtx } from '../report-ctx';
import { CsvLinks } from '../csv-links';

/** Rows shown: "*" (all pages) and the pages with the most samples; a shop with thousands of paths would make an unreadable page. */
const ROWS = 30;

const RATING_LABEL = { good: 'good', 'needs-improvement': 'needs improvement', poor: 'poor' } as const;
const RATING_CLASS = { good: 'good', 'needs-improvement': 'ni', poor: 'poor' } as const;

function fmt(name: string, v: number): string {
  return name === 'CLS' ? v.toFixed(3) : `${Math.round(v)} ms`;
}

/** GET /dashboard/vitals */
export async function vitalsPage(c: Context<DashEnv>) {
  const p = c.get('page');
  const r = reportCtx(c);
  const frame = (body: Child) => (
    <Layout title="Web vitals" active="/vitals" site={p.site} sites={p.sites} csrf={p.csrf} range={r.range}>
      <RangeForm action="/dashboard/vitals" range={r.range} site={p.site} />
      {body}
    </Layout>
  );
  if (!p.site) return c.html(frame(<Empty>No site yet.</Empty>));
  if (!r.src) return c.html(frame(<NotWired what="The web vitals report (store.webVitals)" />));
  if (!r.params) return c.html(frame(<p class="error">{r.error}</p>), 400);
  const rep = await vitalsReport(r.src, r.site!, r.params);
  return c.html(
    frame(
      rep.rows.length === 0 ? (
        <Empty>No web vitals in this date range. Load the SDK's vitals build (omnitrail.vitals.min.js or the /vitals import) to collect them.</Empty>
      ) : (
        <section class="card">
          <h2>75th percentile per page</h2>
          <p class="muted">Thresholds from web.dev: rating of the p75 value; shares are of all samples. "*" is all pages together.</p>
          {rep.rows.length > ROWS ? (
            <p class="notice">{`Showing the ${ROWS - 1} pages with the most samples of ${int(rep.rows.length - 1)}; the API (/v1/reports/vitals) and "omnitrail report vitals" list every page.`}</p>
          ) : null}
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Path</th>
                  {VITALS.map((v) => (
                    <th scope="col" class="num">{v}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rep.rows.slice(0, ROWS).map((row) => (
                  <tr>
                    <th scope="row">{row.path}</th>
                    {VITALS.map((v) => {
                      const cell = row.metrics[v];
                      if (!cell) return <td class="vital muted">–</td>;
                      const rt = rate(v, cell.p75);
                      return (
                        <td class="vital">
                          <span class={RATING_CLASS[rt]}>{fmt(v, cell.p75)}</span>
                          <br />
                          <span class="hint">{RATING_LABEL[rt]}</span>
                          <br />
                          <span class="hint">{`${pct(cell.good)} good · n=${int(cell.samples)}`}</span>
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <CsvLinks r={r} report="vitals" tables={[['paths', 'p75 and shares per path']]} />
        </section>
      ),
    ),
  );
}
