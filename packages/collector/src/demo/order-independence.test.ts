import { describe, expect, it } from 'vitest';
import { createCollector } from '../app';
import { seedDemo } from '../cli/demo-seed';
import { applyOrders, applyTouchpoints, type OfflineStore } from '../orders/apply';
import { hashPii } from '../pii/index';
import { parseNewCampaign } from '../qr/campaign';
import { formatHandoffCode } from '../qr/handoff-code';
import { scanEvent } from '../qr/scan';
import { attributionReport } from '../reports/attribution';
import { parseReportParams } from '../reports/params';
import type { ReportSource } from '../reports/source';
import { handoffEvent } from '../routes/handoff';
import type { QrCampaign, QrCode, QrRecipient } from '../store/qr';
import { openSqliteStore } from '../store/sqlite/index';
import type { StoredEvent } from '../store/types';
import { tempDbPath } from '../test-utils/harness';
import { generateShopData, prng } from './generate';

const NOW = Date.UTC(2026, 2, 31);
const ORIGINS = ['https://shop.example', 'http://localhost:8787'];
const BASE = 'http://localhost:8787';

describe('ingestion order', () => {
  // product.md: "The stitched result and every report must be identical whatever the
  // ingestion order." Store A gets the shop in the demo's order; store B gets offline records
  // first, browser events newest-first and partly shuffled, handoff and scan events last.
  it('the attribution report is identical whatever order the shop was ingested in', async () => {
    const params = parseReportParams({ from: '2026-03-01', to: '2026-03-30' }, NOW);
    const a = openSqliteStore(tempDbPath());
    const b = openSqliteStore(tempDbPath());
    try {
      const ca = await a.createSite({ name: 'Demo', origins: ORIGINS });
      await seedDemo(a, ca, { persons: 300, now: NOW, seed: 5, days: 45 });
      const ra = await attributionReport(a as unknown as ReportSource, { id: ca.site.id, rules: [] }, params);

      const { site } = await b.createSite({ name: 'Demo', origins: ORIGINS });
      const data = generateShopData({ seed: 5, persons: 300, now: NOW, days: 45 });
      const codeOf = new Map<string, QrCode>();
      const campaignOf = new Map<string, QrCampaign>();
      for (const k of data.campaigns) {
        const utm = { utm_source: k.utm.source, utm_medium: k.utm.medium, utm_campaign: k.utm.campaign };
        const c = await b.createQrCampaign(site.id, parseNewCampaign({ name: k.name, targetUrl: `${BASE}/demo/`, utm }, [...site.origins, BASE], BASE));
        campaignOf.set(k.key, c);
        if (k.sharedCodes) (await b.createSharedQrCodes(site.id, c.id, { count: k.sharedCodes, label: null })).forEach((x, n) => codeOf.set(`${k.key}#${n}`, x));
        const recipients: QrRecipient[] = [];
        for (const r of k.recipients) recipients.push({ ref: r.ref, customerId: r.customerId, emailSha256: r.email ? await hashPii('email', r.email) : null, loyaltyId: r.loyaltyId ?? null });
        if (recipients.length) for (const x of (await b.createPersonalQrCodes(site.id, c.id, recipients)).codes) if (x.recipientRef) codeOf.set(`r:${x.recipientRef}`, x);
      }
      const handoffCode = new Map<string, string>();
      const issued: StoredEvent[] = [];
      for (const h of data.handoffs) {
        const { record } = await b.issueHandoffCode(site.id, h.anonymousId, { now: h.ts, validityMs: 7 * 864e5, length: 6 });
        handoffCode.set(h.ref, formatHandoffCode(record.code));
        issued.push(handoffEvent(record, 'granted'));
      }
      const withCode = <T extends { handoffRef?: string }>({ handoffRef, ...rest }: T) =>
        handoffRef && handoffCode.has(handoffRef) ? { ...rest, handoffCode: handoffCode.get(handoffRef) } : rest;

      // Offline records before anything they link to.
      const offline = b as unknown as OfflineStore;
      await applyTouchpoints(offline, site.id, [...data.touchpoints].reverse().map(withCode), { now: NOW });
      await applyOrders(offline, site.id, data.orders.map(withCode), { now: NOW });
      // Browser events newest-first, with ~30 % of them swapped at random.
      const r = prng(99);
      const events = [...data.events].reverse();
      for (let i = events.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        if (r() < 0.3) [events[i], events[j]] = [events[j], events[i]];
      }
      const app = createCollector({ store: b, rateLimit: false, dashboard: false });
      const auth = `Basic ${btoa(`${site.writeKey}:`)}`;
      for (let i = 0; i < events.length; i += 200) {
        const res = await app.request('/v1/batch', { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch: events.slice(i, i + 200) }) });
        expect(res.status).toBe(200);
      }
      // Handoff and QR scan events last (as if their collector had been offline).
      await b.appendEvents(issued.reverse());
      const scans: StoredEvent[] = [];
      for (const s of data.scans) {
        const code = codeOf.get(s.recipientRef ? `r:${s.recipientRef}` : s.code)!;
        scans.push(scanEvent({ code, campaign: campaignOf.get(s.campaignKey)! }, s.scanToken, s.ts + 3600_000, s.ts, { browser: 'Chrome', os: 'Android', device: 'mobile' }, null));
      }
      await b.appendEvents(scans.reverse());

      const rb = await attributionReport(b as unknown as ReportSource, { id: site.id, rules: [] }, params);
      expect(ra.totals.conversions).toBeGreaterThan(50);
      expect(rb.totals).toEqual(ra.totals);
      expect(rb.rows).toEqual(ra.rows);
      expect(rb.markov).toEqual(ra.markov);
    } finally {
      await a.close();
      await b.close();
    }
  }, 600_000);
});
