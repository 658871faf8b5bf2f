import { describe, expect, it } from 'vitest';
import { attribute } from '../attribution/engine';
import { MODELS } from '../attribution/models';
import { generateJourneys, generateShopData } from './generate';

describe('generateJourneys', () => {
  it('is deterministic, and person i does not depend on how many are generated', () => {
    const a = [...generateJourneys({ seed: 3, persons: 200 })];
    const b = [...generateJourneys({ seed: 3, persons: 200 })];
    expect(b).toEqual(a);
    const small = [...generateJourneys({ seed: 3, persons: 50 })];
    expect(a.slice(0, small.length)).toEqual(small);
    expect([...generateJourneys({ seed: 4, persons: 200 })]).not.toEqual(a);
  });

  it('has the shop\'s proportions: ~50 events and ~0.5 orders per person, every channel family', async () => {
    const stats = { events: 0, orders: 0, persons: 0 };
    const js = [...generateJourneys({ seed: 1, persons: 2000, stats })];
    expect(stats.events / stats.persons).toBeGreaterThan(35);
    expect(stats.events / stats.persons).toBeLessThan(70);
    expect(stats.orders / stats.persons).toBeGreaterThan(0.35);
    expect(stats.orders / stats.persons).toBeLessThan(0.7);
    const kinds = new Set(js.flatMap((j) => j.touches.map((t) => t.kind)));
    expect([...kinds].sort()).toEqual(['offline', 'qr', 'session']);
    const salesChannels = new Set(js.flatMap((j) => j.conversions.map((c) => c.channel)));
    expect([...salesChannels].sort()).toEqual(['phone', 'store', 'web']);
    const from = Date.UTC(2026, 2, 1);
    const to = Date.UTC(2026, 2, 31);
    const res = await attribute(js, { from, to });
    const channels = new Set(res.orders.flatMap((o) => o.path.touches.map((t) => t.channel)));
    for (const ch of ['Organic Search', 'Paid Search', 'Direct', 'Email', 'Print/QR', 'Direct Mail', 'Store', 'Phone', 'Paid Social', 'Display', 'Affiliates', 'Referral']) {
      expect(channels.has(ch), ch).toBe(true);
    }
    for (const o of res.orders) for (const m of MODELS) expect(o.credits[m]!.reduce((a, b) => a + b, 0)).toBe(o.valueMicros);
  });
});

describe('generateShopData', () => {
  it('describes the same shop at wire level, with consistent references', () => {
    const d = generateShopData({ seed: 2, persons: 300 });
    expect(d).toEqual(generateShopData({ seed: 2, persons: 300 }));
    expect(d.events.length).toBeGreaterThan(300 * 30);
    const ids = new Set(d.events.map((e) => e.messageId));
    expect(ids.size).toBe(d.events.length);
    const handoffs = new Set(d.handoffs.map((h) => h.ref));
    for (const x of [...d.orders, ...d.touchpoints]) if (x.handoffRef) expect(handoffs.has(x.handoffRef)).toBe(true);
    const tokens = new Set(d.events.map((e) => e.context?.omnitrail?.scanToken).filter(Boolean));
    for (const s of d.scans) expect(tokens.has(s.scanToken)).toBe(true);
    const recipients = new Set(d.campaigns.find((c) => c.personalised)!.recipients.map((r) => r.ref));
    for (const s of d.scans) if (s.recipientRef) expect(recipients.has(s.recipientRef)).toBe(true);
    expect(d.events.some((e) => e.event === 'Order Completed')).toBe(true);
    expect(d.events.some((e) => e.event === 'Web Vitals' && typeof e.properties?.metric === 'string')).toBe(true);
    expect(d.orders.some((o) => o.channel === 'store')).toBe(true);
    expect(d.orders.some((o) => o.status === 'refunded' || o.status === 'cancelled')).toBe(true);
    const times = d.events.map((e) => e.timestamp!);
    expect([...times].sort()).toEqual(times);
  });
});
