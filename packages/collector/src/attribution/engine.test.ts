import { describe, expect, it } from 'vitest';
import { fromMicros } from './apportion';
import { attribute, type AttributionResult } from './engine';
import type { PersonJourney, Touch } from './journey';
import { MODELS } from './models';
import { prng, shuffle } from '../demo/random';

const DAY = 864e5;
const T0 = Date.UTC(2026, 0, 1);

/** mulberry32: tiny seeded PRNG (property tests must be reproducible). */

const SOURCES: Partial<Touch>[] = [
  { utm: { source: 'google', medium: 'cpc', campaign: 'brand' } },
  { referrer: 'https://www.google.de/' },
  { utm: { source: 'newsletter', medium: 'email', campaign: 'weekly' } },
  { referrer: 'https://l.facebook.com/' },
  {},
  { kind: 'qr', qr: { code: 'Q1', campaignId: 'flyer', personalised: false } },
  { kind: 'qr', qr: { code: 'Q2', campaignId: 'mailing', personalised: true } },
  { kind: 'offline', offline: { type: 'store_visit', location: 'Berlin' } },
  { kind: 'offline', offline: { type: 'phone_call' } },
];

function randomJourneys(seed: number, persons: number): PersonJourney[] {
  const r = prng(seed);
  const out: PersonJourney[] = [];
  for (let p = 0; p < persons; p++) {
    const touches: Touch[] = [];
    const n = Math.floor(r() * 6);
    for (let i = 0; i < n; i++) {
      const s = SOURCES[Math.floor(r() * SOURCES.length)];
      touches.push({ kind: 'session', ...s, ts: T0 + Math.floor(r() * 40 * DAY), messageId: `p${p}t${i}` } as Touch);
    }
    const conversions = [];
    const k = r() < 0.5 ? Math.floor(r() * 3) : 0;
    for (let i = 0; i < k; i++) {
      conversions.push({
        id: `o${p}-${i}`,
        ts: T0 + Math.floor(r() * 40 * DAY),
        value: Math.round(r() * 20000) / 100,
        channel: ['web', 'store', 'phone'][Math.floor(r() * 3)],
        status: r() < 0.1 ? ('refunded' as const) : ('completed' as const),
      });
    }
    out.push({ personId: `P${p}`, touches, conversions });
  }
  return out;
}


const range = { from: T0 + 10 * DAY, to: T0 + 40 * DAY };

function channelTotals(res: AttributionResult): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const o of res.orders) {
    for (const m of res.models) {
      o.credits[m]!.forEach((c, i) => {
        const ch = o.path.touches[i].channel;
        out[m] ??= {};
        out[m][ch] = (out[m][ch] ?? 0) + c;
      });
    }
  }
  return out;
}

describe('attribute() — hand-computed end to end', () => {
  it('credits one order under every model', async () => {
    // Paid Search (day 0) → QR flyer (day 7) → Direct (day 14) → store order 120 € (day 14).
    // A non-converting person: Paid Search only.
    const j: PersonJourney[] = [
      {
        personId: 'a',
        touches: [
          { ts: T0, kind: 'session', messageId: 't1', utm: { source: 'google', medium: 'cpc' } },
          { ts: T0 + 7 * DAY, kind: 'qr', messageId: 't2', qr: { code: 'X', campaignId: 'spring', personalised: false } },
          { ts: T0 + 14 * DAY, kind: 'session', messageId: 't3' },
        ],
        conversions: [{ id: 'o1', ts: T0 + 14 * DAY, value: 120, channel: 'store', status: 'completed' }],
      },
      { personId: 'b', touches: [{ ts: T0 + DAY, kind: 'session', messageId: 't4', utm: { source: 'google', medium: 'cpc' } }], conversions: [] },
    ];
    const res = await attribute(j, { from: T0, to: T0 + 30 * DAY });
    const o = res.orders[0];
    expect(o.path.touches.map((t) => t.channel)).toEqual(['Paid Search', 'Print/QR', 'Direct']);
    const eur = (m: keyof typeof o.credits) => o.credits[m]!.map(fromMicros);
    expect(eur('first_touch')).toEqual([120, 0, 0]);
    expect(eur('last_touch')).toEqual([0, 0, 120]);
    expect(eur('last_non_direct')).toEqual([0, 120, 0]);
    expect(eur('linear')).toEqual([40, 40, 40]);
    // .25/.5/1 of 1.75 → 17.142857, 34.285714, 68.571429
    expect(eur('time_decay')).toEqual([17.142857, 34.285714, 68.571429]);
    expect(eur('position_based')).toEqual([48, 24, 48]);
    // Markov: paths PS→QR→D→conv and PS→null. START→PS 1; PS→QR ½, PS→null ½; QR→D 1; D→conv 1.
    // P = ½. Removing any of the three channels cuts the only converting route: P = 0, RE = 1 each.
    expect(res.removalEffects).toEqual({ Direct: 1, 'Paid Search': 1, 'Print/QR': 1 });
    expect(res.conversionProbability).toBeCloseTo(0.5, 12);
    expect(eur('markov')).toEqual([40, 40, 40]);
    expect(eur('shapley')).toEqual([40, 40, 40]);
    expect(res.markovTotals['Paid Search'].value).toBeCloseTo(40, 9);
  });

  it('Markov: channel totals follow total × RE / ΣRE, distributed per order', async () => {
    // Person a: A → B → order 100 €; person b: B → order 50 €; person c: A, no order.
    // Chain (as in models.test): RE_A = ½, RE_B = 1, ΣRE = 1.5.
    // Channel totals: A = 150 · ½/1.5 = 50 €, B = 150 · 1/1.5 = 100 €; conversions A = 2 · ⅓ = ⅔, B = 4/3.
    // b's order can only go to B (50 €), so a's order must give A 50 € and B 50 € — where a
    // plain per-order split by RE would give A 33.33 € / B 66.67 €.
    const s = (id: string, day: number, medium: string) => ({ ts: T0 + day * DAY, kind: 'session' as const, messageId: id, utm: { source: medium === 'email' ? 'newsletter' : 'google', medium } });
    const res = await attribute(
      [
        { personId: 'a', touches: [s('a1', 1, 'email'), s('a2', 2, 'cpc')], conversions: [{ id: 'o1', ts: T0 + 2 * DAY, value: 100, channel: 'web', status: 'completed' }] },
        { personId: 'b', touches: [s('b1', 1, 'cpc')], conversions: [{ id: 'o2', ts: T0 + 3 * DAY, value: 50, channel: 'web', status: 'completed' }] },
        { personId: 'c', touches: [s('c1', 1, 'email')], conversions: [] },
      ],
      { from: T0, to: T0 + 30 * DAY, models: ['markov'] },
    );
    expect(res.removalEffects.Email).toBeCloseTo(0.5, 12);
    expect(res.removalEffects['Paid Search']).toBeCloseTo(1, 12);
    const [o1, o2] = res.orders;
    expect(o1.credits.markov!.map(fromMicros)).toEqual([50, 50]);
    expect(o2.credits.markov!.map(fromMicros)).toEqual([50]);
    // conversions: o1 → Email ⅔, Paid Search ⅓ (micro-units)
    expect(o1.shares.markov).toEqual([666_667, 333_333]);
    expect(res.markovFitGap).toBeLessThan(1e-9);
  });

  it('cancelled and fully refunded orders are not conversions, partly refunded ones keep what remains; an order without touches goes to its sales channel', async () => {
    const res = await attribute(
      [
        {
          personId: 'a',
          touches: [],
          conversions: [
            { id: 'o1', ts: T0 + DAY, value: 10, channel: 'store', status: 'completed' },
            { id: 'o2', ts: T0 + DAY, value: 0, channel: 'web', status: 'refunded' },
            { id: 'o4', ts: T0 + DAY, value: 99, channel: 'web', status: 'cancelled' },
            { id: 'o5', ts: T0 + DAY, value: 30, channel: 'web', status: 'refunded' }, // partly refunded: 30 € remain
            { id: 'o3', ts: T0 + DAY, value: 5, channel: 'phone', status: 'completed' },
          ],
        },
      ],
      { from: T0, to: T0 + 30 * DAY },
    );
    expect(res.orders.map((o) => [o.path.conversion.id, o.path.touches[0].channel, o.valueMicros])).toEqual([
      ['o1', 'Store', 10e6],
      ['o3', 'Phone', 5e6],
      ['o5', 'Direct', 30e6],
    ]);
  });

  it('lookback window and direct-only-if-nothing-else', async () => {
    const j: PersonJourney = {
      personId: 'a',
      touches: [
        { ts: T0, kind: 'session', messageId: 'old', utm: { source: 'newsletter', medium: 'email' } },
        { ts: T0 + 20 * DAY, kind: 'session', messageId: 'mid', referrer: 'https://www.bing.com/' },
        { ts: T0 + 25 * DAY, kind: 'session', messageId: 'direct' },
      ],
      conversions: [{ id: 'o', ts: T0 + 26 * DAY, value: 1, channel: 'web', status: 'completed' }],
    };
    const a = await attribute([j], { from: T0, to: T0 + 30 * DAY, lookbackMs: 10 * DAY });
    expect(a.orders[0].path.touches.map((t) => t.messageId)).toEqual(['mid', 'direct']);
    const b = await attribute([j], { from: T0, to: T0 + 30 * DAY, lookbackMs: 10 * DAY, directOnlyIfNothingElse: true });
    expect(b.orders[0].path.touches.map((t) => t.messageId)).toEqual(['mid']);
  });

  it('goal events convert, with no revenue', async () => {
    const res = await attribute(
      [{ personId: 'a', touches: [{ ts: T0, kind: 'session', messageId: 't', referrer: 'https://t.co/x' }], conversions: [], events: [{ name: 'Signed Up', ts: T0 + 1 }] }],
      { from: T0, to: T0 + DAY, goals: ['Signed Up'] },
    );
    expect(res.orders).toHaveLength(1);
    expect(res.orders[0].valueMicros).toBe(0);
    expect(res.orders[0].shares.linear).toEqual([1e6]);
    expect(res.orders[0].path.touches[0].channel).toBe('Organic Social');
  });
});

describe('attribute() — invariants (property tests, seeded)', () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    it(`seed ${seed}: every order's credits sum to its value under every model`, async () => {
      const res = await attribute(randomJourneys(seed, 300), range);
      expect(res.orders.length).toBeGreaterThan(20);
      for (const o of res.orders) {
        for (const m of MODELS) {
          const c = o.credits[m]!;
          expect(c.length).toBe(o.path.touches.length);
          expect(c.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
          expect(c.reduce((a, b) => a + b, 0)).toBe(o.valueMicros);
        }
      }
    });

    it(`seed ${seed}: identical whatever the ingestion order, and deterministic`, async () => {
      const base = randomJourneys(seed, 300);
      const r = prng(seed * 7 + 1);
      const shuffled = shuffle(base, r).map((j) => ({ ...j, touches: shuffle(j.touches, r), conversions: shuffle(j.conversions, r) }));
      const a = await attribute(base, range);
      const b = await attribute(shuffled, range);
      const c = await attribute(randomJourneys(seed, 300), range);
      expect(b.orders).toEqual(a.orders);
      expect(b.removalEffects).toEqual(a.removalEffects);
      expect(channelTotals(b)).toEqual(channelTotals(a));
      expect(c).toEqual(a);
    });

    it(`seed ${seed}: a channel absent from every path gets nothing; Shapley enumeration = per-order sum`, async () => {
      const js = randomJourneys(seed, 300).map((j) => ({ ...j, touches: j.touches.filter((t) => t.kind !== 'qr') }));
      const res = await attribute(js, range);
      const totals = channelTotals(res);
      for (const m of MODELS) {
        expect(totals[m]['Print/QR'] ?? 0).toBe(0);
        expect(totals[m]['Direct Mail'] ?? 0).toBe(0);
      }
      expect(res.removalEffects['Print/QR']).toBeUndefined();
      const phi = res.shapleyValues!;
      for (const [ch, micros] of Object.entries(totals.shapley)) expect(phi[ch]).toBeCloseTo(fromMicros(micros), 4);
      // Markov per-channel totals by the textbook formula sum to total value.
      const total = res.orders.reduce((s, o) => s + o.valueMicros, 0);
      const mt = Object.values(res.markovTotals).reduce((s, x) => s + x.value, 0);
      expect(mt).toBeCloseTo(fromMicros(total), 4);
    });
  }
});
