import { describe, expect, it } from 'vitest';
import { withCollector, type CollectorFixture } from '../test-utils/harness';
import { INGEST_PATHS } from '../routes/ingest';

/** Endpoints a public write key may call; every other `/v1/` route needs the secret key. */
const WRITE_KEY_ROUTES = new Set([...INGEST_PATHS, '/v1/handoff', '/v1/id']);

interface Route {
  method: string;
  path: string;
}

/** Every concrete `/v1/` route the app registers (path params filled in), so new endpoints are covered without editing this test. */
function v1Routes(fx: CollectorFixture): Route[] {
  const seen = new Set<string>();
  const out: Route[] = [];
  for (const r of fx.app.routes) {
    if (!r.path.startsWith('/v1/') || r.path.includes('*') || r.method === 'ALL' || r.method === 'OPTIONS') continue;
    const path = r.path.replace(':name', r.path.startsWith('/v1/reports') ? 'attribution' : 'X2345678').replace(/:[A-Za-z]+/g, 'X2345678');
    const key = `${r.method} ${path}`;
    if (!seen.has(key)) seen.add(key), out.push({ method: r.method, path });
  }
  return out;
}

const secretRoutes = (fx: CollectorFixture) => v1Routes(fx).filter((r) => !WRITE_KEY_ROUTES.has(r.path));

function call(fx: CollectorFixture, r: Route, headers: Record<string, string>, body?: string): Promise<Response> {
  const withBody = r.method !== 'GET' && r.method !== 'HEAD';
  return fx.fetch(r.path + (r.method === 'GET' || r.method === 'DELETE' ? '?userId=C-1' : ''), {
    method: r.method,
    headers: { ...(withBody ? { 'content-type': 'application/json' } : {}), ...headers },
    body: withBody ? (body ?? '{}') : undefined,
  });
}

describe('secret endpoints refuse every credential that is not this site\'s secret key', () => {
  it('write key, missing, empty, garbled or wrong-scheme Authorization → 401 on every secret route', () =>
    withCollector(async (fx) => {
      const routes = secretRoutes(fx);
      // The known secret surface must be there (guards against the enumeration silently finding nothing).
      expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
        expect.arrayContaining(['POST /v1/orders', 'POST /v1/touchpoints', 'GET /v1/profiles', 'DELETE /v1/persons', 'POST /v1/qr/campaigns', 'GET /v1/reports/attribution']),
      );
      const bad: Record<string, Record<string, string>> = {
        none: {},
        'write key as Basic user': { authorization: fx.writeAuth },
        'write key as Bearer': { authorization: `Bearer ${fx.writeKey}` },
        empty: { authorization: '' },
        'Bearer only': { authorization: 'Bearer ' },
        'garbled Basic': { authorization: 'Basic !!!not-base64' },
        'wrong scheme': { authorization: `Token ${fx.secretKey}` },
        'secret key with one char changed': { authorization: `Bearer ${fx.secretKey.slice(0, -1)}${fx.secretKey.endsWith('A') ? 'B' : 'A'}` },
        'secret key in the query only': {},
      };
      for (const r of routes) {
        for (const [name, headers] of Object.entries(bad)) {
          const res = name === 'secret key in the query only' ? await fx.fetch(`${r.path}?writeKey=${fx.secretKey}&secretKey=${fx.secretKey}`, { method: r.method, body: r.method === 'GET' ? undefined : '{}' }) : await call(fx, r, headers);
          expect(res.status, `${name}: ${r.method} ${r.path}`).toBe(401);
          expect((await res.json()).error, `${r.method} ${r.path}`).toBe('unauthorized');
        }
      }
    }));

  it("one site's secret key never reaches another site's data", () =>
    withCollector(async (fx) => {
      const other = await fx.store.createSite({ name: 'Other shop', origins: ['https://other.example'] });
      const theirs = { authorization: `Bearer ${other.secretKey}` };
      const campaign = await (await fx.post('/v1/qr/campaigns', { name: 'Mine', targetUrl: 'https://shop.example/x' }, { auth: 'secret' })).json();
      await fx.post('/v1/orders', { order_id: 'O-MINE', channel: 'store', userId: 'C-1', revenue: 10, currency: 'EUR' }, { auth: 'secret' });
      await fx.post('/v1/track', { event: 'Viewed', messageId: 'm1', anonymousId: 'a-1', userId: 'C-1' });

      expect((await fx.fetch(`/v1/qr/campaigns/${campaign.id}`, { headers: theirs })).status).toBe(404);
      expect((await fx.fetch('/v1/orders/O-MINE', { headers: theirs })).status).toBe(404);
      expect((await fx.fetch('/v1/profiles?userId=C-1', { headers: theirs })).status).toBe(404);
      expect((await fx.fetch('/v1/persons/export?userId=C-1', { headers: theirs })).status).toBe(404);
      const list = await (await fx.fetch('/v1/qr/campaigns', { headers: theirs })).json();
      expect(JSON.stringify(list)).not.toContain(campaign.id);
      // Erasing "C-1" on the other site touches nothing here.
      await fx.fetch('/v1/persons?userId=C-1', { method: 'DELETE', headers: theirs });
      expect(await fx.store.countEvents(fx.site.id)).toBe(1);
      expect((await fx.get('/v1/orders/O-MINE')).status).toBe(200);
      // Their write key cannot write into this site either: events land on their site only.
      await fx.post('/v1/track', { event: 'X', messageId: 'm2', anonymousId: 'a-2' }, { auth: 'none', headers: { authorization: `Basic ${btoa(other.site.writeKey + ':')}` } });
      expect(await fx.store.countEvents(fx.site.id)).toBe(1);
    }));
});

const INJECTIONS = ["' OR '1'='1", "x'); DROP TABLE events; --", '" OR 1=1 --', "Robert'); DELETE FROM orders; --", '\u0000\u0001', '%27%20OR%201%3D1', '$(id)`id`'];

/** A valid-looking body per write endpoint; every string leaf is replaced by each injection in turn. */
function sampleBodies(campaignId: string): Record<string, unknown> {
  const event = { type: 'track', messageId: 'm-s', anonymousId: 'a-s', userId: 'u-s', event: 'Product Viewed', properties: { product_id: 'p', name: 'n' }, context: { page: { path: '/p', url: 'https://shop.example/p' }, campaign: { source: 's' } } };
  return {
    'POST /v1/batch': { batch: [event] },
    'POST /v1/track': event,
    'POST /v1/page': { ...event, type: 'page', name: 'Home' },
    'POST /v1/identify': { ...event, type: 'identify', traits: { email: 'a@b.de', name: 'n', loyalty_id: 'l' } },
    'POST /v1/alias': { ...event, type: 'alias', previousId: 'p-s' },
    'POST /v1/group': { ...event, type: 'group', groupId: 'g-s' },
    'POST /v1/screen': { ...event, type: 'screen', name: 'Home' },
    'POST /v1/handoff': { anonymousId: 'a-s' },
    'POST /v1/id': { anonymousId: 'a-s' },
    'POST /v1/orders': { orders: [{ order_id: 'o-s', channel: 'store', location: 'l', currency: 'EUR', revenue: 5, userId: 'u', email: 'e@x.de', phone: '+4930123456', loyaltyId: 'l', coupon: 'c', products: [{ id: 'p', sku: 's', name: 'n', price: 5, quantity: 1 }] }] },
    'POST /v1/touchpoints': { touchpoints: [{ type: 'store_visit', userId: 'u', loyaltyId: 'l', location: 'l', note: 'n' }] },
    'POST /v1/qr/campaigns': { name: 'n', targetUrl: 'https://shop.example/t', fallbackUrl: 'https://shop.example/f' },
    [`POST /v1/qr/campaigns/${campaignId}/codes`]: { label: 'l' },
    [`POST /v1/qr/campaigns/${campaignId}/recipients`]: [{ ref: 'r', customerId: 'c', email: 'e@x.de', loyaltyId: 'l' }],
    [`PATCH /v1/qr/campaigns/${campaignId}`]: { name: 'n' },
  };
}

function leafPaths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof v === 'string') return [at];
  if (Array.isArray(v)) return v.flatMap((x, i) => leafPaths(x, [...at, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leafPaths(x, [...at, k]));
  return [];
}

function withLeaf(v: unknown, path: (string | number)[], value: string): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[path[path.length - 1]] = value;
  return copy;
}

describe('hostile input on every endpoint', () => {
  it('SQL-injection strings in every field of every endpoint: never a 5xx, never touch other rows', () =>
    withCollector(async (fx) => {
      const other = await fx.store.createSite({ name: 'Bystander', origins: ['*'] });
      await fx.store.appendEvents([{ siteId: other.site.id, messageId: 'keep', type: 'track', event: 'Keep', anonymousId: 'k', userId: null, timestamp: 1, originalTimestamp: null, receivedAt: 1, sentAt: null, consent: null, bot: false, ua: null, country: null, context: {}, properties: {}, traits: {} }]);
      const campaign = await (await fx.post('/v1/qr/campaigns', { name: 'C', targetUrl: 'https://shop.example/x' }, { auth: 'secret' })).json();
      const tables = () => fx.store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      const before = tables();
      let requests = 0;
      for (const [route, body] of Object.entries(sampleBodies(campaign.id))) {
        const [method, path] = route.split(' ');
        const auth = WRITE_KEY_ROUTES.has(path) ? fx.writeAuth : fx.secretAuth;
        for (const leaf of leafPaths(body)) {
          for (const inj of INJECTIONS) {
            const res = await fx.fetch(path, { method, headers: { authorization: auth, 'content-type': 'application/json', origin: 'https://shop.example' }, body: JSON.stringify(withLeaf(body, leaf, inj)) });
            requests++;
            expect(res.status, `${route} ${leaf.join('.')}=${JSON.stringify(inj)}`).toBeLessThan(500);
          }
        }
      }
      // Query-string and path parameters of the read endpoints.
      for (const r of secretRoutes(fx).filter((x) => x.method === 'GET')) {
        for (const inj of INJECTIONS) {
          const q = ['userId', 'email', 'phone', 'anonymousId', 'orderId', 'loyaltyId', 'from', 'to', 'model', 'limit'].map((k) => `${k}=${encodeURIComponent(inj)}`).join('&');
          const res = await fx.fetch(`${r.path.replace('X2345678', encodeURIComponent(inj))}?${q}`, { headers: { authorization: fx.secretAuth } });
          requests++;
          expect(res.status, `${r.path} ${JSON.stringify(inj)}`).toBeLessThan(500);
        }
      }
      expect(requests).toBeGreaterThan(300);
      expect(tables()).toEqual(before);
      expect(await fx.store.countEvents(other.site.id)).toBe(1);
      expect((await fx.store.listSites()).length).toBe(2);
    }));

  it('oversized bodies → 413 and deeply nested JSON → 4xx on every endpoint that takes a body', () =>
    withCollector(async (fx) => {
      const routes = v1Routes(fx).filter((r) => r.method === 'POST' || r.method === 'PATCH' || r.method === 'PUT');
      expect(routes.length).toBeGreaterThanOrEqual(14);
      const huge = JSON.stringify({ batch: [], orders: [], pad: 'x'.repeat(21 * 1024 * 1024) });
      const deep = '{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
      for (const r of routes) {
        const auth = WRITE_KEY_ROUTES.has(r.path) ? fx.writeAuth : fx.secretAuth;
        const big = await call(fx, r, { authorization: auth }, huge);
        expect(big.status, `oversized ${r.method} ${r.path}`).toBe(413);
        const nested = await call(fx, r, { authorization: auth }, deep);
        expect(nested.status, `nested ${r.method} ${r.path}`).toBeGreaterThanOrEqual(400);
        expect(nested.status, `nested ${r.method} ${r.path}`).toBeLessThan(500);
      }
    }));
});

describe('QR targets cannot inject headers', () => {
  it('CR/LF or foreign origins in a campaign target are refused; a scan Location never carries CR/LF', () =>
    withCollector(async (fx) => {
      for (const targetUrl of ['https://shop.example/a\r\nSet-Cookie: x=1', 'https://shop.example/%0d%0aLocation:%20https://evil.com', 'https://evil.com/', '//evil.com/x', 'javascript:alert(1)']) {
        const res = await fx.post('/v1/qr/campaigns', { name: 'T', targetUrl }, { auth: 'secret' });
        if (res.status === 201) {
          const c = await res.json();
          const code = (await (await fx.post(`/v1/qr/campaigns/${c.id}/codes`, {}, { auth: 'secret' })).json()).codes[0].code;
          const scan = await fx.fetch(`/q/${code}?x=%0d%0aSet-Cookie:%20y=2`, { redirect: 'manual' });
          const loc = scan.headers.get('location') ?? '';
          expect(loc, targetUrl).not.toMatch(/[\r\n]/);
          expect(new URL(loc).origin).toBe('https://shop.example');
          expect(scan.headers.get('set-cookie')).toBeNull();
        } else {
          expect(res.status, targetUrl).toBe(400);
        }
      }
    }));
});

describe('server-only events', () => {
  it('a write key cannot forge QR scans, handoff issuance or offline touchpoints; batch-mates still land', () =>
    withCollector(async (fx) => {
      const forged = ['QR Code Scanned', 'Handoff Code Issued', 'Offline Touchpoint'].map((event, i) => ({ type: 'track', event, messageId: `f${i}`, anonymousId: 'attacker', properties: { code: 'K7M2QX', scan_token: 'x' } }));
      const res = await (await fx.post('/v1/batch', { batch: [...forged, { type: 'track', event: 'Product Viewed', messageId: 'ok', anonymousId: 'attacker' }] })).json();
      expect(res.accepted).toBe(1);
      expect(res.rejected.map((r: { index: number; reason: string }) => r.index)).toEqual([0, 1, 2]);
      expect(res.rejected[0].reason).toMatch(/recorded by the collector itself/);
      expect(await fx.store.personOf(fx.site.id, { kind: 'handoff', value: 'K7M2QX' })).toBeNull();
    }));
});
