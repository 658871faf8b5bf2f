import { describe, expect, test } from 'vitest';
import { tempDbPath } from '../../test-utils/harness';
import { openSqliteStore } from './index';
import { lookupHandoffCodeSync, qrCodeInfoSync } from './qr';

async function fresh() {
  const path = tempDbPath();
  const store = openSqliteStore(path);
  const { site } = await store.createSite({ name: 'S', origins: ['https://shop.example'] });
  const campaign = await store.createQrCampaign(site.id, { name: 'C', targetUrl: 'https://shop.example/', utm: { utm_medium: 'print' }, baseUrl: 'https://t.example' });
  return { path, store, site, campaign };
}

describe('SQLite QR store', () => {
  test('a big print run is chunked, unique, and listed in creation order across pages', async () => {
    const { store, site, campaign } = await fresh();
    try {
      const codes = await store.createSharedQrCodes(site.id, campaign.id, { count: 2500, label: 'poster' });
      expect(codes).toHaveLength(2500);
      expect(new Set(codes.map((c) => c.code)).size).toBe(2500);
      const listed: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await store.listQrCodes(site.id, campaign.id, { after, limit: 1000 });
        listed.push(...page.map((c) => c.code));
        if (page.length < 1000) break;
        after = page[page.length - 1].code;
      }
      expect(listed).toEqual(codes.map((c) => c.code));
      expect((await store.getQrCampaign(site.id, campaign.id))?.codes).toBe(2500);
    } finally {
      await store.close();
    }
  });

  test('codes of an unknown campaign are refused; codes resolve across sites only through /q', async () => {
    const { store, site, campaign } = await fresh();
    try {
      await expect(store.createSharedQrCodes(site.id, 'cmp_nope')).rejects.toThrow(/not found/);
      const other = await store.createSite({ name: 'O', origins: ['*'] });
      await expect(store.createSharedQrCodes(other.site.id, campaign.id)).rejects.toThrow(/not found/);
      const [code] = await store.createSharedQrCodes(site.id, campaign.id);
      expect((await store.resolveQrCode(code.code))?.campaign.id).toBe(campaign.id);
      expect(await store.getQrCode(other.site.id, code.code)).toBeNull();
      expect(qrCodeInfoSync(store.db, site.id, code.code.toLowerCase())).toEqual({ code: code.code, campaignId: campaign.id, recipientRef: null });
      expect(qrCodeInfoSync(store.db, other.site.id, code.code)).toBeNull();
    } finally {
      await store.close();
    }
  });

  test('handoff codes: reused while fresh, renewed after half the validity, never reused across visitors', async () => {
    const { store, site } = await fresh();
    try {
      const day = 86_400_000;
      const a = await store.issueHandoffCode(site.id, 'anon-a', { now: 0, validityMs: 10 * day, length: 6 });
      expect(a.reused).toBe(false);
      const a2 = await store.issueHandoffCode(site.id, 'anon-a', { now: 4 * day, validityMs: 10 * day, length: 6 });
      expect(a2).toEqual({ record: a.record, reused: true });
      const a3 = await store.issueHandoffCode(site.id, 'anon-a', { now: 6 * day, validityMs: 10 * day, length: 6 });
      expect(a3.reused).toBe(false);
      expect(a3.record.code).not.toBe(a.record.code);
      // The old code still belongs to anon-a until it expires.
      expect(lookupHandoffCodeSync(store.db, site.id, a.record.code, 7 * day)).toMatchObject({ ok: true, record: { anonymousId: 'anon-a' } });
      expect(lookupHandoffCodeSync(store.db, site.id, a.record.code, 11 * day)).toMatchObject({ ok: false, reason: 'expired' });
      const codes = new Set<string>();
      for (let i = 0; i < 100; i++) codes.add((await store.issueHandoffCode(site.id, `v-${i}`, { now: 0, validityMs: day, length: 6 })).record.code);
      expect(codes.size).toBe(100);
    } finally {
      await store.close();
    }
  });

  test('scans are counted per code and campaign by the deriver, exactly once per event', async () => {
    const { store, site, campaign } = await fresh();
    try {
      const [code] = await store.createSharedQrCodes(site.id, campaign.id);
      const ev = {
        siteId: site.id, messageId: 'qr-scan-T1', type: 'track' as const, event: 'QR Code Scanned', anonymousId: null, userId: null,
        timestamp: 1, originalTimestamp: null, receivedAt: 1, sentAt: null, consent: null, bot: false, ua: null, country: null,
        context: {}, properties: { code: code.code, scan_token: 'T1', campaign_id: campaign.id }, traits: {},
      };
      expect(await store.appendEvents([ev, ev])).toEqual(['inserted', 'duplicate']);
      await store.appendEvents([{ ...ev, messageId: 'bot', bot: true, properties: { ...ev.properties, scan_token: 'T2' } }]);
      await store.appendEvents([{ ...ev, messageId: 'other-code', properties: { ...ev.properties, code: 'ZZZZZZZZ', scan_token: 'T3' } }]);
      expect((await store.getQrCode(site.id, code.code))?.scans).toBe(1);
      expect((await store.listQrCampaigns(site.id))[0].scans).toBe(1);
    } finally {
      await store.close();
    }
  });

  test('data survives reopening (migration applied once)', async () => {
    const { path, store, site, campaign } = await fresh();
    const [code] = await store.createSharedQrCodes(site.id, campaign.id);
    await store.close();
    const again = openSqliteStore(path);
    try {
      expect((await again.resolveQrCode(code.code))?.code.code).toBe(code.code);
    } finally {
      await again.close();
    }
  });
});
