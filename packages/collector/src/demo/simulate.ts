/**
 * The simulation behind the demo generator (see generate.ts): one seeded PRNG stream per
 * person, so every output describes the same people.
 */
import type { Touch } from '../attribution/journey';
import { DEFAULT_SCAN_TOKEN_TTL_MS, seededScanToken } from '../qr/token';
import { pick, prng } from './random';

export { prng };

export const DAY = 864e5;
export const MIN = 60_000;
export const DEMO_HOST = 'shop.example';

/** How a session arrived: weight, and what the landing URL / referrer carried. */
export interface Source {
  w: number;
  utm?: { source: string; medium: string; campaign?: string };
  referrer?: string;
  clickId?: string;
}
const SOURCES: Source[] = [
  { w: 26, referrer: 'https://www.google.com/' },
  { w: 4, referrer: 'https://www.bing.com/' },
  { w: 12, utm: { source: 'google', medium: 'cpc', campaign: 'generic-shoes' }, clickId: 'gclid' },
  { w: 3, utm: { source: 'google', medium: 'cpc', campaign: 'summer-shopping' }, clickId: 'gclid' },
  { w: 18 },
  { w: 8, utm: { source: 'newsletter', medium: 'email', campaign: 'weekly' } },
  { w: 6, referrer: 'https://l.facebook.com/' },
  { w: 5, utm: { source: 'facebook', medium: 'paid_social', campaign: 'spring-sale' }, clickId: 'fbclid' },
  { w: 2, referrer: 'https://www.instagram.com/' },
  { w: 5, referrer: 'https://running-blog.example.org/best-shoes' },
  { w: 3, utm: { source: 'adnetwork', medium: 'display', campaign: 'retarget' } },
  { w: 3, utm: { source: 'awin', medium: 'affiliate', campaign: 'partners' } },
  { w: 2, referrer: 'https://www.youtube.com/' },
  { w: 3, referrer: 'https://www.idealo.de/' },
  { w: 1, utm: { source: 'sms', medium: 'sms', campaign: 'flash' } },
  { w: 1, utm: { source: 'app', medium: 'push', campaign: 'restock' } },
  { w: 2, utm: { source: 'partner', medium: 'coop', campaign: 'misc' } },
];
const SOURCE_TOTAL = SOURCES.reduce((s, x) => s + x.w, 0);

/** QR campaigns of the demo shop (codes: one per store for the flyer; one per recipient for the mailing). */
export const DEMO_CAMPAIGNS = [
  { key: 'spring-flyer', name: 'Spring flyer', personalised: false, codes: 3, targetPath: '/spring', utm: { source: 'flyer', medium: 'qr', campaign: 'spring-flyer' } },
  { key: 'station-poster', name: 'Station poster', personalised: false, codes: 1, targetPath: '/', utm: { source: 'poster', medium: 'qr', campaign: 'station-poster' } },
  { key: 'loyalty-mailing', name: 'Loyalty mailing', personalised: true, codes: 0, targetPath: '/members', utm: { source: 'mailing', medium: 'direct_mail', campaign: 'loyalty-mailing' } },
] as const;
export const DEMO_STORES = ['berlin-mitte', 'hamburg-altona', 'munich-centre'];
const PATHS = ['/', '/shoes', '/shoes/runner-1', '/shoes/trail-2', '/shoes/city-3', '/sale', '/about'];
export const UA = 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36';

/** One simulated person: what happened, in the shop's own terms. */
export interface Sim {
  i: number;
  userId: string | null;
  email: string | null;
  loyalty: string | null;
  sessions: { ts: number; anon: string; src: Source; scan?: { token: string }; pages: { ts: number; path: string; events: { name: string; props: Record<string, unknown> }[] }[]; identify?: boolean; handoff?: string }[];
  scans: { ts: number; token: string; campaign: (typeof DEMO_CAMPAIGNS)[number]; code: string; recipientRef: string | null }[];
  visits: { ts: number; type: 'store_visit' | 'phone_call' | 'consultation'; location: string; handoff?: string; ids: Ids }[];
  orders: { id: string; ts: number; channel: 'web' | 'store' | 'phone'; value: number; status: 'completed' | 'refunded' | 'cancelled'; location?: string; anon?: string; handoff?: string; ids: Ids }[];
}
export type Ids = { userId?: string; email?: string; loyaltyId?: string };

export interface GenerateOptions {
  seed?: number;
  persons?: number;
  /** End of the simulated period (ms); default 2026-03-31. Activity spans `days` before it. */
  now?: number;
  days?: number;
}

const geo = (r: () => number, p: number, max: number) => {
  let n = 0;
  while (n < max && r() > p) n++;
  return n;
};
const r2 = (x: number) => Math.round(x * 100) / 100;

function drawSource(r: () => number): Source {
  let x = r() * SOURCE_TOTAL;
  for (const s of SOURCES) if ((x -= s.w) < 0) return s;
  return SOURCES[0];
}

function vitals(r: () => number, path: string, pageTs: number, id: string) {
  const slow = path.startsWith('/shoes/') ? 1.3 : 1;
  const out: { name: string; props: Record<string, unknown> }[] = [];
  const m = (name: string, base: number, spread: number, good: number, poor: number, digits = 0) => {
    const v = Math.round(base * slow * Math.exp((r() - 0.5) * spread) * 10 ** digits) / 10 ** digits;
    out.push({ name: 'Web Vitals', props: { metric: name, value: v, rating: v <= good ? 'good' : v > poor ? 'poor' : 'needs-improvement', id: `v-${id}-${name}`, navigationType: 'navigate' } });
  };
  m('TTFB', 450, 1.6, 800, 1800);
  m('FCP', 1400, 1.4, 1800, 3000);
  m('LCP', 2100, 1.5, 2500, 4000);
  if (r() < 0.6) m('CLS', 0.06, 2.2, 0.1, 0.25, 3);
  if (r() < 0.5) m('INP', 140, 1.8, 200, 500);
  void pageTs;
  return out;
}

/** Simulate person `i`. Pure function of (seed, i, start, days). */
export function simulate(seed: number, i: number, end: number, days: number): Sim {
  const r = prng((seed * 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b));
  const known = r() < 0.45;
  const s: Sim = {
    i,
    userId: known ? `C${i}` : null,
    email: known && r() < 0.7 ? `customer${i}@example.com` : null,
    loyalty: known && r() < 0.35 ? `L${100000 + i}` : null,
    sessions: [],
    scans: [],
    visits: [],
    orders: [],
  };
  const anons = [`a${seed}-${i}-0`];
  if (r() < 0.25) anons.push(`a${seed}-${i}-1`);
  let t = Math.floor(end - days * DAY + r() * (days - 3) * DAY);
  const nSessions = 1 + geo(r, 0.38, 14);
  let prev: Source | null = null;
  let mid = 0;
  const ids = (): Ids => {
    const x = r();
    if (s.userId && x < 0.6) return { userId: s.userId };
    if (s.email && x < 0.85) return { email: s.email };
    if (s.loyalty) return { loyaltyId: s.loyalty };
    return s.userId ? { userId: s.userId } : {};
  };
  // QR: a shared campaign code (8 %), or the personalised mailing code for known customers (15 % of recipients).
  const recipient = s.userId && r() < 0.4;
  const scanAt = r() < 0.08 || (recipient && r() < 0.15) ? Math.floor(r() * nSessions) : -1;
  for (let k = 0; k < nSessions && t < end; k++) {
    let src: Source = k > 0 && prev && r() < 0.3 ? prev : k > 0 && r() < 0.3 ? {} as Source : drawSource(r);
    const anon = pick(r, anons);
    const session: Sim['sessions'][number] = { ts: t, anon, src, pages: [] };
    if (k === scanAt) {
      const mailing = recipient && r() < 0.6;
      const campaign = mailing ? DEMO_CAMPAIGNS[2] : r() < 0.7 ? DEMO_CAMPAIGNS[0] : DEMO_CAMPAIGNS[1];
      // A real scan token (as /q/<code> mints), from its own seeded stream so the rest of the
      // simulation draws the same numbers; valid for the default hour, the landing follows within minutes.
      const token = seededScanToken(prng(Math.imul(seed + 1, 0x2545f491) ^ Math.imul(i + 1, 0x9e3779b1)), t + DEFAULT_SCAN_TOKEN_TTL_MS);
      const code = mailing ? `recipient:${s.userId}` : `${campaign.key}#${Math.floor(r() * campaign.codes)}`;
      s.scans.push({ ts: t, token, campaign, code, recipientRef: mailing ? `R-${s.userId}` : null });
      src = { w: 0, utm: campaign.utm };
      session.ts = t + MIN + Math.floor(r() * MIN);
      session.scan = { token };
      session.src = src;
    }
    prev = src;
    const nPages = 1 + geo(r, 0.3, 20);
    let pt = session.ts;
    for (let p = 0; p < nPages; p++) {
      const path = p === 0 && session.scan ? DEMO_CAMPAIGNS.find((c) => c.utm === src.utm)!.targetPath : pick(r, PATHS);
      const ev: { name: string; props: Record<string, unknown> }[] = [];
      if (path.startsWith('/shoes/')) {
        const product = { product_id: path.slice(7), name: path.slice(7), price: 89.9 };
        ev.push({ name: 'Product Viewed', props: product });
        if (r() < 0.25) ev.push({ name: 'Product Added', props: { ...product, quantity: 1 } });
      }
      ev.push(...vitals(r, path, pt, `${i}-${mid++}`));
      session.pages.push({ ts: pt, path, events: ev });
      pt += Math.floor(20_000 + r() * 120_000);
    }
    if (s.userId && !session.identify && r() < 0.5) session.identify = true;
    // One handoff code per person: the collector hands a browser its live code again rather than a new one.
    if (r() < 0.03 && !s.sessions.some((y) => y.handoff)) session.handoff = `h${i}-${k}`;
    s.sessions.push(session);
    t = pt + Math.floor(-Math.log(1 - r()) * 3 * DAY);
  }
  // Offline contacts: store visits / consultations (12 %), phone calls (5 %), and every handoff leads somewhere.
  const lastWeb = s.sessions[s.sessions.length - 1]?.ts ?? t;
  const handoffs = s.sessions.filter((x) => x.handoff);
  // Staff can only record contacts they can tie to someone: a known customer or a handoff code.
  if ((s.userId && r() < 0.2) || handoffs.length) {
    const h = handoffs[0];
    const ts = (h ? h.ts : lastWeb) + Math.floor(r() * 4 * DAY);
    if (ts < end) s.visits.push({ ts, type: r() < 0.8 ? 'store_visit' : 'consultation', location: pick(r, DEMO_STORES), handoff: h?.handoff, ids: h ? {} : ids() });
  }
  if (s.userId && r() < 0.1) {
    const ts = lastWeb + Math.floor(r() * 5 * DAY);
    if (ts < end) s.visits.push({ ts, type: 'phone_call', location: 'hotline', ids: ids() });
  }
  // Orders: more engagement, more orders (≈ 0.5 per person overall).
  const engaged = s.sessions.length * 0.1 + s.visits.length * 0.35 + s.scans.length * 0.2;
  const nOrders = r() < Math.min(0.8, 0.06 + engaged * 0.8) ? 1 + geo(r, 0.72, 3) : 0;
  // Unknown walk-ins buy in a store too; nobody can link those orders to a journey.
  if (!s.userId && r() < 0.1) {
    const ts = end - Math.floor(r() * days * DAY);
    s.orders.push({ id: `S-${seed}-${i}-w`, ts, channel: 'store', value: r2(20 + 120 * r()), status: 'completed', location: pick(r, DEMO_STORES), ids: {} });
  }
  for (let k = 0; k < nOrders; k++) {
    const visit = s.visits.length && r() < 0.65 ? pick(r, s.visits) : null;
    const value = r2(25 + 200 * r() * r() + (r() < 0.1 ? 300 * r() : 0));
    const status = r() < 0.04 ? 'refunded' : r() < 0.02 ? 'cancelled' : 'completed';
    if (visit) {
      const channel = visit.type === 'phone_call' ? 'phone' : 'store';
      const ts = visit.ts + Math.floor(r() * 2 * 3600_000);
      const walkIn = !visit.handoff && !s.userId;
      s.orders.push({ id: `${channel === 'store' ? 'S' : 'P'}-${seed}-${i}-${k}`, ts, channel, value, status, location: visit.location, handoff: visit.handoff, ids: walkIn ? {} : visit.handoff ? {} : ids() });
    } else if (s.sessions.length) {
      const sess = pick(r, s.sessions);
      if (!s.userId && !s.email) s.email = `guest${i}@example.com`;
      const ts = sess.pages[sess.pages.length - 1].ts + 3 * MIN;
      if (ts >= end) continue;
      const webOrStore = r() < 0.82 || !s.userId;
      if (webOrStore) {
        sess.pages.push({ ts: ts - 2 * MIN, path: '/checkout', events: [{ name: 'Checkout Started', props: { value } }] });
        sess.identify = true;
        s.orders.push({ id: `W-${seed}-${i}-${k}`, ts, channel: 'web', value, status, anon: sess.anon, ids: {} });
      } else {
        // Researched online, bought in a store later without a recorded visit (ROPO).
        const later = ts + Math.floor(r() * 6 * DAY);
        if (later < end) s.orders.push({ id: `S-${seed}-${i}-${k}`, ts: later, channel: 'store', value, status, location: pick(r, DEMO_STORES), ids: ids() });
      }
    }
  }
  // A refund or cancellation is recorded two days later; one that would fall after the end never happened.
  for (const o of s.orders) if (o.status !== 'completed' && o.ts + 2 * DAY >= end) o.status = 'completed';
  return s;
}

export function sourceTouch(src: Source): Partial<Touch> {
  const t: Partial<Touch> = { pageHost: DEMO_HOST };
  if (src.utm) t.utm = { ...src.utm };
  if (src.referrer) t.referrer = src.referrer;
  if (src.clickId) t.clickIds = { [src.clickId]: 'x' };
  return t;
}

/** Wire events a simulated session produces (page views, product events, vitals, identify, web order). */
export function countEvents(s: Sim): number {
  let n = 0;
  for (const x of s.sessions) {
    n += x.identify ? 1 : 0;
    n += x.handoff ? 1 : 0;
    for (const p of x.pages) n += 1 + p.events.length;
  }
  return n + s.orders.filter((o) => o.channel === 'web').length;
}

/** Whether customer `i` is on the personalised mailing's list, and with which identifiers. */
export function mailingRecipient(i: number, s: Sim): ({ ref: string } & Ids) | null {
  if (!s.userId) return null;
  const ref = `R-${s.userId}`;
  if (onMailingList(i)) return { ref, userId: s.userId, ...(s.email ? { email: s.email } : {}), ...(s.loyalty ? { loyaltyId: s.loyalty } : {}) };
  return s.scans.some((x) => x.recipientRef === ref) ? { ref, userId: s.userId } : null;
}

/** 40 % of known customers get the mailing (a stable pick by person index). */
export const onMailingList = (i: number) => Math.imul(i, 2654435761) >>> 0 < 0.4 * 2 ** 32;
