/** Overview: visitors, sessions, orders and revenue by channel over time. */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import { createClassifier } from '../../attribution/channels';
import { parseChannelRules } from '../../attribution/rules';
import type { Site, Store } from '../../store/types';
import { journeysOf } from '../backends';
import { LineChart, StackedBars } from '../charts';
import type { DashEnv } from '../index';
import { Empty, Layout, NotWired, siteQuery } from '../layout';
import { computeOverview, topSeries } from '../overview-data';
import { dayIn, nextDay, siteTimeZone } from '../../reports/zone';
import { channelLabel, dayLabel, int, money0, parseRange, RangeForm, type Range } from '../range';
import { displayCurrency } from '../../reports/currencies';
import { siteExchange } from '../../reports/exchange';

/**
 * Why the overview has nothing to show: a site that never received an event learns how to start;
 * one whose data lies outside the range gets a link to the 30 days ending on its latest event.
 */
async function emptyState(store: Store, site: Site, range: Range): Promise<Child> {
  const latest = await store.latestEventAt(site.id);
  const q = siteQuery(site);
  if (latest === null && (await store.countOrders(site.id)) > 0) {
    // Offline orders (API, import, staff form) are no events: such a site has data, only none in this range.
    return (
      <Empty>
        No orders in this date range. This site has offline orders but no web events yet: to track its website, paste the snippet from{' '}
        <a href={`/dashboard/settings${q}`}>Settings</a> into its pages.
      </Empty>
    );
  }
  if (latest === null) {
    return (
      <Empty>
        This site has received no web events yet. To track the shop's website, paste the snippet from{' '}
        <a href={`/dashboard/settings${q}`}>Settings</a> into its pages. Offline orders and touchpoints come in through{' '}
        <a href={`/dashboard/record${q}`}>Record offline sale</a>, <a href={`/dashboard/import${q}`}>Import CSV</a> or the API.
      </Empty>
    );
  }
  if (latest >= range.from && latest < range.to) return <Empty />;
  const day = dayIn(latest, range.tz);
  return (
    <Empty>
      No data in this date range. The latest event is from{' '}
      <a href={`/dashboard${q ? `${q}&` : '?'}from=${nextDay(day, -29)}&to=${day}`}>{day}</a>.
    </Empty>
  );
}

/**
 * The cookieless figures of the range (page views, daily visitors: distinct visitor hashes per
 * day, summed), or null when the site neither has cookieless mode on nor such page views in the
 * range. Kept apart from the persons above: these visitors denied consent and are never stitched.
 */
async function cookielessLine(store: Store, site: Site, range: Range): Promise<Child> {
  if (typeof store.cookieless !== 'function') return null;
  const spans = range.days.map((_, i) => [range.starts[i], range.starts[i + 1]] as const);
  const c = await store.cookieless(site.id, spans, 0);
  let views = 0;
  let visitors = 0;
  for (const d of c.days) (views += d.pageViews), (visitors += d.visitors);
  if (views === 0 && site.settings.cookieless !== true) return null;
  return (
    <p class="muted" data-cookieless="">
      {`Cookieless (no consent): ${int(views)} page views, ${int(visitors)} daily visitors. Not counted in the visitors above; daily visitors are distinct visitor hashes per day, summed over the days (a hash lasts one day, so they are not people). `}
      <code>omnitrail report cookieless</code> has them per day and path.
    </p>
  );
}

/** The site's custom channel rules (settings.channelRules), or none when absent/invalid. */
export function siteClassifier(settings: Record<string, unknown> | undefined) {
  try {
    return createClassifier(settings?.channelRules ? parseChannelRules(settings.channelRules) : []);
  } catch {
    return createClassifier();
  }
}

/** GET /dashboard/ */
export async function overviewPage(c: Context<DashEnv>) {
  const p = c.get('page');
  const range = parseRange(c.req.query(), Date.now(), siteTimeZone(p.site?.settings));
  const journeys = journeysOf(p.store);
  const frame = (body: Child) => (
    <Layout title="Overview" active="/" site={p.site} sites={p.sites} csrf={p.csrf} range={range}>
      <RangeForm action="/dashboard" range={range} site={p.site} />
      {body}
    </Layout>
  );
  if (!p.site) return c.html(frame(<Empty>No site yet. Create one with <code>omnitrail site create</code>.</Empty>));
  if (!journeys) return c.html(frame(<NotWired what="The overview (stitched persons, store.journeys)" />));
  const o = await computeOverview(journeys(p.site.id, { from: range.from, to: range.to, lookbackMs: 0 }), range, siteClassifier(p.site.settings), siteExchange(p.site.settings));
  const x = o.days.map(dayLabel);
  // A sign only for one currency: a sum of USD and EUR (or of amounts without one) is in neither,
  // and a range without orders has none to show (a € there would be wrong for a dollar shop).
  const cur = (v: number) => money0(v, displayCurrency(o.currencies, o.withoutCurrency));
  const notice = o.currencyNotice;
  return c.html(
    frame(
      <>
        <section class="kpis" aria-label="Totals">
          <div class="card kpi"><div class="v">{int(o.totals.visitors)}</div><div class="l">Visitors (persons)</div></div>
          <div class="card kpi"><div class="v">{int(o.totals.sessions)}</div><div class="l">Web sessions</div></div>
          <div class="card kpi"><div class="v">{int(o.totals.orders)}</div><div class="l">Orders, all channels</div></div>
          <div class="card kpi"><div class="v">{cur(o.totals.revenue)}</div><div class="l">Revenue</div></div>
        </section>
        {await cookielessLine(p.store, p.site, range)}
        {o.totals.sessions + o.totals.orders === 0 ? await emptyState(p.store, p.site, range) : null}
        {notice ? <p class="notice">{notice}</p> : null}
        <div class="grid two">
          <section class="card">
            <h2>Visitors per day</h2>
            <LineChart title="Visitors per day" x={x} series={[{ name: 'Visitors', values: o.visitors }]} format={int} />
          </section>
          <section class="card">
            <h2>Sessions by channel</h2>
            <StackedBars title="Web sessions per day by marketing channel" x={x} series={topSeries(o.sessionsByChannel)} format={int} />
          </section>
          <section class="card">
            <h2>Orders by sales channel</h2>
            <StackedBars title="Orders per day by sales channel" x={x} series={topSeries(o.ordersByChannel).map((x) => ({ ...x, name: channelLabel(x.name) }))} format={int} />
          </section>
          <section class="card">
            <h2>Revenue by sales channel</h2>
            {/* Ranked like the orders chart: a sales channel keeps its colour across both. */}
            <StackedBars title="Revenue per day by sales channel" x={x} series={topSeries(o.revenueByChannel, 6, o.ordersByChannel).map((x) => ({ ...x, name: channelLabel(x.name) }))} format={cur} />
          </section>
        </div>
        <p class="muted">
          {`Also in this range: ${int(o.totals.qrScans)} QR scans and ${int(o.totals.offlineTouches)} offline touchpoints (store visits, calls, consultations). Bots are excluded; persons are stitched across channels.`}
        </p>
      </>,
    ),
  );
}
