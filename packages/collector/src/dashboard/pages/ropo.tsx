/** ROPO: research online, purchase offline — and the reverse. */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import { displayCurrency } from '../../reports/currencies';
import { ropoReport } from '../../reports/ropo';
import { BarChart } from '../charts';
import type { DashEnv } from '../index';
import { Empty, Layout, NotWired } from '../layout';
import { channelLabel, int, money0, pct, RangeForm } from '../range';
import { reportCtx } from '../report-ctx';
import { CsvLinks } from '../csv-links';

/** GET /dashboard/ropo */
export async function ropoPage(c: Context<DashEnv>) {
  const p = c.get('page');
  const r = reportCtx(c);
  const frame = (body: Child) => (
    <Layout title="ROPO" active="/ropo" site={p.site} sites={p.sites} csrf={p.csrf} range={r.range}>
      <RangeForm action="/dashboard/ropo" range={r.range} site={p.site} />
      {body}
    </Layout>
  );
  if (!p.site) return c.html(frame(<Empty>No site yet.</Empty>));
  if (!r.src) return c.html(frame(<NotWired what="The ROPO report (store.journeys)" />));
  if (!r.params) return c.html(frame(<p class="error">{r.error}</p>), 400);
  const rep = await ropoReport(r.src, r.site!, r.params);
  const off = rep.offlineOrders;
  const on = rep.onlineOrders;
  const days = off.medianDaysFromFirstOnlineTouch;
  // The sales channels counted as offline, as they are (a b2b or marketplace-free shop has others than store and phone).
  const offlineLabel = rep.bySalesChannel.length ? rep.bySalesChannel.map((s) => s.salesChannel).join('/') : 'offline';
  // A sign only for one currency: a sum of USD and EUR (or of amounts without one) is in neither.
  const cur = displayCurrency(rep.currencies, rep.ordersWithoutCurrency);
  return c.html(
    frame(
      <>
        {rep.currencyNotice ? <p class="notice">{rep.currencyNotice}</p> : null}
        <section class="kpis" aria-label="ROPO figures">
          <div class="card kpi"><div class="v">{pct(off.share)}</div><div class="l">{`of ${int(off.orders)} ${offlineLabel} orders had an online touch before`}</div></div>
          <div class="card kpi"><div class="v">{money0(off.revenueWithOnlineTouch, cur)}</div><div class="l">offline revenue researched online</div></div>
          <div class="card kpi"><div class="v">{days === null ? '–' : `${days.toFixed(1)} d`}</div><div class="l">median days from first online touch to offline order</div></div>
          <div class="card kpi"><div class="v">{pct(on.share)}</div><div class="l">{`of ${int(on.orders)} online orders had an offline touch before`}</div></div>
        </section>
        {off.orders + on.orders === 0 ? <Empty>No orders in this date range.</Empty> : null}
        <div class="grid two">
          <section class="card">
            <h2>Offline orders by sales channel</h2>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Sales channel</th>
                    <th scope="col" class="num">Orders</th>
                    <th scope="col" class="num">With online touch</th>
                    <th scope="col" class="num">Median days</th>
                  </tr>
                </thead>
                <tbody>
                  {rep.bySalesChannel.map((s) => (
                    <tr>
                      <th scope="row">{channelLabel(s.salesChannel)}</th>
                      <td class="num">{int(s.orders)}</td>
                      <td class="num">{pct(s.share)}</td>
                      <td class="num">{s.medianDaysFromFirstOnlineTouch === null ? '–' : s.medianDaysFromFirstOnlineTouch.toFixed(1)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <section class="card">
            <h2>Online channels before offline orders</h2>
            {rep.byOnlineChannel.length ? (
              <BarChart title="Offline orders preceded by an online touch, per online channel" rows={rep.byOnlineChannel.slice(0, 10).map((x) => ({ label: x.channel, value: x.offlineOrders }))} format={int} />
            ) : (
              <p class="muted">None in this range.</p>
            )}
          </section>
          <section class="card">
            <h2>Offline touches before online orders</h2>
            {rep.byOfflineChannel.length ? (
              <BarChart title="Online orders preceded by an offline touch, per offline channel" rows={rep.byOfflineChannel.slice(0, 10).map((x) => ({ label: x.channel, value: x.onlineOrders }))} format={int} colorIndex={1} />
            ) : (
              <p class="muted">None in this range.</p>
            )}
          </section>
        </div>
        <CsvLinks r={r} report="ropo" tables={[['sales-channels', 'offline orders by sales channel'], ['online-before-offline', 'online channels before offline orders'], ['offline-before-online', 'offline touches before online orders']]} />
      </>,
    ),
  );
}
