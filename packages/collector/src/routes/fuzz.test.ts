import { expect, test } from 'vitest';
import { withCollector } from '../test-utils/harness';
import { pick, prng } from '../demo/random';

// Seeded PRNG (mulberry32) so a failure reproduces: the seed and iteration are in the message.

const SEED = 20260301;
const ITERATIONS = Number(process.env.FUZZ_N ?? 10_000);
const MATES = 3;

type Rand = () => number;

function randomValue(r: Rand, depth = 0): unknown {
  switch (Math.floor(r() * 16)) {
    case 0: return null;
    case 1: return Math.floor(r() * 1e6) - 5e5;
    case 2: return r() * 1e308 * (r() < 0.5 ? -1 : 1);
    case 3: return r() < 0.5;
    case 4: return '';
    case 5: return 'x'.repeat(Math.floor(r() * 40_000)); // up to over the 32 KB event limit
    case 6: return String.fromCharCode(0xd800 + Math.floor(r() * 0x800)); // lone surrogate
    case 7: return '😀\u0000\u202e<script>"\'\\';
    case 8: return depth > 3 ? [] : Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    case 9: return depth > 3 ? {} : { [pick(r, ['a', '__proto__', 'constructor', 'prototype', 'k'.repeat(300), ''])]: randomValue(r, depth + 1) };
    case 10: {
      let v: unknown = 1;
      const n = Math.floor(r() * 40);
      for (let i = 0; i < n; i++) v = r() < 0.5 ? [v] : { d: v };
      return v;
    }
    case 11: return pick(r, ['track', 'page', 'identify', 'alias', 'group', 'screen', 'TRACK', 'click']);
    case 12: return pick(r, ['2026-01-01T00:00:00Z', '2099-12-31T23:59:59.999+14:00', '1970-01-01', 'yesterday', '2026-02-30T00:00:00Z', '+275760-09-13T00:00:00Z']);
    case 13: return 'm'.repeat(Math.floor(r() * 120));
    case 14: return Number.MAX_SAFE_INTEGER;
    default: return { nested: { ok: true } };
  }
}

const KEYS = ['type', 'event', 'name', 'messageId', 'anonymousId', 'userId', 'previousId', 'groupId', 'timestamp', 'sentAt', 'context', 'properties', 'traits', 'writeKey', '__proto__', 'constructor', 'integrations'];

function validEvent(iter: number, k: number): Record<string, unknown> {
  return {
    type: 'track',
    event: 'Product Viewed',
    messageId: `f${iter}-${k}`,
    anonymousId: `anon-${iter % 97}`,
    timestamp: '2026-03-01T11:59:00.000Z',
    context: { page: { url: 'https://shop.example/p/1' }, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0' },
    properties: { product_id: `p${k}`, price: 9.99, tags: ['a', 'b'] },
  };
}

/** Mutate one event in place (a structural mutation: the JSON stays valid). */
function mutateEvent(r: Rand, ev: Record<string, unknown>): void {
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const key = pick(r, KEYS);
    const op = r();
    if (op < 0.3) delete ev[key];
    else if (op < 0.8) Object.defineProperty(ev, key, { value: randomValue(r), enumerable: true, writable: true, configurable: true });
    else if (ev.properties && typeof ev.properties === 'object') {
      Object.defineProperty(ev.properties, pick(r, KEYS), { value: randomValue(r), enumerable: true, writable: true, configurable: true });
    }
  }
}

/** Mutate the serialised text (anything goes: the request may stop being JSON). */
function mutateText(r: Rand, s: string): string {
  const at = Math.floor(r() * s.length);
  switch (Math.floor(r() * 5)) {
    case 0: return s.slice(0, at);
    case 1: return s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 10));
    case 2: return s.slice(0, at) + pick(r, ['{', '}', '[', ']', '"', ',', ':', '\\', '\\ud800', 'null', '1e999', '\u0000']) + s.slice(at);
    case 3: return s.slice(0, at) + String.fromCharCode(Math.floor(r() * 0xffff)) + s.slice(at + 1);
    default: return s.replace('"batch"', pick(r, ['"batch "', '"Batch"', '"batch":null,"x"']));
  }
}

test(`fuzz: ${ITERATIONS} random mutations of a valid batch never cause a 5xx and never lose valid batch-mates`, () =>
  withCollector(async (fx) => {
    const r = prng(SEED);
    const expectedStored = new Set<string>();
    const statuses = new Map<number, number>();
    const WAVE = 500; // concurrent requests share group commits, as in production

    for (let start = 0; start < ITERATIONS; start += WAVE) {
      const wave: Promise<void>[] = [];
      for (let iter = start; iter < Math.min(ITERATIONS, start + WAVE); iter++) {
        const batch = Array.from({ length: MATES + 1 }, (_, k) => validEvent(iter, k));
        const victim = Math.floor(r() * batch.length);
        const mode = r();
        let body: string;
        let structural = false;
        if (mode < 0.7) {
          mutateEvent(r, batch[victim]);
          body = JSON.stringify({ batch, sentAt: '2026-03-01T12:00:00.000Z' });
          structural = true;
        } else if (mode < 0.9) {
          body = mutateText(r, JSON.stringify({ batch }));
        } else {
          const env: Record<string, unknown> = { batch };
          env[pick(r, ['batch', 'sentAt', 'context', 'writeKey'])] = randomValue(r);
          body = JSON.stringify(env);
        }
        wave.push(
          (async () => {
            const res = await fx.post('/v1/batch', body);
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            const text = await res.text();
            const where = `seed ${SEED}, iteration ${iter}: ${body.slice(0, 300)}`;
            expect(res.status, where).toBeLessThan(500);
            const parsed = JSON.parse(text);
            if (!structural) return;
            // One mutated event must never take its valid batch-mates down with it.
            expect(res.status, `${where} → ${text.slice(0, 300)}`).toBe(200);
            const rejected = new Set((parsed.rejected as { index: number }[]).map((x) => x.index));
            for (let k = 0; k < batch.length; k++) {
              if (k === victim) continue;
              expect(rejected.has(k), `${where}: mate ${k} rejected`).toBe(false);
              expectedStored.add(`f${iter}-${k}`);
            }
          })(),
        );
      }
      await Promise.all(wave);
    }

    // Every valid mate of an accepted request is in the database, once.
    const stored = new Set((fx.store.db.prepare('SELECT message_id FROM events WHERE site_id = ?').pluck().all(fx.site.id) as string[]));
    for (const id of expectedStored) expect(stored.has(id), id).toBe(true);
    expect(expectedStored.size).toBeGreaterThan(ITERATIONS * 0.6 * MATES * 0.9);
    expect(statuses.get(200)).toBeGreaterThan(ITERATIONS / 2);
    expect(statuses.get(400)).toBeGreaterThan(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }), 300_000);
