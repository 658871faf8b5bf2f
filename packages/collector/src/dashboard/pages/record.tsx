/**
 * Staff forms: record an offline order or touchpoint with whatever identifies the customer
 * (handoff code, loyalty card, e-mail, phone, customer ID). They call the same
 * `applyOrders` / `applyTouchpoints` as `POST /v1/orders` and `/v1/touchpoints`, so the
 * validation (handoff check character, hashing of e-mail/phone) and the stitching are identical.
 */
import type { Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { applyOrders, applyTouchpoints } from '../../orders/apply';
import { parseAmount } from '../../orders/parse';
import { siteCountry } from '../../pii/index';
import type { DashEnv } from '../index';
import { Layout, NoSite } from '../layout';
import { personQuery } from './person';
import { currencyTally } from '../../reports/currencies';
import { siteExchange } from '../../reports/exchange';
import type { Store } from '../../store/types';

/** How staff can identify a customer: form value, OrderInput/TouchpointInput field, label, person-lookup field. */
export const IDENTIFY_BY: [string, string, string, string][] = [
  ['handoffCode', 'handoffCode', 'Handoff code (from the website footer)', 'handoffCode'],
  ['loyaltyId', 'loyaltyId', 'Loyalty card', 'loyaltyId'],
  ['email', 'email', 'E-mail', 'email'],
  ['phone', 'phone', 'Phone', 'phone'],
  ['userId', 'userId', 'Customer ID', 'userId'],
];

const TOUCH_TYPES: [string, string][] = [
  ['store_visit', 'Store visit'],
  ['phone_call', 'Phone call'],
  ['consultation', 'Consultation'],
  ['appointment', 'Appointment'],
];

function s(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

function IdentifyFields(props: { prefix: string; values: Record<string, string> }) {
  const by = props.values.by || 'handoffCode';
  return (
    <fieldset>
      <legend>Customer</legend>
      <div class="field">
        <label for={`${props.prefix}-by`}>Identify by</label>
        <select id={`${props.prefix}-by`} name="by">
          {IDENTIFY_BY.map(([v, , l]) => (
            <option value={v} selected={v === by}>
              {l}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={`${props.prefix}-who`}>
          Value <span class="hint">(e.g. K7M-2QX; e-mail and phone are hashed before storage)</span>
        </label>
        <input id={`${props.prefix}-who`} name="who" value={props.values.who ?? ''} required autocomplete="off" />
      </div>
    </fieldset>
  );
}

type Outcome = { kind: 'order' | 'touchpoint'; ok: boolean; message: string; lookup?: string };

/**
 * The currency staff most likely take: the site's reporting currency when it has one, else the
 * most frequent one of the site's orders of the last 90 days (EUR for a site without any). A
 * fixed EUR made a dollar shop's staff record euro orders unless they noticed the field, mixing
 * currencies in every sum.
 */
export async function shopCurrency(store: Store, siteId: string, now = Date.now(), settings?: Record<string, unknown>): Promise<string> {
  const own = siteExchange(settings)?.currency;
  if (own) return own;
  const tally = currencyTally();
  for (const o of await store.listOrders(siteId, { from: now - 90 * 86_400_000, limit: 200 })) tally.add(o);
  return tally.currencies()[0] ?? 'EUR';
}

async function page(c: Context<DashEnv>, outcome: Outcome | null, values: Record<string, string>, status: 200 | 400 = 200) {
  const p = c.get('page');
  const currency = p.site ? await shopCurrency(p.store, p.site.id, Date.now(), p.site.settings) : 'EUR';
  const q = p.site ? `?site=${encodeURIComponent(p.site.id)}` : '';
  const vals = (k: 'order' | 'touchpoint') => (outcome?.kind === k && !outcome.ok ? values : {});
  const Result = (props: { k: 'order' | 'touchpoint' }): Child =>
    outcome?.kind === props.k ? (
      <p class={outcome.ok ? 'success' : 'error'} role={outcome.ok ? 'status' : 'alert'}>
        {outcome.message}
        {outcome.ok && outcome.lookup ? (
          <>
            {' '}
            <a href={`/dashboard/person${q}${q ? '&' : '?'}${outcome.lookup}`}>Open the customer's timeline</a>
          </>
        ) : null}
      </p>
    ) : null;
  const o = vals('order');
  const t = vals('touchpoint');
  // Without a site a sale typed in could only be refused on submit: say so up front.
  if (!p.site) return c.html(<Layout title="Record offline sale" active="/record" site={p.site} sites={p.sites} csrf={p.csrf}><NoSite /></Layout>, status);
  return c.html(
    <Layout title="Record offline sale" active="/record" site={p.site} sites={p.sites} csrf={p.csrf}>
      <div class="grid two">
        <section class="card">
          <h2 id="order-h">Offline order</h2>
          <Result k="order" />
          <form method="post" action={`/dashboard/record/order${q}`} class="stack" aria-labelledby="order-h">
            <input type="hidden" name="_csrf" value={p.csrf} />
            <IdentifyFields prefix="o" values={o} />
            <div class="field">
              <label for="o-id">Order number</label>
              <input id="o-id" name="order_id" value={o.order_id ?? ''} required maxlength={200} placeholder="B-10023" />
            </div>
            <div class="field">
              <label for="o-channel">Sold via</label>
              <select id="o-channel" name="channel">
                <option value="store" selected={o.channel !== 'phone'}>Store</option>
                <option value="phone" selected={o.channel === 'phone'}>Phone</option>
              </select>
            </div>
            <div class="field">
              <label for="o-loc">Store / location</label>
              <input id="o-loc" name="location" value={o.location ?? ''} placeholder="berlin-mitte" />
            </div>
            <div class="field">
              <label for="o-rev">Amount</label>
              <input id="o-rev" name="revenue" value={o.revenue ?? ''} required inputmode="decimal" placeholder="129.00" />
            </div>
            <div class="field">
              <label for="o-cur">Currency</label>
              <input id="o-cur" name="currency" value={o.currency || currency} maxlength={3} />
            </div>
            <div class="field">
              <label for="o-prod">
                Product <span class="hint">(optional: name or SKU)</span>
              </label>
              <input id="o-prod" name="product" value={o.product ?? ''} />
            </div>
            <button type="submit">Record order</button>
          </form>
        </section>
        <section class="card">
          <h2 id="tp-h">Touchpoint</h2>
          <Result k="touchpoint" />
          <form method="post" action={`/dashboard/record/touchpoint${q}`} class="stack" aria-labelledby="tp-h">
            <input type="hidden" name="_csrf" value={p.csrf} />
            <IdentifyFields prefix="t" values={t} />
            <div class="field">
              <label for="t-type">What happened</label>
              <select id="t-type" name="type">
                {TOUCH_TYPES.map(([v, l]) => (
                  <option value={v} selected={v === t.type}>
                    {l}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="t-loc">Store / location</label>
              <input id="t-loc" name="location" value={t.location ?? ''} />
            </div>
            <div class="field">
              <label for="t-note">
                Note <span class="hint">(no personal data)</span>
              </label>
              <textarea id="t-note" name="note" rows={3} maxlength={1000}>
                {t.note ?? ''}
              </textarea>
            </div>
            <button type="submit">Record touchpoint</button>
          </form>
        </section>
      </div>
    </Layout>,
    status,
  );
}

function identity(values: Record<string, string>): { field: string; value: string; lookupField: string } | null {
  const row = IDENTIFY_BY.find(([v]) => v === values.by);
  if (!row || !values.who) return null;
  return { field: row[1], value: values.who, lookupField: row[3] };
}

/**
 * Register `/record` (GET forms, POST order, POST touchpoint).
 *
 * @example
 * registerRecordPages(app);
 */
export function registerRecordPages(app: Hono<DashEnv>): void {
  app.get('/record', (c) => page(c, null, {}));

  app.post('/record/order', async (c) => {
    const p = c.get('page');
    const b = await c.req.parseBody();
    const values = Object.fromEntries(['by', 'who', 'order_id', 'channel', 'location', 'revenue', 'currency', 'product'].map((k) => [k, s(b[k])]));
    const fail = (message: string) => page(c, { kind: 'order', ok: false, message }, values, 400);
    if (!p.site) return fail('No site.');
    const who = identity(values);
    if (!who) return fail('Say who the customer is: choose how to identify them and enter the value.');
    // The importers' parser: a decimal comma (129,90), thousands separators (1.234,56) and a
    // currency sign (129,90 €) as on till receipts.
    let revenue: number | undefined;
    try {
      revenue = parseAmount(values.revenue, 'amount');
    } catch {
      revenue = undefined;
    }
    if (revenue === undefined || revenue < 0) return fail('Amount: enter a number such as 129.90.');
    const input: Record<string, unknown> = {
      order_id: values.order_id,
      channel: values.channel === 'phone' ? 'phone' : 'store',
      revenue,
      currency: values.currency.toUpperCase() || (await shopCurrency(p.store, p.site.id)),
      [who.field]: who.value,
    };
    if (values.location) input.location = values.location;
    if (values.product) input.products = [{ name: values.product, price: revenue, quantity: 1 }];
    const defaultCountry = siteCountry(p.site.settings);
    const res = await applyOrders(p.store, p.site.id, [input], { now: Date.now(), defaultCountry });
    if (res.rejected.length) return fail(`Not recorded: ${res.rejected[0].reason}`);
    const msg = res.accepted ? `Order ${values.order_id} recorded.` : `Order ${values.order_id} was already recorded with the same details; nothing changed.`;
    const warn = res.warnings.length ? ` Note: ${res.warnings.map((w) => w.warning).join('; ')}` : '';
    return page(c, { kind: 'order', ok: true, message: msg + warn, lookup: `orderId=${encodeURIComponent(values.order_id)}` }, {});
  });

  app.post('/record/touchpoint', async (c) => {
    const p = c.get('page');
    const b = await c.req.parseBody();
    const values = Object.fromEntries(['by', 'who', 'type', 'location', 'note'].map((k) => [k, s(b[k])]));
    const fail = (message: string) => page(c, { kind: 'touchpoint', ok: false, message }, values, 400);
    if (!p.site) return fail('No site.');
    const who = identity(values);
    if (!who) return fail('Say who the customer is: choose how to identify them and enter the value.');
    if (!TOUCH_TYPES.some(([v]) => v === values.type)) return fail('Choose what happened.');
    const input: Record<string, unknown> = { type: values.type, [who.field]: who.value, timestamp: Date.now() };
    if (values.location) input.location = values.location;
    if (values.note) input.note = values.note.slice(0, 1000);
    const defaultCountry = siteCountry(p.site.settings);
    const res = await applyTouchpoints(p.store, p.site.id, [input], { now: Date.now(), defaultCountry });
    if (res.rejected.length) return fail(`Not recorded: ${res.rejected[0].reason}`);
    const label = TOUCH_TYPES.find(([v]) => v === values.type)![1];
    // E-mail and phone are linked by their hash: a raw address in the link would land in history and logs.
    const lookup = (await personQuery(who.lookupField, who.value, defaultCountry)) ?? undefined;
    return page(c, { kind: 'touchpoint', ok: true, message: `${label} recorded.`, lookup }, {});
  });
}
