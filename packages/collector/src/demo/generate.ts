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
import { DAY, DEMO_CAMPAIGNS, DEMO_HOST, MIN, UA, countEvents, mailingRecipient, onMailingList, simulate, sourceTouch, type GenerateOptions, type Ids } from './simulate';

export { DEMO_CAMPAIGNS, DEMO_HOST, DEMO_STORES, prng, type GenerateOptions } from './simulate';

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
    for (const sc of s.scans) journeyOf(deviceOfScan.get(sc.token)!).touches.push({ ts: sc.ts, kind: 'qr', messageId: `qr-${sc.token}`, utm: { ...sc.campaign.utm }, qr: { code: sc.code, campaignId: sc.campaign.key, campaignName: sc.campaign.name, personalised: sc.campaign.personalised } });
    s.sessions.forEach((x, k) => {
      const j = journeyOf(`d:${x.anon}`);
      j.touches.push({ ts: x.ts, kind: 'session', messageId: `s-${seed}-${i}-${k}`, ...sourceTouch(x.src) });
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
      // As the orders API stores them: a full refund or a cancellation leaves value 0.
      const c: Conversion = { id: o.id, ts: o.ts, value: o.status === 'completed' ? o.value : 0, currency: 'EUR', channel: o.channel, status: o.status };
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
