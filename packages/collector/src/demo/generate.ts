/**
 * Deterministic data generator for a realistic shop: browsers with sessions from every
 * channel (UTM, referrers, click IDs), product browsing with web vitals, web orders,
 * QR campaigns (shared flyer/poster codes and a personalised mailing), store visits, phone
 * calls, handoff codes, and store/phone orders carrying the identifiers staff would have.
 *
 * One simulation, two outputs that describe the same people:
 * - `generateJourneys` → stitched `PersonJourney`s (bench, tests: straight into reports);
 * - `generateShopData` → wire-level inputs (Segment events, `OrderInput`, `TouchpointInput`,
 *   QR campaigns and scans) to feed through the real collector (demo).
 *
 * Every person has its own PRNG stream (seed, person index), so person 17 is the same
 * whether 100 or 100 000 persons are generated, and memory stays O(1) per person.
 * Defaults give ~50 events, ~0.5 orders per person: 100 k persons ≈ 5 M events, 50 k orders.
 */
import type { OrderInput, TouchpointInput, WireEvent } from '@omnitrail/schema';
import type { Conversion, PersonJourney, Touch } from '../attribution/journey';

const DAY = 864e5;
const MIN = 60_000;
export const DEMO_HOST = 'shop.example';

/** mulberry32: small, fast, seeded. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How a session arrived: weight, and what the landing URL / referrer carried. */
interface Source {
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
const UA = 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36';

/** One simulated person: what happened, in the shop's own terms. */
interface Sim {
  i: number;
  userId: string | null;
  email: string | null;
  loyalty: string | null;
  sessions: { ts: number; anon: string; src: Source; scan?: { token: string }; pages: { ts: number; path: string; events: { name: string; props: Record<string, unknown> }[] }[]; identify?: boolean; handoff?: string }[];
  scans: { ts: number; token: string; campaign: (typeof DEMO_CAMPAIGNS)[number]; code: string; recipientRef: string | null }[];
  visits: { ts: number; type: 'store_visit' | 'phone_call' | 'consultation'; location: string; handoff?: string; ids: Ids }[];
  orders: { id: string; ts: number; channel: 'web' | 'store' | 'phone'; value: number; status: 'completed' | 'refunded' | 'cancelled'; location?: string; anon?: string; handoff?: string; ids: Ids }[];
}
type Ids = { userId?: string; email?: string; loyaltyId?: string };

export interface GenerateOptions {
  seed?: number;
  persons?: number;
  /** End of the simulated period (ms); default 2026-03-31. Activity spans `days` before it. */
  now?: number;
  days?: number;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
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
function simulate(seed: number, i: number, end: number, days: number): Sim {
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
      const token = `st${seed}x${i}`;
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
  return s;
}

function sourceTouch(src: Source): Partial<Touch> {
  const t: Partial<Touch> = { pageHost: DEMO_HOST };
  if (src.utm) t.utm = { ...src.utm };
  if (src.referrer) t.referrer = src.referrer;
  if (src.clickId) t.clickIds = { [src.clickId]: 'x' };
  return t;
}

/** Wire events a simulated session produces (page views, product events, vitals, identify, web order). */
function countEvents(s: Sim): number {
  let n = 0;
  for (const x of s.sessions) {
    n += x.identify ? 1 : 0;
    n += x.handoff ? 1 : 0;
    for (const p of x.pages) n += 1 + p.events.length;
  }
  return n + s.orders.filter((o) => o.channel === 'web').length;
}

/**
 * Stitched journeys of the simulated shop, one person at a time (streaming). Offline
 * orders nobody can link (an unknown walk-in) become a journey of their own, as they
 * would in the real store. `stats.events` counts the wire events the persons represent.
 *
 * @example
 * for (const j of generateJourneys({ seed: 1, persons: 1000 })) console.log(j.personId, j.touches.length);
 */
export function* generateJourneys(opts: GenerateOptions & { withEvents?: boolean; stats?: { events: number; orders: number; persons: number } } = {}): Generator<PersonJourney> {
  const seed = opts.seed ?? 1;
  const end = opts.now ?? Date.UTC(2026, 2, 31);
  const days = opts.days ?? 60;
  for (let i = 0; i < (opts.persons ?? 1000); i++) {
    const s = simulate(seed, i, end, days);
    // What a correct stitcher can join: one journey per connected group of identifiers.
    const uf = new Map<string, string>();
    const find = (x: string): string => {
      let r = uf.get(x) ?? x;
      while (r !== (uf.get(r) ?? r)) r = uf.get(r)!;
      uf.set(x, r);
      return r;
    };
    const union = (...xs: string[]) => {
      for (const x of xs.slice(1)) {
        const a = find(xs[0]);
        const b = find(x);
        if (a !== b) uf.set(a < b ? b : a, a < b ? a : b);
      }
    };
    const idNodes = (ids: Ids) => [ids.userId && `u:${ids.userId}`, ids.email && `e:${ids.email}`, ids.loyaltyId && `l:${ids.loyaltyId}`].filter(Boolean) as string[];
    const traits = () => idNodes({ userId: s.userId ?? undefined, email: s.email ?? undefined, loyaltyId: s.loyalty ?? undefined });
    const deviceOfScan = new Map<string, string>();
    const handoffDevice = new Map<string, string>();
    for (const x of s.sessions) {
      const d = `d:${x.anon}`;
      union(d);
      if (x.identify && (s.userId || s.email)) union(d, ...traits());
      if (x.scan) deviceOfScan.set(x.scan.token, d);
      if (x.handoff) handoffDevice.set(x.handoff, d);
    }
    const recipients = mailingRecipient(i, s);
    for (const sc of s.scans) {
      const d = deviceOfScan.get(sc.token)!;
      if (sc.recipientRef) union(d, `r:${sc.recipientRef}`);
    }
    if (recipients) union(`r:${recipients.ref}`, ...idNodes(recipients));
    const nodeOf = (ids: Ids, handoff?: string) => {
      const ns = [...idNodes(ids), ...(handoff && handoffDevice.has(handoff) ? [handoffDevice.get(handoff)!] : [])];
      if (ns.length) union(...ns);
      return ns.length ? ns[0] : null;
    };
    const visitNode = s.visits.map((v) => nodeOf(v.ids, v.handoff));
    const orderNode = s.orders.map((o) => (o.channel === 'web' ? `d:${o.anon}` : nodeOf(o.ids, o.handoff)));
    const groups = new Map<string, PersonJourney>();
    const journeyOf = (node: string) => {
      const root = find(node);
      let j = groups.get(root);
      if (!j) groups.set(root, (j = { personId: '', touches: [], conversions: [] }));
      return j;
    };
    for (const sc of s.scans) journeyOf(deviceOfScan.get(sc.token)!).touches.push({ ts: sc.ts, kind: 'qr', messageId: `qr-${sc.token}`, qr: { code: sc.code, campaignId: sc.campaign.key, campaignName: sc.campaign.name, personalised: sc.campaign.personalised } });
    s.sessions.forEach((x, k) => {
      const j = journeyOf(`d:${x.anon}`);
      j.touches.push({ ts: x.ts, kind: 'session', messageId: `s-${seed}-${i}-${k}`, ...sourceTouch(x.src) });
      if (x.handoff) j.touches.push({ ts: x.pages[0].ts + MIN, kind: 'handoff', messageId: `h-${x.handoff}` });
      if (opts.withEvents) {
        j.events ??= [];
        for (const p of x.pages) for (const e of p.events) if (e.name !== 'Web Vitals') j.events.push({ name: e.name, ts: p.ts });
      }
    });
    s.visits.forEach((v, k) => {
      if (visitNode[k]) journeyOf(visitNode[k]!).touches.push({ ts: v.ts, kind: 'offline', messageId: `tp-${seed}-${i}-${k}`, offline: { type: v.type, location: v.location } });
    });
    const walkIns: Conversion[] = [];
    s.orders.forEach((o, k) => {
      const c: Conversion = { id: o.id, ts: o.ts, value: o.value, currency: 'EUR', channel: o.channel, status: o.status };
      if (o.location) c.location = o.location;
      const node = orderNode[k];
      if (node) {
        const j = journeyOf(node);
        j.conversions.push(c);
        if (opts.withEvents && o.channel === 'web') (j.events ??= []).push({ name: 'Order Completed', ts: o.ts });
      } else walkIns.push(c);
    });
    if (opts.stats) {
      opts.stats.events += countEvents(s);
      opts.stats.orders += s.orders.length;
      opts.stats.persons++;
    }
    const roots = [...groups.keys()].sort();
    for (let g = 0; g < roots.length; g++) {
      const j = groups.get(roots[g])!;
      j.personId = g === 0 ? `p${seed}-${i}` : `p${seed}-${i}-${g}`;
      j.touches.sort((a, b) => a.ts - b.ts || (a.messageId < b.messageId ? -1 : 1));
      j.conversions.sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
      j.events?.sort((a, b) => a.ts - b.ts);
      yield j;
    }
    for (const w of walkIns) yield { personId: `p${seed}-${i}-walkin-${w.id}`, touches: [], conversions: [w] };
  }
}

/** Whether customer `i` is on the personalised mailing's list, and with which identifiers. */
function mailingRecipient(i: number, s: Sim): ({ ref: string } & Ids) | null {
  if (!s.userId) return null;
  const ref = `R-${s.userId}`;
  if (onMailingList(i)) return { ref, userId: s.userId, ...(s.email ? { email: s.email } : {}), ...(s.loyalty ? { loyaltyId: s.loyalty } : {}) };
  return s.scans.some((x) => x.recipientRef === ref) ? { ref, userId: s.userId } : null;
}

/** 40 % of known customers get the mailing (a stable pick by person index). */
const onMailingList = (i: number) => Math.imul(i, 2654435761) >>> 0 < 0.4 * 2 ** 32;

/** A QR scan to record (as a `QR Code Scanned` event) before the landing session's events. */
export interface ShopScan {
  ts: number;
  campaignKey: string;
  /** Shared codes: `<campaignKey>#<n>` (the n-th code created for the campaign); personalised: `recipient:<customerId>`. */
  code: string;
  recipientRef: string | null;
  /** The token the landing page carries in `context.omnitrail.scanToken` (`ot_scan`). */
  scanToken: string;
  userAgent: string;
}

/** Everything the demo feeds through the real collector, in the shop's own words. */
export interface ShopData {
  origin: string;
  campaigns: {
    key: string;
    name: string;
    personalised: boolean;
    targetPath: string;
    utm: { source: string; medium: string; campaign: string };
    /** Shared codes to create (personalised campaigns: one code per recipient instead). */
    sharedCodes: number;
    recipients: { ref: string; customerId: string; email?: string; loyaltyId?: string }[];
  }[];
  /** Browser events (Segment wire format), in time order. */
  events: WireEvent[];
  scans: ShopScan[];
  /** Handoff codes to issue (`issueHandoffCode(site, anonymousId, { now: ts })`); orders/touchpoints refer to them by `handoffRef`. */
  handoffs: { ref: string; anonymousId: string; ts: number }[];
  /** Server orders (store, phone), completed first and a later refund/cancel record where it happened. */
  orders: (OrderInput & { handoffRef?: string })[];
  touchpoints: (TouchpointInput & { handoffRef?: string })[];
}

/**
 * Wire-level inputs of the simulated shop for the demo: send `events` to `/v1/batch` (or
 * `appendEvents`), record `scans` first, issue `handoffs`, then post `orders` and
 * `touchpoints` (replacing `handoffRef` by the issued code). Same people as `generateJourneys`.
 *
 * @example
 * const data = generateShopData({ seed: 7, persons: 1500, now: Date.now() });
 * data.events.length // ≈ 75 000
 */
export function generateShopData(opts: GenerateOptions = {}): ShopData {
  const seed = opts.seed ?? 1;
  const end = opts.now ?? Date.UTC(2026, 2, 31);
  const days = opts.days ?? 60;
  const origin = `https://${DEMO_HOST}`;
  const data: ShopData = {
    origin,
    campaigns: DEMO_CAMPAIGNS.map((c) => ({ key: c.key, name: c.name, personalised: c.personalised, targetPath: c.targetPath, utm: { ...c.utm }, sharedCodes: c.codes, recipients: [] })),
    events: [],
    scans: [],
    handoffs: [],
    orders: [],
    touchpoints: [],
  };
  const mailing = data.campaigns.find((c) => c.personalised)!;
  const iso = (ms: number) => new Date(ms).toISOString();
  for (let i = 0; i < (opts.persons ?? 1000); i++) {
    const s = simulate(seed, i, end, days);
    // Recipients of the mailing: known customers picked by a stable hash (not only those who scanned).
    if (s.userId && onMailingList(i)) mailing.recipients.push({ ref: `R-${s.userId}`, customerId: s.userId, ...(s.email ? { email: s.email } : {}), ...(s.loyalty ? { loyaltyId: s.loyalty } : {}) });
    for (const sc of s.scans) {
      if (sc.recipientRef && !mailing.recipients.some((x) => x.ref === sc.recipientRef)) mailing.recipients.push({ ref: sc.recipientRef, customerId: s.userId! });
      data.scans.push({ ts: sc.ts, campaignKey: sc.campaign.key, code: sc.code, recipientRef: sc.recipientRef, scanToken: sc.token, userAgent: UA });
    }
    const identified = new Set<string>();
    let n = 0;
    s.sessions.forEach((x, k) => {
      const sessionId = `ss-${seed}-${i}-${k}`;
      x.pages.forEach((p, pi) => {
        const first = pi === 0;
        const url = `${origin}${p.path}${first && x.src.utm ? `?utm_source=${x.src.utm.source}&utm_medium=${x.src.utm.medium}${x.src.utm.campaign ? `&utm_campaign=${x.src.utm.campaign}` : ''}` : ''}`;
        const ot: Record<string, unknown> = { v: 1, consent: 'granted', sessionId };
        if (first) ot.sessionStart = true;
        if (first && x.src.clickId) ot.clickIds = { [x.src.clickId]: `${x.src.clickId}-${i}-${k}` };
        if (first && x.scan) ot.scanToken = x.scan.token;
        const context: WireEvent['context'] = { userAgent: UA, page: { url, path: p.path, title: p.path, ...(first && x.src.referrer ? { referrer: x.src.referrer } : {}) }, omnitrail: ot as never };
        if (first && x.src.utm) context.campaign = { source: x.src.utm.source, medium: x.src.utm.medium, ...(x.src.utm.campaign ? { name: x.src.utm.campaign } : {}) };
        const base = { anonymousId: x.anon, ...(identified.has(x.anon) && s.userId ? { userId: s.userId } : {}), timestamp: iso(p.ts) };
        data.events.push({ type: 'page', messageId: `e-${seed}-${i}-${n++}`, name: p.path, context, ...base });
        if (first && x.identify && (s.userId || s.email)) {
          identified.add(x.anon);
          const traits: Record<string, unknown> = {};
          if (s.email) traits.email = s.email;
          if (s.loyalty) traits.loyalty_id = s.loyalty;
          data.events.push({ type: 'identify', messageId: `e-${seed}-${i}-${n++}`, ...(s.userId ? { userId: s.userId } : {}), anonymousId: x.anon, traits, timestamp: iso(p.ts + 1), context: { userAgent: UA, omnitrail: { v: 1, consent: 'granted', sessionId } } });
        }
        const pctx: WireEvent['context'] = { userAgent: UA, page: { url: `${origin}${p.path}`, path: p.path }, omnitrail: { v: 1, consent: 'granted', sessionId } };
        p.events.forEach((e, ei) => data.events.push({ type: 'track', event: e.name, messageId: e.name === 'Web Vitals' ? String(e.props.id) : `e-${seed}-${i}-${n++}`, properties: e.props, context: pctx, ...base, timestamp: iso(p.ts + 100 + ei) }));
      });
      if (x.handoff) data.handoffs.push({ ref: x.handoff, anonymousId: x.anon, ts: x.pages[0].ts + MIN });
    });
    s.visits.forEach((v, k) => data.touchpoints.push({ touchpoint_id: `tp-${seed}-${i}-${k}`, type: v.type, timestamp: iso(v.ts), location: v.location, ...v.ids, ...(v.handoff ? { handoffRef: v.handoff } : {}) }));
    for (const o of s.orders) {
      if (o.channel === 'web') {
        const ctx: WireEvent['context'] = { userAgent: UA, page: { url: `${origin}/checkout/done`, path: '/checkout/done' }, omnitrail: { v: 1, consent: 'granted' } };
        const who = { anonymousId: o.anon, ...(s.userId && identified.has(o.anon!) ? { userId: s.userId } : {}) };
        data.events.push({ type: 'track', event: 'Order Completed', messageId: `o-${o.id}`, properties: { order_id: o.id, revenue: o.value, currency: 'EUR' }, context: ctx, timestamp: iso(o.ts), ...who });
        if (o.status !== 'completed' && o.ts + 2 * DAY < end) {
          data.events.push({ type: 'track', event: o.status === 'refunded' ? 'Order Refunded' : 'Order Cancelled', messageId: `o-${o.id}-${o.status}`, properties: { order_id: o.id }, context: ctx, timestamp: iso(o.ts + 2 * DAY), ...who });
        }
      } else {
        const rec: OrderInput & { handoffRef?: string } = { order_id: o.id, channel: o.channel, location: o.location, timestamp: iso(o.ts), revenue: o.value, currency: 'EUR', ...o.ids, ...(o.handoff ? { handoffRef: o.handoff } : {}) };
        data.orders.push(rec);
        if (o.status !== 'completed' && o.ts + 2 * DAY < end) data.orders.push({ order_id: o.id, status: o.status, timestamp: iso(o.ts + 2 * DAY), revenue: 0 });
      }
    }
  }
  const byTime = (a: { timestamp?: string | number }, b: { timestamp?: string | number }) => String(a.timestamp).localeCompare(String(b.timestamp));
  data.events.sort(byTime);
  data.orders.sort(byTime);
  data.touchpoints.sort(byTime);
  data.scans.sort((a, b) => a.ts - b.ts);
  data.handoffs.sort((a, b) => a.ts - b.ts);
  return data;
}
