import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCollector } from '../app';
import { openSqliteStore } from '../store/sqlite/index';
import type { Store } from '../store/types';
import { cookieDomainFor, ID_COOKIE } from './idcookie';

let dir: string;
let store: Store;
let writeKey: string;
let app: ReturnType<typeof createCollector>;
const ID = '0192f3a4-5b6c-7d8e-9f01-23456789abcd';

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ot-idcookie-'));
  store = openSqliteStore(join(dir, 'db.sqlite'));
  await store.migrate();
  writeKey = (await store.createSite({ name: 'shop', origins: ['https://www.shop.example'] })).site.writeKey;
  app = createCollector({ store, rateLimit: false });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (body: unknown, origin: string | null = 'https://www.shop.example', host = 'https://t.shop.example') =>
  app.request(`${host}/v1/id?writeKey=${writeKey}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', ...(origin ? { origin } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('POST /v1/id (server-set ID cookie for Safari ITP)', () => {
  it('re-sets the SDK cookie on the registrable domain, readable by script, with credentialed CORS', async () => {
    const res = await post({ anonymousId: ID, domain: 'shop.example' });
    expect(res.status).toBe(204);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toContain(`${ID_COOKIE}=${ID}`);
    expect(cookie).toContain('Domain=shop.example');
    expect(cookie).toContain('Max-Age=34560000');
    expect(cookie).toContain('Path=/');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Secure');
    expect(cookie).not.toMatch(/HttpOnly/i);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://www.shop.example');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('sets a host-only cookie when the collector is addressed by IP (local development)', async () => {
    await store.createSite({ name: 'local', origins: ['*'] }).then((s) => (writeKey = s.site.writeKey));
    const res = await post({ anonymousId: ID, domain: '127.0.0.1' }, 'http://127.0.0.1:5173', 'http://127.0.0.1:8787');
    expect(res.status).toBe(204);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toContain(`${ID_COOKIE}=${ID}`);
    expect(cookie).not.toContain('Domain=');
    expect(cookie).not.toContain('Secure');
  });

  it('refuses a domain that does not cover both the collector and the page', async () => {
    const third = await post({ anonymousId: ID, domain: 'tracker.example' });
    expect(third.status).toBe(400);
    expect((await third.json()).message).toMatch(/must cover both/);
    const otherCollector = await post({ anonymousId: ID, domain: 'shop.example' }, 'https://www.shop.example', 'https://collector.vendor.example');
    expect(otherCollector.status).toBe(400);
    expect(otherCollector.headers.get('set-cookie')).toBeNull();
  });

  it('refuses unknown write keys, foreign origins and malformed IDs or bodies', async () => {
    const unknown = await app.request('https://t.shop.example/v1/id?writeKey=nope', { method: 'POST', body: JSON.stringify({ anonymousId: ID }) });
    expect(unknown.status).toBe(401);
    expect((await post({ anonymousId: ID }, 'https://evil.example')).status).toBe(403);
    for (const bad of [{ anonymousId: 'x' }, { anonymousId: 'a;b=c; Domain=evil' }, { anonymousId: 42 }]) {
      const res = await post(bad);
      expect(res.status).toBe(400);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect((await post('not json')).status).toBe(400);
  });

  it('computes cookie domains by RFC 6265 domain-match', () => {
    expect(cookieDomainFor('t.shop.example', 'www.shop.example', '.Shop.Example')).toBe('shop.example');
    expect(cookieDomainFor('t.shop.example', 'www.shop.example', undefined)).toBeUndefined();
    expect(() => cookieDomainFor('t.shop.example', 'www.shop.example', 'example')).toThrow();
    expect(() => cookieDomainFor('t.shop.example', 'www.othershop.example', 'shop.example')).toThrow();
    expect(() => cookieDomainFor('tshop.example', 'www.shop.example', 'shop.example')).toThrow();
  });
});
