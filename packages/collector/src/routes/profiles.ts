import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { CollectorDeps } from '../app';
import { createClassifier, type Classifier } from '../attribution/channels';
import type { TouchKind } from '../attribution/journey';
import { parseChannelRules } from '../attribution/rules';
import { converts } from '../attribution/paths';
import { serverSessions } from '../stitch/sessions';
import { eventTouch } from '../stitch/touch';
import type { Identifier } from '../stitch/types';
import type { StoredEvent } from '../store/core';
import type { LinkExplanation, PersonIdentity } from '../store/identity';
import type { StoredOrder } from '../store/orders';
import { requireSecretKey, type AppEnv } from './auth';
import { siteExchange, type Exchange } from '../reports/exchange';
import { identifierFromQuery } from './identifier-query';

/** One touchpoint of a profile, classified into its channel. */
export interface ProfileTouchpoint {
  at: string;
  kind: TouchKind;
  channel: string;
  source: string;
  medium: string;
  campaign: string;
  /** The stored event behind it (explainability). */
  messageId: string;
  /** Kind-specific details: landing page and referrer, QR code and campaign, store and staff note type. */
  detail: Record<string, unknown>;
}

/** A product the person bought, over all channels (what a CRM checks before offering a discount). */
export interface ProfileProduct {
  id: string | null;
  sku: string | null;
  name: string | null;
  quantity: number;
  lastPurchasedAt: string;
  channels: string[];
  orderIds: string[];
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** Revenue per currency in the site's reporting currency (see `Profile.summary.revenueInReportingCurrency`). */
function inReportingCurrency(revenue: Record<string, number>, x: Exchange): { currency: string; value: number; unconverted: Record<string, number> } {
  let value = 0;
  const unconverted: Record<string, number> = {};
  for (const [cur, v] of Object.entries(revenue)) {
    const rate = cur === x.currency ? 1 : Object.prototype.hasOwnProperty.call(x.rates, cur) ? x.rates[cur] : undefined;
    if (rate === undefined) unconverted[cur] = v;
    else value += v * rate;
  }
  return { currency: x.currency, value: round2(value), unconverted };
}

/** The unified person `GET /v1/profiles` answers with. */
export interface Profile {
  personId: string;
  /** Every identifier of the person; e-mail and phone as SHA-256 hex only. */
  identifiers: Identifier[];
  firstSeen: string | null;
  lastSeen: string | null;
  summary: {
    sessions: number;
    pageViews: number;
    events: number;
    qrScans: number;
    offlineTouchpoints: number;
    orders: number;
    /** Revenue per currency, as placed (`XXX`: orders without a currency): completed orders, and partly refunded ones with what remains, as in the reports. */
    revenue: Record<string, number>;
    /**
     * Present when the site has a reporting currency (`settings.currency`): that revenue in it, each
     * currency converted at the site's fixed rate (`settings.exchangeRates`); `unconverted` keeps the
     * amounts of currencies without a rate (and without a currency), which `value` leaves out.
     */
    revenueInReportingCurrency?: { currency: string; value: number; unconverted: Record<string, number> };
    channels: string[];
  };
  /** All touchpoints in time order. */
  touchpoints: ProfileTouchpoint[];
  /** The same touchpoints grouped by channel (each in time order). */
  touchpointsByChannel: Record<string, ProfileTouchpoint[]>;
  /** Orders of every channel, in time order, with products and status. */
  orders: { orderId: string; at: string; channel: string; location: string | null; status: string; revenue: number; currency: string | null; coupon: string | null; products: StoredOrder['products']; sources: string[] }[];
  /** Products bought (completed orders), most recent first. */
  products: ProfileProduct[];
  qrScans: { at: string; code: string; campaignId: string; campaignName: string | null; personalised: boolean; messageId: string }[];
  /** Last page views (newest last, at most 50). */
  recentPages: { at: string; path: string | null; title: string | null }[];
  /** Why these identifiers are one person: each link with its evidence, time and rule. */
  links: (Omit<LinkExplanation, 'source'> & { source: LinkExplanation['source'] & { at: string } })[];
  /** Links a guard refused (user-ID conflicts, caps): other persons this one was NOT merged with. */
  conflicts: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Build the unified profile from a person's identity, events and orders (pure).
 *
 * @example
 * const profile = buildProfile(person, await store.personEvents(siteId, id), await store.ordersByIds(siteId, orderIds), createClassifier());
 */
export function buildProfile(person: PersonIdentity, events: StoredEvent[], orders: StoredOrder[], classify: Classifier, exchange: Exchange | null = null): Profile {
  const touchpoints: ProfileTouchpoint[] = [];
  const qrScans: Profile['qrScans'] = [];
  const pages: Profile['recentPages'] = [];
  let sessions = 0;
  let pageViews = 0;
  let offline = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const keepSession = serverSessions();
  for (const ev of events) {
    first = Math.min(first, ev.timestamp);
    last = Math.max(last, ev.timestamp);
    if (ev.bot) continue;
    if (ev.type === 'page') {
      pageViews++;
      const page = (ev.context.page ?? {}) as Record<string, unknown>;
      pages.push({ at: iso(ev.timestamp), path: typeof page.path === 'string' ? page.path : null, title: typeof page.title === 'string' ? page.title : null });
    }
    const t = eventTouch(ev);
    // Page views without the SDK's session marker: only those that start a session (stitch/sessions.ts).
    if (!t || !keepSession(t.touch)) continue;
    if (t.touch.kind === 'session') sessions++;
    if (t.touch.kind === 'offline') offline++;
    if (t.touch.kind === 'qr' && t.touch.qr) {
      qrScans.push({ at: iso(ev.timestamp), code: t.touch.qr.code, campaignId: t.touch.qr.campaignId, campaignName: t.touch.qr.campaignName ?? null, personalised: t.touch.qr.personalised, messageId: ev.messageId });
    }
    const c = classify(t.touch);
    touchpoints.push({ at: iso(ev.timestamp), kind: t.touch.kind, channel: c.channel, source: c.source, medium: c.medium, campaign: c.campaign, messageId: ev.messageId, detail: t.detail });
  }
  const byChannel: Record<string, ProfileTouchpoint[]> = {};
  for (const t of touchpoints) (byChannel[t.channel] ??= []).push(t);

  const revenue: Record<string, number> = {};
  const products = new Map<string, ProfileProduct & { lastTs: number }>();
  for (const o of orders) {
    first = Math.min(first, o.ts);
    last = Math.max(last, o.ts);
    // Revenue by the reports' rule: a partly refunded order counts with what remains.
    if (converts({ id: o.orderId, ts: o.ts, value: o.revenue, channel: o.channel, status: o.status })) {
      const cur = o.currency ?? 'XXX';
      revenue[cur] = round2((revenue[cur] ?? 0) + o.revenue);
    }
    // Products of completed orders only: which items a partial refund took back is not recorded.
    if (o.status !== 'completed') continue;
    for (const p of o.products) {
      const key = p.id ?? p.sku ?? p.name ?? '?';
      const e = products.get(key) ?? { id: p.id ?? null, sku: p.sku ?? null, name: p.name ?? null, quantity: 0, lastPurchasedAt: '', lastTs: 0, channels: [], orderIds: [] };
      e.quantity += p.quantity;
      if (o.ts >= e.lastTs) e.lastTs = o.ts;
      if (!e.channels.includes(o.channel)) e.channels.push(o.channel);
      e.orderIds.push(o.orderId);
      products.set(key, e);
    }
  }
  return {
    personId: person.personId,
    identifiers: person.identifiers,
    firstSeen: Number.isFinite(first) ? iso(first) : null,
    lastSeen: Number.isFinite(last) ? iso(last) : null,
    summary: {
      sessions,
      pageViews,
      events: events.length,
      qrScans: qrScans.length,
      offlineTouchpoints: offline,
      orders: orders.length,
      revenue,
      ...(exchange ? { revenueInReportingCurrency: inReportingCurrency(revenue, exchange) } : {}),
      channels: [...new Set([...touchpoints.map((t) => t.channel), ...orders.map((o) => o.channel)])],
    },
    touchpoints,
    touchpointsByChannel: byChannel,
    orders: orders.map((o) => ({
      orderId: o.orderId, at: iso(o.ts), channel: o.channel, location: o.location, status: o.status, revenue: o.revenue,
      currency: o.currency, coupon: o.coupon, products: o.products, sources: o.sources,
    })),
    products: [...products.values()]
      .sort((a, b) => b.lastTs - a.lastTs)
      .map(({ lastTs, ...p }) => ({ ...p, lastPurchasedAt: iso(lastTs) })),
    qrScans,
    recentPages: pages.slice(-50),
    links: person.links.map((l) => ({ ...l, source: { ...l.source, at: iso(l.source.ts) } })),
    conflicts: person.links.filter((l) => l.status === 'refused').length,
  };
}

function classifierOf(settings: Record<string, unknown>): Classifier {
  try {
    return createClassifier(parseChannelRules(settings.channelRules));
  } catch {
    // Broken custom rules must not hide a profile; the reports API reports the rule error.
    return createClassifier();
  }
}

/**
 * `GET /v1/profiles?userId=…|email=…|phone=…|anonymousId=…|orderId=…|loyaltyId=…|handoffCode=…|scanToken=…|email_sha256=…|phone_sha256=…`
 * (secret key): the unified person — identifiers (PII hashed), touchpoints by channel in time
 * order, orders across channels with products, QR scans, first/last seen, and the links that
 * explain why it is one person. E-mail and phone are normalised and hashed before lookup.
 * 404 when the identifier was never seen.
 *
 * @example
 * app.route('/', profilesRoutes(deps));
 * // curl -H 'authorization: Bearer sk_…' 'http://localhost:8787/v1/profiles?email=jane@example.com'
 */
export function profilesRoutes(deps: CollectorDeps): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/v1/profiles', requireSecretKey, async (c) => {
    const site = c.get('site');
    const id = await identifierFromQuery(c);
    const person = await deps.store.personOf(site.id, id);
    if (!person) throw new HTTPException(404, { message: `No person with this ${id.kind} identifier on this site` });
    const events = await deps.store.personEvents(site.id, id, { limit: 5000 });
    const orderIds = person.identifiers.filter((i) => i.kind === 'order').map((i) => i.value);
    const orders = orderIds.length ? await deps.store.ordersByIds(site.id, orderIds) : [];
    return c.json(buildProfile(person, events, orders, classifierOf(site.settings ?? {}), siteExchange(site.settings)));
  });
}
