/**
 * Seeds the demo site with the reports engineer's deterministic shop (`generateShopData`),
 * through the real paths: browser events through `POST /v1/batch` (validation, PII hashing,
 * enrichment, derivers), QR campaigns/codes through the QR store functions the admin API uses,
 * scans and handoff codes as the scan/handoff endpoints record them, and offline orders and
 * touchpoints through `applyOrders` / `applyTouchpoints` (the core of `/v1/orders` and
 * `/v1/touchpoints`). Nothing is written around the collector's own rules.
 */
import { createCollector } from '../app';
import { generateShopData, type ShopData } from '../demo/generate';
import { applyOrders, applyTouchpoints } from '../orders/apply';
import { hashPii } from '../pii/index';
import { parseNewCampaign } from '../qr/campaign';
import { DEFAULT_HANDOFF_VALIDITY_DAYS } from '../qr/options';
import { scanEvent } from '../qr/scan';
import { formatHandoffCode } from '../qr/handoff-code';
import { handoffEvent } from '../routes/handoff';
import type { CreatedSite, Site, Store } from '../store/types';
import type { QrCode, QrRecipient } from '../store/qr';

/** The demo site's name: says plainly that it holds generated data. */
export const DEMO_SITE_NAME = 'Demo shop (generated data)';

/**
 * `settings.demoSeed` of a site the demo seeder created: the one marker nothing else sets, so
 * `demo remove` can never take a site that receives real data. (`settings.demo` alone only says
 * "show the demo banner, give the demo shop this site's write key"; before this marker existed,
 * `omnitrail serve` set it on the site it creates on an empty database.)
 */
export const DEMO_SEED_MARKER = 'generated';

/**
 * Create the (still empty) demo site the seeder fills, marked as the seeder's own.
 *
 * @example
 * const created = await createDemoSite(store);
 * await seedDemo(store, created, { persons: 1500, now: Date.now() });
 */
export function createDemoSite(store: Store): Promise<CreatedSite> {
  // Any origin: the demo site holds generated data only, and the demo shop must keep working
  // when a later `start` runs on another port or host name.
  return store.createSite({ name: DEMO_SITE_NAME, origins: ['*'], settings: { demo: true, demoSeed: DEMO_SEED_MARKER } });
}

/**
 * True for a site the demo seeder made: marked at creation (complete or interrupted seeds), or
 * completed by a seeder from before the marker (`demoSeededAt`, which only `seedDemo` writes).
 *
 * @example
 * const demos = (await store.listSites()).filter(isSeededDemoSite);
 */
export function isSeededDemoSite(site: Site): boolean {
  const s = site.settings ?? {};
  return s.demoSeed === DEMO_SEED_MARKER || (s.demo === true && typeof s.demoSeededAt === 'number');
}

/** True for a demo site whose seed did not finish (Ctrl+C during the first start). */
export function isInterruptedDemoSeed(site: Site): boolean {
  return site.settings?.demoSeed === DEMO_SEED_MARKER && !site.settings.demoSeededAt;
}

const DAY = 86_400_000;
/** Events per `/v1/batch` request (well under the 500 KB request limit). */
const BATCH = 250;
/** Batches in flight at once. */
const CONCURRENCY = 4;

/** Options of {@link seedDemo}. */
export interface SeedOptions {
  persons: number;
  now: number;
  seed?: number;
  /** Days of history (default 45: the dashboard's default 30-day range is full). */
  days?: number;
  /** Progress lines (stderr). */
  progress?: (line: string) => void;
  /** Public URL printed into QR codes (default `http://localhost:8787`). */
  baseUrl?: string;
}

/** What was seeded. */
export interface SeedStats {
  events: number;
  scans: number;
  orders: number;
  touchpoints: number;
  rejected: number;
  summary: string;
}

/**
 * Fill a freshly created demo site. Its QR campaigns lead to the local demo shop at
 * `<baseUrl>/demo/`, so the site's origins should include `baseUrl`.
 *
 * @example
 * const created = await createDemoSite(store);
 * await seedDemo(store, created, { persons: 1500, now: Date.now() });
 */
export async function seedDemo(store: Store, created: CreatedSite, opts: SeedOptions): Promise<SeedStats> {
  const site = created.site;
  const say = opts.progress ?? (() => {});
  const data: ShopData = generateShopData({ seed: opts.seed ?? 7, persons: opts.persons, now: opts.now, days: opts.days ?? 45 });
  const baseUrl = (opts.baseUrl ?? 'http://localhost:8787').replace(/\/$/, '');
  const stats: SeedStats = { events: 0, scans: 0, orders: 0, touchpoints: 0, rejected: 0, summary: '' };

  // 1. QR campaigns and codes, validated like the admin API does.
  const codeOf = new Map<string, QrCode>();
  const campaignIdOf = new Map<string, string>();
  for (const k of data.campaigns) {
    const input = parseNewCampaign(
      // The generated shop's pages do not exist here: every demo code leads to the local demo shop.
      { name: k.name, targetUrl: `${baseUrl}/demo/`, utm: { utm_source: k.utm.source, utm_medium: k.utm.medium, utm_campaign: k.utm.campaign } },
      [...site.origins, baseUrl],
      baseUrl,
    );
    const campaign = await store.createQrCampaign(site.id, input);
    campaignIdOf.set(k.key, campaign.id);
    if (k.sharedCodes > 0) {
      const codes = await store.createSharedQrCodes(site.id, campaign.id, { count: k.sharedCodes, label: null });
      codes.forEach((c, n) => codeOf.set(`${k.key}#${n}`, c));
    }
    if (k.recipients.length) {
      const recipients: QrRecipient[] = [];
      for (const r of k.recipients) recipients.push({ ref: r.ref, customerId: r.customerId, emailSha256: r.email ? await hashPii('email', r.email) : null, loyaltyId: r.loyaltyId ?? null });
      const res = await store.createPersonalQrCodes(site.id, campaign.id, recipients);
      for (const c of res.codes) if (c.recipientRef) codeOf.set(`recipient-ref:${c.recipientRef}`, c);
    }
  }
  say(`  QR: ${data.campaigns.length} campaigns, ${codeOf.size} codes`);

  // 2. Scans, recorded as the scan endpoint records them (before the landing sessions).
  const scanEvents = [];
  for (const s of data.scans) {
    const code = s.recipientRef ? codeOf.get(`recipient-ref:${s.recipientRef}`) : codeOf.get(s.code);
    const campaignId = campaignIdOf.get(s.campaignKey);
    if (!code || !campaignId) continue;
    const campaign = await store.getQrCampaign(site.id, campaignId);
    if (!campaign) continue;
    scanEvents.push(scanEvent({ code, campaign }, s.scanToken, s.ts + 3600_000, s.ts, { browser: 'Chrome', os: 'Android', device: 'mobile' }, null));
  }
  for (let i = 0; i < scanEvents.length; i += 1000) await store.appendEvents(scanEvents.slice(i, i + 1000));
  stats.scans = scanEvents.length;
  say(`  QR scans: ${stats.scans}`);

  // 3. Browser events through the real ingest endpoint.
  const app = createCollector({ store, rateLimit: false, dashboard: false });
  const auth = `Basic ${btoa(`${site.writeKey}:`)}`;
  // A few requests in flight share group commits (one fsync for several batches), as real traffic does.
  const starts: number[] = [];
  for (let i = 0; i < data.events.length; i += BATCH) starts.push(i);
  let next = 0;
  let sent = 0;
  const worker = async () => {
    while (next < starts.length) {
      const i = starts[next++];
      const batch = data.events.slice(i, i + BATCH);
      const res = await app.request('/v1/batch', {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        // No sentAt: these are historical events, not a client clock to correct.
        body: JSON.stringify({ batch }),
      });
      if (!res.ok) throw new Error(`seeding events: /v1/batch answered ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as { accepted: number; rejected: unknown[] };
      stats.events += body.accepted;
      stats.rejected += body.rejected.length;
      sent += batch.length;
      if (Math.floor(sent / 10_000) !== Math.floor((sent - batch.length) / 10_000)) say(`  events: ${sent} / ${data.events.length}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  // 4. Handoff codes issued to browsers, as POST /v1/handoff issues them.
  const handoffCode = new Map<string, string>();
  const issued = [];
  for (const h of data.handoffs) {
    const { record } = await store.issueHandoffCode(site.id, h.anonymousId, { now: h.ts, validityMs: DEFAULT_HANDOFF_VALIDITY_DAYS * DAY, length: 6 });
    handoffCode.set(h.ref, formatHandoffCode(record.code));
    issued.push(handoffEvent(record, 'granted'));
  }
  if (issued.length) await store.appendEvents(issued);

  // 5. Offline orders and touchpoints, quoting the issued handoff codes.
  const withCode = <T extends { handoffRef?: string }>(x: T) => {
    const { handoffRef, ...rest } = x;
    return handoffRef && handoffCode.has(handoffRef) ? { ...rest, handoffCode: handoffCode.get(handoffRef) } : rest;
  };
  for (let i = 0; i < data.orders.length; i += 1000) {
    const r = await applyOrders(store, site.id, data.orders.slice(i, i + 1000).map(withCode), { now: opts.now });
    stats.orders += r.accepted;
    stats.rejected += r.rejected.length;
  }
  for (let i = 0; i < data.touchpoints.length; i += 1000) {
    const r = await applyTouchpoints(store, site.id, data.touchpoints.slice(i, i + 1000).map(withCode), { now: opts.now });
    stats.touchpoints += r.accepted;
    stats.rejected += r.rejected.length;
  }
  await store.updateSiteSettings(site.id, { ...site.settings, demo: true, demoSeed: DEMO_SEED_MARKER, demoSeededAt: opts.now, defaultCountry: 'DE', timezone: 'Europe/Berlin' });
  stats.summary = `${opts.persons} persons, ${stats.events} web events, ${stats.scans} QR scans, ${stats.orders} offline order records, ${stats.touchpoints} touchpoints${stats.rejected ? `, ${stats.rejected} rejected` : ''}`;
  return stats;
}
