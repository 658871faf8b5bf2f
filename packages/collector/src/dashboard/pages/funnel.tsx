/** Funnel with drop-off, overall and split by first channel. */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import { funnelReport } from '../../reports/funnel';
import { BarChart } from '../charts';
import type { DashEnv } from '../index';
import { Empty, Layout, NotWired } from '../layout';
import { int, pct, RangeForm } from '../range';
import { reportCtx } from '../report-ctx';
import { CsvLinks } from '../csv-links';

export const DEFAULT_STEPS = 'Product Viewed, Product Added, Checkout Started, Order Completed';

/** GET /dashboard/funnel?steps=A,B,C&windowDays=7 */
export async function funnelPage(c: Context<DashEnv>) {
  const p = c.get('page');
  const steps = (c.req.query('steps') ?? DEFAULT_STEPS).slice(0, 500);
  const windowDays = c.req.query('windowDays') || '7';
  const r = reportCtx(c, { steps, windowDays });
  const frame = (body: Child, status: 200 | 400 = 200) =>
    c.html(
      <Layout title="Funnel" active="/funnel" site={p.site} sites={p.sites} csrf={p.csrf} range={r.range}>
        <RangeForm action="/dashboard/funnel" range={r.range} site={p.site}>
          <div class="field wide">
            <label for="steps">
              Steps <span class="hint">(event names, comma-separated)</span>
            </label>
            <input id="steps" name="steps" value={steps} />
          </div>
          <div class="field">
            <label for="windowDays">Window (days)</label>
            <input id="windowDays" name="windowDays" value={windowDays} size={4} inputmode="numeric" />
          </div>
        </RangeForm>
        {body}
      </Layout>,
      status,
    );
  if (!p.site) return frame(<Empty>No site yet.</Empty>);
  if (!r.src) return frame(<NotWired what="The funnel report (store.journeys)" />);
  if (!r.params) return frame(<p class="error">{r.error}</p>, 400);
  let rep;
  try {
    rep = await funnelReport(r.src, r.site!, r.params);
  } catch (e) {
    return frame(<p class="error">{e instanceof Error ? e.message : String(e)}</p>, 400);
  }
  const StepTable = (props: { s: typeof rep.steps; caption?: string }) => (
    <div class="table-wrap">
      <table>
        {props.caption ? <caption class="muted">{props.caption}</caption> : null}
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col" class="num">Persons</th>
            <th scope="col" class="num">From step 1</th>
            <th scope="col" class="num">From previous</th>
            <th scope="col" class="num">Dropped</th>
          </tr>
        </thead>
        <tbody>
          {props.s.map((st) => (
            <tr>
              <th scope="row">{st.name}</th>
              <td class="num">{int(st.persons)}</td>
              <td class="num">{pct(st.conversion)}</td>
              <td class="num">{pct(st.stepConversion)}</td>
              <td class="num">{int(st.dropOff)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
  return frame(
    <>
      {rep.steps[0]?.persons ? null : <Empty>Nobody entered this funnel in the date range.</Empty>}
      <section class="card">
        <h2>Persons per step</h2>
        <BarChart title="Funnel: persons reaching each step" rows={rep.steps.map((s) => ({ label: `${s.name} (${pct(s.conversion)})`, value: s.persons }))} format={int} />
        <StepTable s={rep.steps} />
      </section>
      <section class="card">
        <h2>By first channel</h2>
        {rep.byChannel.slice(0, 8).map((b) => (
          <details>
            <summary>{`${b.channel}: ${int(b.steps[0]?.persons ?? 0)} entered, ${pct(b.steps[b.steps.length - 1]?.conversion ?? 0)} completed`}</summary>
            <StepTable s={b.steps} />
          </details>
        ))}
        <CsvLinks r={r} report="funnel" tables={[['steps', 'steps'], ['steps-by-channel', 'steps by first channel (all channels)']]} />
      </section>
    </>,
  );
}
