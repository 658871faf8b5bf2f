import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { eachTransport, withCollector, type CollectorFixture } from '../test-utils/harness';

const ev = (i: number, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Product Viewed',
  anonymousId: `anon-${i % 7}`,
  messageId: `msg-${i}`,
  properties: { product_id: `p${i}`, price: i },
  ...extra,
});

async function json(res: Response) {
  return JSON.parse(await res.text());
}

function storedRows(fx: CollectorFixture): Record<string, unknown>[] {
  return fx.store.db.prepare('SELECT * FROM events WHERE site_id = ?').all(fx.site.id) as Record<string, unknown>[];
}

describe('accepting events', () => {
  eachTransport('track is stored once; a replay is a duplicate', async (fx) => {
    const body = { event: 'Signed Up', anonymousId: 'a1', messageId: 'm-1', properties: { plan: 'pro' } };
    const r1 = await fx.post('/v1/track', body);
    expect(r1.status).toBe(200);
    expect(await json(r1)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const r2 = await fx.post('/v1/track', body);
    expect(await json(r2)).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    expect(await fx.store.countEvents(fx.site.id)).toBe(1);
    const [row] = storedRows(fx);
    expect(row).toMatchObject({ message_id: 'm-1', type: 'track', event: 'Signed Up', anonymous_id: 'a1' });
  });

  eachTransport('each single-event endpoint implies its type', async (fx) => {
    const calls: [string, Record<string, unknown>][] = [
      ['page', { name: 'Home', anonymousId: 'a', messageId: 'p1' }],
      ['screen', { name: 'Cart', anonymousId: 'a', messageId: 's1' }],
      ['identify', { userId: 'u1', anonymousId: 'a', traits: { plan: 'pro' }, messageId: 'i1' }],
      ['alias', { userId: 'u1', previousId: 'a', messageId: 'al1' }],
      ['group', { userId: 'u1', groupId: 'g1', messageId: 'g1' }],
    ];
    for (const [path, body] of calls) {
      const res = await fx.post(`/v1/${path}`, body);
      expect(await json(res), path).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    }
    const types = storedRows(fx).map((r) => r.type).sort();
    expect(types).toEqual(['alias', 'group', 'identify', 'page', 'screen']);
  });

  eachTransport('invalid events are listed and never block valid batch-mates', async (fx) => {
    const batch = [ev(0), { ...ev(1), anonymousId: undefined }, ev(2), { ...ev(3), timestamp: 'yesterday' }, 'junk', ev(5)];
    const res = await fx.post('/v1/batch', { batch });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      accepted: 3,
      duplicates: 0,
      rejected: [
        { index: 1, messageId: 'msg-1', reason: 'anonymousId or userId is required' },
        { index: 3, messageId: 'msg-3', reason: 'timestamp must be an ISO-8601 date-time string' },
        { index: 4, reason: 'event must be a JSON object' },
      ],
    });
    expect(storedRows(fx).map((r) => r.message_id).sort()).toEqual(['msg-0', 'msg-2', 'msg-5']);
  });

  eachTransport('the write key is read from Basic auth, the body, or ?writeKey=', async (fx) => {
    const r1 = await fx.post('/v1/track', ev(1));
    const r2 = await fx.post('/v1/track', { ...ev(2), writeKey: fx.writeKey }, { auth: 'none' });
    const r3 = await fx.post(`/v1/batch?writeKey=${fx.writeKey}`, { batch: [ev(3)] }, { auth: 'none' });
    expect([r1.status, r2.status, r3.status]).toEqual([200, 200, 200]);
    expect(await fx.store.countEvents(fx.site.id)).toBe(3);
  });

  eachTransport('text/plain bodies (sendBeacon) and a missing content type are JSON too', async (fx) => {
    const r1 = await fx.post(`/v1/batch?writeKey=${fx.writeKey}`, { batch: [ev(1)] }, { auth: 'none', headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    expect(r1.status).toBe(200);
    const r2 = await fx.fetch(`/v1/batch?writeKey=${fx.writeKey}`, { method: 'POST', body: new Blob([JSON.stringify({ batch: [ev(2)] })]) });
    expect(r2.status).toBe(200);
    expect(await fx.store.countEvents(fx.site.id)).toBe(2);
  });

  eachTransport('batch-level sentAt corrects a fast client clock; context.ip is never stored', async (fx) => {
    const now = Date.now();
    const skew = 3_600_000; // the client clock is one hour fast
    const res = await fx.post('/v1/batch', {
      sentAt: new Date(now + skew).toISOString(),
      context: { ip: '203.0.113.77' },
      batch: [ev(1, { timestamp: new Date(now + skew - 60_000).toISOString(), context: { ip: '203.0.113.78', locale: 'de-DE' } })],
    });
    expect(res.status).toBe(200);
    const [row] = storedRows(fx);
    expect(Math.abs((row.ts as number) - (now - 60_000))).toBeLessThan(5_000);
    expect(row.original_timestamp).toBe(new Date(now + skew - 60_000).toISOString());
    expect(JSON.stringify(row)).not.toContain('203.0.113');
  });

  eachTransport('raw e-mail and phone never reach storage', async (fx) => {
    const email = 'Jane.Doe@Shop-Mail.de';
    const res = await fx.post('/v1/batch', {
      batch: [
        { type: 'identify', userId: 'u1', messageId: 'i1', traits: { email, phone: '+49 30 1234567', name: 'Jane' } },
        ev(2, { context: { traits: { email } } }),
        ev(3, { event: 'Order Completed', properties: { order_id: 'o1', email } }),
      ],
    });
    expect(await json(res)).toMatchObject({ accepted: 3 });
    const rows = JSON.stringify(storedRows(fx)).toLowerCase();
    expect(rows).not.toContain('jane.doe');
    expect(rows).not.toContain('1234567');
    expect(rows).toContain('email_sha256');
    expect(rows).toContain('phone_sha256');
  });

  eachTransport('a browser request gets its user agent classified; bots are flagged, not dropped', async (fx) => {
    const ua = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
    const res = await fx.post('/v1/track', ev(1), { headers: { origin: 'https://shop.example', 'user-agent': ua } });
    expect(res.status).toBe(200);
    const [row] = storedRows(fx);
    expect(row).toMatchObject({ bot: 1, ua_device: 'bot' });
  });
});

describe('Segment paths', () => {
  eachTransport('analytics.js short paths (/v1/t, /v1/p, …, /v1/b) and /v1/import, text/plain with writeKey in the body', async (fx) => {
    const plain = (path: string, body: unknown) =>
      fx.post(path, { ...(body as object), writeKey: fx.writeKey }, { auth: 'none', headers: { 'content-type': 'text/plain', origin: 'https://shop.example' } });
    const calls: [string, Record<string, unknown>][] = [
      ['/v1/t', { type: 'track', event: 'E', anonymousId: 'a', messageId: 'js-t' }],
      ['/v1/p', { type: 'page', name: 'Home', anonymousId: 'a', messageId: 'js-p' }],
      ['/v1/i', { type: 'identify', userId: 'u', anonymousId: 'a', messageId: 'js-i' }],
      ['/v1/a', { type: 'alias', userId: 'u', previousId: 'a', messageId: 'js-a' }],
      ['/v1/g', { type: 'group', userId: 'u', groupId: 'g', messageId: 'js-g' }],
      ['/v1/s', { type: 'screen', name: 'S', anonymousId: 'a', messageId: 'js-s' }],
      ['/v1/b', { batch: [{ type: 'track', event: 'E', anonymousId: 'a', messageId: 'js-b' }], sentAt: new Date().toISOString() }],
      ['/v1/import', { batch: [{ type: 'track', event: 'E', anonymousId: 'a', messageId: 'js-import' }] }],
    ];
    for (const [path, body] of calls) expect(await json(await plain(path, body)), path).toMatchObject({ accepted: 1 });
    const wrong = await plain('/v1/t', { type: 'page', anonymousId: 'a', messageId: 'js-x' });
    expect((await json(wrong)).rejected[0].reason).toMatch(/sent to \/v1\/track/);
    expect(await fx.store.countEvents(fx.site.id)).toBe(8);
  });

  eachTransport('preflight allows the headers analytics.js asks for (X-Retry-Count on retries)', async (fx) => {
    const res = await fx.fetch('/v1/t', { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-retry-count' } });
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization,content-type,x-retry-count');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('refusing requests', () => {
  eachTransport('unknown or missing write key → 401 JSON', async (fx) => {
    const r1 = await fx.post('/v1/track', ev(1), { headers: { authorization: 'Basic ' + btoa('wk_nope:') } });
    expect(r1.status).toBe(401);
    expect(await json(r1)).toEqual({ error: 'unauthorized', message: 'Unknown write key' });
    const r2 = await fx.post('/v1/track', ev(1), { auth: 'none' });
    expect(r2.status).toBe(401);
    expect((await json(r2)).message).toMatch(/Missing write key/);
    expect(await fx.store.countEvents(fx.site.id)).toBe(0);
  });

  eachTransport('malformed JSON → 400 saying so', async (fx) => {
    const res = await fx.post('/v1/batch', '{"batch": [ {"type": "track",');
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error).toBe('bad_request');
    expect(body.message).toMatch(/not valid JSON/);
  });

  eachTransport('broken envelopes → 400 with a message a developer understands', async (fx) => {
    const cases: [unknown, RegExp][] = [
      [[ev(1)], /must be a JSON object/],
      [{ events: [ev(1)] }, /"batch" is missing or not an array/],
      [{ batch: {} }, /"batch" is missing or not an array/],
      [{ batch: [] }, /"batch" is empty/],
      [{ batch: [ev(1)], sentAt: 'soon' }, /"sentAt" must be an ISO-8601/],
      [{ batch: [ev(1)], context: [1] }, /"context" must be an object/],
      [JSON.parse('{"batch":[],"context":{"__proto__":{"x":1}}}'), /"batch" is empty/],
      [JSON.parse('{"batch":[{"type":"track"}],"context":{"__proto__":{"x":1}}}'), /context\.__proto__: forbidden key/],
      ['', /empty/],
    ];
    for (const [body, msg] of cases) {
      const res = await fx.post('/v1/batch', typeof body === 'string' ? body : JSON.stringify(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await json(res)).message).toMatch(msg);
    }
  });

  eachTransport('wrong content type → 415', async (fx) => {
    const res = await fx.post('/v1/track', 'a=1', { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(415);
    expect((await json(res)).message).toMatch(/application\/json or text\/plain/);
  });

  eachTransport('an event over 32 KB → 413 on /v1/track, rejected alone inside a batch', async (fx) => {
    const big = ev(1, { properties: { blob: 'x'.repeat(33 * 1024) } });
    const r1 = await fx.post('/v1/track', big);
    expect(r1.status).toBe(413);
    expect(await json(r1)).toEqual({ error: 'payload_too_large', message: 'Event larger than 32 KB' });
    const r2 = await fx.post('/v1/batch', { batch: [ev(0), big, ev(2)] });
    expect(await json(r2)).toEqual({ accepted: 2, duplicates: 0, rejected: [{ index: 1, messageId: 'msg-1', reason: 'event is larger than 32 KB' }] });
  });

  eachTransport('a body over 500 KB → 413, nothing stored', async (fx) => {
    const batch = Array.from({ length: 40 }, (_, i) => ev(i, { properties: { blob: 'y'.repeat(14_000) } }));
    const res = await fx.post('/v1/batch', { batch });
    expect(res.status).toBe(413);
    expect((await json(res)).message).toMatch(/larger than 500 KB/);
    expect(await fx.store.countEvents(fx.site.id)).toBe(0);
  });

  eachTransport('a streamed (chunked) body over 500 KB → 413 while reading', async (fx) => {
    let sent = 0;
    const chunk = new TextEncoder().encode('{"batch":[' + '"padding",'.repeat(6_000));
    const stream = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        // Ends far beyond the limit: the collector must stop reading at 500 KB, not buffer 6 MB.
        if (sent > 100) ctrl.close();
        else ctrl.enqueue(chunk);
        sent++;
      },
    });
    const res = await fx.fetch('/v1/batch', {
      method: 'POST',
      headers: { authorization: fx.writeAuth, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(sent).toBeLessThan(100);
  });

  eachTransport('more than 2 500 events → 413', async (fx) => {
    const batch = Array.from({ length: 2501 }, (_, i) => ({ type: 'page', anonymousId: 'a', messageId: `m${i}` }));
    const res = await fx.post('/v1/batch', { batch });
    expect(res.status).toBe(413);
    expect((await json(res)).message).toBe('Too many events: 2501 in one batch, at most 2500; split the batch');
    const ok = await fx.post('/v1/batch', { batch: batch.slice(0, 2500) });
    expect(await json(ok)).toMatchObject({ accepted: 2500 });
  });

  eachTransport('__proto__ / constructor keys are rejected and pollute nothing', async (fx) => {
    const raw = `{"batch":[
      {"type":"track","event":"E","anonymousId":"a","messageId":"p1","properties":{"__proto__":{"polluted":true}}},
      {"type":"track","event":"E","anonymousId":"a","messageId":"p2","context":{"constructor":{"prototype":{"polluted":true}}}},
      {"type":"track","event":"E","anonymousId":"a","messageId":"p3"}]}`;
    const res = await fx.post('/v1/batch', raw);
    const body = await json(res);
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r: { messageId: string; reason: string }) => [r.messageId, r.reason])).toEqual([
      ['p1', 'event.properties.__proto__: forbidden key'],
      ['p2', 'event.context.constructor: forbidden key'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  eachTransport('lone surrogates are rejected per event', async (fx) => {
    const raw = `{"batch":[{"type":"track","event":"E\\ud800","anonymousId":"a","messageId":"s1"},
      {"type":"track","event":"Emoji \\ud83d\\ude00","anonymousId":"a","messageId":"s2"}]}`;
    const body = await json(await fx.post('/v1/batch', raw));
    expect(body).toEqual({ accepted: 1, duplicates: 0, rejected: [{ index: 0, messageId: 's1', reason: 'event.event: string contains a lone UTF-16 surrogate' }] });
    expect(storedRows(fx)[0].event).toBe('Emoji 😀');
  });

  eachTransport('deeply nested JSON is rejected without a crash', async (fx) => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const r1 = await fx.post('/v1/batch', `{"batch":[{"type":"track","event":"E","anonymousId":"a","messageId":"d1","properties":{"x":${deep}}},{"type":"page","anonymousId":"a","messageId":"d2"}]}`);
    const body = await json(r1);
    expect(body.accepted).toBe(1);
    expect(body.rejected[0]).toMatchObject({ index: 0, messageId: 'd1' });
    expect(body.rejected[0].reason).toMatch(/nested deeper than 16 levels/);
    const r2 = await fx.post('/v1/batch', deep);
    expect(r2.status).toBe(400);
  });
});

describe('gzip bodies (Content-Encoding: gzip, as Segment accepts)', () => {
  const send = (fx: CollectorFixture, body: Uint8Array, enc = 'gzip') =>
    fx.fetch('/v1/batch', { method: 'POST', headers: { authorization: fx.writeAuth, 'content-type': 'application/json', 'content-encoding': enc }, body: body as unknown as BodyInit });

  eachTransport('a gzip batch is stored', async (fx) => {
    const res = await send(fx, gzipSync(JSON.stringify({ batch: [ev(1), ev(2)] })));
    expect(await json(res)).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
  });

  eachTransport('a zip bomb (tiny gzip inflating past 500 KB) → 413; corrupt gzip → 400; br → 415', async (fx) => {
    const bomb = gzipSync(JSON.stringify({ batch: [ev(1, { properties: { pad: ' '.repeat(5_000_000) } })] }));
    expect(bomb.length).toBeLessThan(50_000);
    const r1 = await send(fx, bomb);
    expect(r1.status).toBe(413);
    const r2 = await send(fx, gzipSync('{"batch":[]}').subarray(0, 12));
    expect(r2.status).toBe(400);
    const r3 = await send(fx, new TextEncoder().encode('{}'), 'br');
    expect(r3.status).toBe(415);
    expect(await fx.store.countEvents(fx.site.id)).toBe(0);
  });
});

describe('CORS', () => {
  eachTransport('an allowed origin gets exactly its origin back, no credentials', async (fx) => {
    const res = await fx.post('/v1/track', ev(1), { headers: { origin: 'https://shop.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/Origin/);
  });

  eachTransport('a disallowed origin → 403 without CORS headers, nothing stored', async (fx) => {
    const res = await fx.post('/v1/track', ev(1), { headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect((await json(res)).message).toMatch(/Origin https:\/\/evil.example is not allowed/);
    expect(await fx.store.countEvents(fx.site.id)).toBe(0);
  });

  eachTransport('a site with origin * accepts any page', async (fx) => {
    const { site } = await fx.store.createSite({ name: 'open', origins: ['*'] });
    const res = await fx.post(`/v1/track?writeKey=${site.writeKey}`, ev(1), { auth: 'none', headers: { origin: 'https://anything.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://anything.example');
  });

  eachTransport('preflight is answered and cacheable for allowed origins only', async (fx) => {
    const pre = (origin: string, q = '') =>
      fx.fetch(`/v1/batch${q}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
    const ok = await pre('https://shop.example');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(ok.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
    expect(Number(ok.headers.get('access-control-max-age'))).toBeGreaterThanOrEqual(7200);
    const bad = await pre('https://evil.example');
    expect(bad.headers.get('access-control-allow-origin')).toBeNull();
    const keyed = await pre('https://shop.example', `?writeKey=${fx.writeKey}`);
    expect(keyed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const wrongKey = await pre('https://shop.example', '?writeKey=wk_unknown');
    expect(wrongKey.headers.get('access-control-allow-origin')).toBeNull();
  });

  eachTransport('errors before the site is known are readable by the page (so the SDK drops instead of retrying)', async (fx) => {
    const res = await fx.post('/v1/batch', '{oops', { headers: { origin: 'https://shop.example' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  });
});

describe('rate limits', () => {
  eachTransport(
    'per write key: 429 with Retry-After once the burst is spent',
    async (fx) => {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 4; i++) {
        const res = await fx.post('/v1/track', ev(i), { headers: { origin: 'https://shop.example' } });
        statuses.push(res.status);
        if (res.status === 429) {
          retryAfter = res.headers.get('retry-after');
          // a browser SDK must be able to read it cross-origin
          expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
          expect(res.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
          expect((await json(res)).error).toBe('rate_limited');
        }
      }
      expect(statuses).toEqual([200, 200, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(await fx.store.countEvents(fx.site.id)).toBe(2);
    },
    { rateLimit: { perKey: { rate: 0.01, burst: 2 }, perIp: false } },
  );

  test('per client IP (from X-Forwarded-For behind a trusted proxy): one client is limited, another is not', () =>
    withCollector(
      async (fx) => {
        const from = (ip: string, i: number) => fx.post('/v1/track', ev(i), { headers: { 'x-forwarded-for': `6.6.6.6, ${ip}` } });
        expect((await from('198.51.100.1', 1)).status).toBe(200);
        expect((await from('198.51.100.1', 2)).status).toBe(429);
        expect((await from('198.51.100.2', 3)).status).toBe(200);
      },
      { transport: 'http', trustProxy: 1, rateLimit: { perIp: { rate: 0.01, burst: 1 }, perKey: false } },
    ));

  test('per client IP from the socket when no proxy is trusted (X-Forwarded-For ignored)', () =>
    withCollector(
      async (fx) => {
        expect((await fx.post('/v1/track', ev(1), { headers: { 'x-forwarded-for': '198.51.100.1' } })).status).toBe(200);
        expect((await fx.post('/v1/track', ev(2), { headers: { 'x-forwarded-for': '198.51.100.2' } })).status).toBe(429);
      },
      { transport: 'http', rateLimit: { perIp: { rate: 0.01, burst: 1 }, perKey: false } },
    ));
});

describe('health and metrics', () => {
  eachTransport('/healthz answers when the database does; /metrics counts ingest', async (fx) => {
    const h = await fx.fetch('/healthz');
    expect(h.status).toBe(200);
    expect(await json(h)).toEqual({ ok: true });
    await fx.post('/v1/batch', { batch: [ev(1), ev(1), { type: 'x' }] });
    await fx.post('/v1/track', ev(2), { auth: 'none' });
    const m = await fx.fetch('/metrics');
    expect(m.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await m.text();
    expect(text).toContain('omnitrail_events_accepted_total 1\n');
    expect(text).toContain('omnitrail_events_duplicate_total 1\n');
    expect(text).toContain('omnitrail_events_rejected_total 1\n');
    expect(text).toContain('omnitrail_requests_refused_total{status="401"} 1\n');
    expect(text).toMatch(/omnitrail_commit_wait_seconds_count 1\n/);
  });

  test('/healthz is 503 when the database is gone', () =>
    withCollector(async (fx) => {
      fx.store.db.close();
      const res = await fx.fetch('/healthz');
      expect(res.status).toBe(503);
      // The harness's store.close() then runs on the closed handle: it must still stop the
      // checkpoint worker and everything else, and not throw.
    }));

  eachTransport('unknown routes → 404 JSON', async (fx) => {
    const res = await fx.fetch('/v2/nothing');
    expect(res.status).toBe(404);
    expect(await json(res)).toMatchObject({ error: 'not_found' });
  });
});
