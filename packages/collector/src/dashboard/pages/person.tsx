/**
 * Person lookup: find a customer by any identifier and show one timeline across web, QR,
 * store and phone. E-mail and phone are hashed before the lookup (they are stored hashed).
 */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import { hashPii, isSha256Hex, siteCountry } from '../../pii/index';
import { dayIn, siteTimeZone, timeIn } from '../../reports/zone';
import { identifier } from '../../stitch/identifiers';
import type { Identifier, IdentifierKind } from '../../stitch/types';
import type { StoredEvent } from '../../store/core';
import type { StoredOrder } from '../../store/orders';
import type { Store } from '../../store/types';
import type { DashEnv } from '../index';
import { Layout, NotWired } from '../layout';
import { int, money } from '../range';
import type { Conversion } from '../../attribution/journey';
import { converts } from '../../attribution/paths';
import { currencyTally, displayCurrency } from '../../reports/currencies';
import { convert, siteExchange } from '../../reports/exchange';

/** Lookup fields of the form, in display order: query name, identifier kind, label. */
export const LOOKUPS: [string, IdentifierKind, string][] = [
  ['email', 'email', 'E-mail'],
  ['phone', 'phone', 'Phone'],
  ['loyaltyId', 'loyalty', 'Loyalty card'],
  ['userId', 'user', 'Customer ID'],
  ['orderId', 'order', 'Order ID'],
  ['handoffCode', 'handoff', 'Handoff code'],
  ['anonymousId', 'anon', 'Browser (anonymous ID)'],
];

type IdentityFns = {
  personOf(siteId: string, id: Identifier): Promise<{ personId: string; identifiers: Identifier[] } | null>;
  personEvents(siteId: string, id: Identifier, opts?: { limit?: number }): Promise<StoredEvent[]>;
};
type OrderFns = { ordersByIds(siteId: string, ids: string[]): Promise<StoredOrder[]> };

/** One row of the timeline. */
export interface TimelineItem {
  ts: number;
  /** Web, QR, Store, Phone, Identity, … */
  channel: string;
  title: string;
  detail?: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : String(v));

/** Turn a person's events and orders into timeline items (pure; consecutive page views are grouped). */
export function timeline(events: StoredEvent[], orders: StoredOrder[]): TimelineItem[] {
  const items: TimelineItem[] = [];
  const webOrderIds = new Set<string>();
  for (const e of events) {
    const p = e.properties ?? {};
    const page = (e.context?.page ?? {}) as { path?: string; url?: string };
    if (e.type === 'page') {
      const last = items[items.length - 1];
      const path = str(page.path || e.event || page.url);
      if (last && last.channel === 'Web' && last.title.startsWith('Viewed') && e.timestamp - last.ts < 30 * 60_000) {
        last.detail = `${last.detail}, ${path}`;
        continue;
      }
      const camp = (e.context?.campaign ?? {}) as { source?: string; medium?: string; name?: string };
      const from = camp.source ? ` via ${camp.source}${camp.medium ? ` / ${camp.medium}` : ''}${camp.name ? ` (${camp.name})` : ''}` : '';
      items.push({ ts: e.timestamp, channel: 'Web', title: `Viewed pages${from}`, detail: path });
      continue;
    }
    if (e.type === 'identify') {
      items.push({ ts: e.timestamp, channel: 'Identity', title: 'Identified', detail: Object.keys(e.traits ?? {}).join(', ') });
      continue;
    }
    if (e.type !== 'track') continue;
    switch (e.event) {
      case 'QR Code Scanned':
        items.push({ ts: e.timestamp, channel: p.personalised ? 'Direct Mail' : 'QR', title: `Scanned QR code ${str(p.code)}`, detail: str(p.campaign_name || p.campaign_id) });
        break;
      case 'Offline Touchpoint': {
        const type = str(p.touchpoint_type || p.type);
        const label = type.replace(/_/g, ' ');
        items.push({ ts: e.timestamp, channel: type === 'phone_call' ? 'Phone' : 'Store', title: label ? label.charAt(0).toUpperCase() + label.slice(1) : 'Offline touchpoint', detail: [str(p.location), str(p.note)].filter(Boolean).join(' — ') });
        break;
      }
      case 'Handoff Code Issued':
        items.push({ ts: e.timestamp, channel: 'Web', title: `Handoff code shown: ${str(p.display || p.code)}` });
        break;
      case 'Order Completed':
        webOrderIds.add(str(p.order_id));
        break;
      case 'Web Vitals':
        break;
      default:
        items.push({ ts: e.timestamp, channel: 'Web', title: str(e.event), detail: str(p.name || p.product_id || '') });
    }
  }
  for (const o of orders) {
    const ch = o.channel === 'web' ? 'Web' : o.channel.charAt(0).toUpperCase() + o.channel.slice(1);
    const products = o.products.map((x) => `${x.quantity}× ${x.name ?? x.sku ?? x.id ?? '?'}`).join(', ');
    items.push({
      ts: o.ts,
      channel: ch,
      title: `Order ${o.orderId}: ${money(o.revenue, o.currency ?? null)}${o.status !== 'completed' ? ` (${o.status})` : ''}`,
      detail: [o.location ? `at ${o.location}` : '', products].filter(Boolean).join(' — '),
    });
  }
  return items.sort((a, b) => a.ts - b.ts);
}

/** Query names of hashed e-mail / phone lookups: the URL a lookup by contact data ends on. */
const HASHED: Partial<Record<IdentifierKind, string>> = { email: 'email_sha256', phone: 'phone_sha256' };

/**
 * The query string (without `?`) of a person lookup. E-mail and phone become their stored hash
 * (`email_sha256=…`): PRIVACY.md promises contact data is never kept raw, and a URL is kept —
 * in browser history and proxy logs. Null when the value is not a valid e-mail/phone.
 *
 * @example
 * await personQuery('email', 'Jane@Example.com') // 'email_sha256=8c87…'
 * await personQuery('loyaltyId', 'L-1')          // 'loyaltyId=L-1'
 */
export async function personQuery(field: string, value: string, defaultCountry?: string): Promise<string | null> {
  const kind = LOOKUPS.find(([n]) => n === field)?.[1];
  const hashedName = kind && HASHED[kind];
  if (!hashedName) return `${field}=${encodeURIComponent(value)}`;
  const h = await hashPii(kind as 'email' | 'phone', value, defaultCountry);
  return h ? `${hashedName}=${h}` : null;
}

/** Parse the lookup into an identifier (hashing e-mail / phone); null + message when invalid. */
async function lookupIdentifier(q: Record<string, string>, defaultCountry: string | undefined): Promise<{ id: Identifier | null; label: string; error?: string }> {
  for (const [name, kind, label] of LOOKUPS) {
    const hashedName = HASHED[kind];
    const hashed = hashedName ? q[hashedName]?.trim() : undefined;
    if (hashed) {
      if (!isSha256Hex(hashed)) return { id: null, label, error: `That ${label.toLowerCase()} hash is not a SHA-256 hex digest.` };
      return { id: identifier(kind, hashed.toLowerCase()), label };
    }
    const raw = q[name]?.trim();
    if (!raw) continue;
    if (kind === 'email' || kind === 'phone') {
      const h = await hashPii(kind, raw, defaultCountry);
      if (!h) return { id: null, label, error: `That ${label.toLowerCase()} is not valid.` };
      return { id: identifier(kind, h), label };
    }
    const id = identifier(kind, raw);
    return id ? { id, label } : { id: null, label, error: `That ${label.toLowerCase()} cannot identify anyone (blocked placeholder value).` };
  }
  return { id: null, label: '' };
}

/** Events a timeline shows at most: the person's newest ones. */
const EVENTS_SHOWN = 2000;

/**
 * POST /dashboard/person (kind, value; CSRF-checked like every form): the lookup travels in the
 * body and the browser is sent on to {@link personQuery}'s URL, so an e-mail address or phone
 * number never appears in a URL. An invalid value is answered on the spot (400), also URL-free.
 */
export async function personLookupPost(c: Context<DashEnv>) {
  const p = c.get('page');
  const b = await c.req.parseBody();
  const kind = typeof b.kind === 'string' ? b.kind : '';
  const value = typeof b.value === 'string' ? b.value.trim() : '';
  // Answered here, the value is shown back in the form (the body), never in a URL.
  const asked = { kind, value, [kind]: value };
  if (!p.site || !LOOKUPS.some(([n]) => n === kind) || !value) return renderPerson(c, asked);
  const q = await personQuery(kind, value, siteCountry(p.site.settings));
  if (!q) return renderPerson(c, asked);
  return c.redirect(`/dashboard/person?site=${encodeURIComponent(p.site.id)}&${q}`, 303);
}

/**
 * GET /dashboard/person?email_sha256=… | phone_sha256 | loyaltyId | userId | orderId | handoffCode | anonymousId.
 * Older links with a raw `email` / `phone` (or `kind` + `value`) are sent on to the hashed URL.
 */
export async function personPage(c: Context<DashEnv>) {
  const p = c.get('page');
  const q = c.req.query();
  // The form's former GET shape (kind + value) and the field names work as links.
  const query: Record<string, string> = { ...q };
  if (q.kind && q.value && LOOKUPS.some(([n]) => n === q.kind)) query[q.kind] = q.value;
  const raw = (['email', 'phone'] as const).find((n) => query[n]?.trim());
  if (p.site && raw) {
    const hashed = await personQuery(raw, query[raw].trim(), siteCountry(p.site.settings));
    if (hashed) return c.redirect(`/dashboard/person?site=${encodeURIComponent(p.site.id)}&${hashed}`, 303);
  }
  return renderPerson(c, query);
}

async function renderPerson(c: Context<DashEnv>, query: Record<string, string>) {
  const p = c.get('page');
  const store = p.store as Store & Partial<IdentityFns> & Partial<OrderFns>;
  const hashedKind = LOOKUPS.find(([, k]) => HASHED[k] && query[HASHED[k]!]?.trim())?.[0];
  const chosen = query.kind || hashedKind || (LOOKUPS.find(([n]) => query[n]?.trim())?.[0] ?? 'email');
  // A hashed lookup is not shown back: the hash is no value anyone types.
  const shown = query.value ?? LOOKUPS.map(([n]) => query[n]).find(Boolean) ?? '';
  const action = `/dashboard/person${p.site ? `?site=${encodeURIComponent(p.site.id)}` : ''}`;
  const frame = (body: Child, status: 200 | 400 | 404 = 200) =>
    c.html(
      <Layout title="Person lookup" active="/person" site={p.site} sites={p.sites} csrf={p.csrf}>
        <form method="post" action={action} class="inline card" aria-label="Find a person">
          <input type="hidden" name="_csrf" value={p.csrf} />
          <div class="field">
            <label for="kind">Identify by</label>
            <select id="kind" name="kind">
              {LOOKUPS.map(([n, , l]) => (
                <option value={n} selected={n === chosen}>
                  {l}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="value">Value</label>
            <input id="value" name="value" value={shown} required />
          </div>
          <button type="submit">Find</button>
        </form>
        {hashedKind ? <p class="muted">{`Looked up by ${LOOKUPS.find(([n]) => n === hashedKind)![2].toLowerCase()} (by its SHA-256 hash, as stored).`}</p> : null}
        {body}
      </Layout>,
      status,
    );
  if (!p.site) return frame(<p class="notice">No site yet.</p>);
  if (typeof store.personOf !== 'function' || typeof store.personEvents !== 'function') return frame(<NotWired what="Person lookup (identity store)" />);
  const { id, label, error } = await lookupIdentifier(query, siteCountry(p.site.settings));
  if (error) return frame(<p class="error">{error}</p>, 400);
  if (!id) return frame(<p class="muted">Look a customer up by e-mail, phone, loyalty card, customer ID, order ID, handoff code or browser ID.</p>);
  const person = await store.personOf(p.site.id, id);
  if (!person) return frame(<p class="notice">{`Nobody with that ${label.toLowerCase()} in this site.`}</p>, 404);
  const events = await store.personEvents(p.site.id, id, { limit: EVENTS_SHOWN });
  // The store returns the newest EVENTS_SHOWN events (web vitals included): a heavy user's
  // older events are cut off, so the page must not claim it shows their first visit.
  const truncated = events.length >= EVENTS_SHOWN;
  const orderIds = [...new Set([...person.identifiers.filter((i) => i.kind === 'order').map((i) => i.value), ...events.filter((e) => e.event === 'Order Completed').map((e) => str(e.properties?.order_id))])].filter(Boolean);
  const orders = typeof store.ordersByIds === 'function' ? await store.ordersByIds(p.site.id, orderIds) : [];
  const items = timeline(events, orders);
  const kinds = new Map<string, number>();
  for (const i of person.identifiers) kinds.set(i.kind, (kinds.get(i.kind) ?? 0) + 1);
  // Orders that count, by the reports' rule: a partly refunded order with what remains.
  // Converted into the site's reporting currency where it has a fixed rate, as in every report.
  const exchange = siteExchange(p.site.settings);
  const completed = orders
    .map((o): Conversion => ({ id: o.orderId, ts: o.ts, value: o.revenue, channel: o.channel, status: o.status, ...(o.currency ? { currency: o.currency } : {}) }))
    .filter(converts)
    .map((c) => (exchange ? convert(c, exchange) : c));
  const revenue = completed.reduce((a, c) => a + c.value, 0);
  const tally = currencyTally(exchange);
  for (const c of completed) tally.add(c);
  const tz = siteTimeZone(p.site.settings);
  // Events the timeline does not draw (web vitals) still say when the person was seen.
  // Say so when the revenue above adds several currencies or converted some.
  const notice = tally.notice("This person's orders");
  const firstSeen = Math.min(items[0]?.ts ?? Infinity, events[0]?.timestamp ?? Infinity);
  return frame(
    <>
      <section class="kpis" aria-label="Person">
        <div class="card kpi"><div class="v">{orders.length}</div><div class="l">Orders, all channels</div></div>
        <div class="card kpi"><div class="v">{money(revenue, completed.length ? displayCurrency(tally.currencies(), tally.withoutCurrency()) : null)}</div><div class="l">Revenue</div></div>
        <div class="card kpi"><div class="v">{Number.isFinite(firstSeen) ? `${truncated && firstSeen >= events[0].timestamp ? 'before ' : ''}${dayIn(firstSeen, tz)}` : '–'}</div><div class="l">First seen</div></div>
        <div class="card kpi"><div class="v">{person.identifiers.length}</div><div class="l">Linked identifiers</div></div>
      </section>
      {notice ? <p class="notice">{notice}</p> : null}
      <div class="grid two">
        <section class="card">
          <h2>Timeline</h2>
          {truncated ? <p class="notice">{`Showing the latest ${int(EVENTS_SHOWN)} events (since ${dayIn(events[0].timestamp, tz)}); older events are not shown. The export (GET /v1/persons/export) holds them all.`}</p> : null}
          <ol class="timeline" aria-label="Timeline, oldest first">
            {items.map((it) => (
              <li>
                <time datetime={new Date(it.ts).toISOString()}>{timeIn(it.ts, tz)}</time>
                <br />
                <span class="ch">{it.channel}</span>
                <strong>{it.title}</strong>
                {it.detail ? <div class="muted">{it.detail}</div> : null}
              </li>
            ))}
          </ol>
        </section>
        <section class="card">
          <h2>Identifiers</h2>
          <p class="muted">E-mail and phone are stored only as SHA-256 hashes.</p>
          <ul>
            {[...kinds].map(([k, n]) => (
              <li>{`${k}: ${n}`}</li>
            ))}
          </ul>
          <details>
            <summary>Show values</summary>
            <ul>
              {person.identifiers.map((i) => (
                <li>
                  <code>{`${i.kind}:${i.kind === 'email' || i.kind === 'phone' ? `${i.value.slice(0, 12)}…` : i.value}`}</code>
                </li>
              ))}
            </ul>
          </details>
        </section>
      </div>
    </>,
  );
}
