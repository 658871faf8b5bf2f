import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index';
import type { AppEnv } from '../routes/auth';
import { dashboardRoutes, LOGIN_BODY_MAX_BYTES } from './index';
import { hashPassword, LoginLimiter, setAdminPassword, verifyPassword } from './auth';

const ORIGIN = 'http://localhost';

let dir: string;
let store: SqliteStore;
let app: Hono<AppEnv>;

/** The real dashboard sub-app on a real SQLite store, mounted as createCollector mounts it. */
function makeApp(limiter?: LoginLimiter, publicUrl?: string) {
  const a = new Hono<AppEnv>();
  a.use('*', async (c, next) => {
    c.set('store', store);
    await next();
  });
  a.route('/dashboard', dashboardRoutes({ limiter, publicUrl }));
  return a;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ot-dash-'));
  store = openSqliteStore(join(dir, 'test.db'));
  app = makeApp();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Cookie jar for app.request: keeps `name=value` of every Set-Cookie (maxAge 0 deletes). */
class Jar {
  cookies = new Map<string, string>();
  take(res: Response) {
    for (const sc of res.headers.getSetCookie()) {
      const [pair] = sc.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i);
      if (/max-age=0/i.test(sc)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(i + 1));
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

async function get(path: string, jar: Jar) {
  const res = await app.request(path, { headers: { cookie: jar.header() } });
  jar.take(res);
  return res;
}

async function post(path: string, jar: Jar, form: Record<string, string>, headers: Record<string, string> = { origin: ORIGIN }) {
  const res = await app.request(path, {
    method: 'POST',
    headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  jar.take(res);
  return res;
}

function hidden(html: string, name: string): string {
  const m = html.match(new RegExp(`name="${name}" value="([^"]+)"`));
  if (!m) throw new Error(`no hidden ${name} in page`);
  return m[1];
}

async function login(jar: Jar, password: string) {
  const page = await get('/dashboard/login', jar);
  const nonce = hidden(await page.text(), '_login');
  return post('/dashboard/login', jar, { _login: nonce, password });
}

describe('password hashing', () => {
  it('stores PBKDF2 with its parameters and verifies only the right password', async () => {
    const h = await hashPassword('correct horse battery', 1000);
    expect(h).toMatch(/^pbkdf2-sha256\$1000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(h).not.toContain('correct');
    expect(await verifyPassword('correct horse battery', h)).toBe(true);
    expect(await verifyPassword('correct horse batterY', h)).toBe(false);
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
    // Same password, new salt, different hash.
    expect(await hashPassword('correct horse battery', 1000)).not.toBe(h);
  });

  it('the default hash uses 600k iterations', async () => {
    await setAdminPassword(store, 'long enough password');
    const auth = await store.getDashboardAuth();
    expect(auth?.passwordHash).toMatch(/^pbkdf2-sha256\$600000\$/);
  });
});

describe('login and sessions', () => {
  it('redirects to the login page without a session, keeping where the user wanted to go', async () => {
    const res = await get('/dashboard/ropo?from=2026-01-01', new Jar());
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard/login?next=%2Fdashboard%2Fropo%3Ffrom%3D2026-01-01');
  });

  it('logs in with the admin password; session cookie is HttpOnly, SameSite=Strict and signed', async () => {
    await setAdminPassword(store, 'admin password 1', 1000);
    const jar = new Jar();
    const res = await login(jar, 'admin password 1');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard');
    const sc = res.headers.getSetCookie().find((s) => s.startsWith('ot_session='))!;
    expect(sc).toMatch(/HttpOnly/);
    expect(sc).toMatch(/SameSite=Strict/);
    expect(sc).toMatch(/Path=\/dashboard/);
    const page = await get('/dashboard', jar);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<h1>Overview</h1>');
  });

  it('logs in with a site secret key, scoped to that site', async () => {
    const a = await store.createSite({ name: 'Shop A', origins: ['*'] });
    await store.createSite({ name: 'Shop B', origins: ['*'] });
    const jar = new Jar();
    expect((await login(jar, a.secretKey)).status).toBe(303);
    const html = await (await get('/dashboard', jar)).text();
    expect(html).toContain('Shop A');
    expect(html).not.toContain('Shop B');
  });

  it("a secret-key session asking for another site's ?site= gets 403, for pages and form posts; nothing is saved to its own site", async () => {
    const a = await store.createSite({ name: 'Shop A', origins: ['*'] });
    const b = await store.createSite({ name: 'Shop B', origins: ['*'] });
    const jar = new Jar();
    await login(jar, a.secretKey);
    const token = hidden(await (await get(`/dashboard/settings?site=${a.site.id}`, jar)).text(), '_csrf');
    const page = await get(`/dashboard/settings?site=${b.site.id}`, jar);
    expect(page.status).toBe(403);
    expect(await page.text()).toContain(`This session opens site ${a.site.id} only`);
    const saved = await post(`/dashboard/settings/site?site=${b.site.id}`, jar, { _csrf: token, timezone: 'Europe/Berlin' });
    expect(saved.status).toBe(403);
    expect((await store.getSite(a.site.id))!.settings.timezone).toBeUndefined();
    expect((await store.getSite(b.site.id))!.settings.timezone).toBeUndefined();
    // Its own site and no ?site= still work; an admin asking for a site that does not exist gets 404.
    expect((await post(`/dashboard/settings/site?site=${a.site.id}`, jar, { _csrf: token, timezone: 'Europe/Berlin' })).status).toBe(303);
    expect((await get('/dashboard/settings', jar)).status).toBe(200);
    await setAdminPassword(store, 'admin password 1', 1000);
    const admin = new Jar();
    await login(admin, 'admin password 1');
    expect((await get(`/dashboard/settings?site=${b.site.id}`, admin)).status).toBe(200);
    expect((await get('/dashboard/settings?site=nope', admin)).status).toBe(404);
  });

  it('a secret-key session ends when its key is rotated with no overlap or revoked; admin sessions stay', async () => {
    await setAdminPassword(store, 'admin password 1', 1000);
    const a = await store.createSite({ name: 'Shop A', origins: ['*'] });
    const admin = new Jar();
    await login(admin, 'admin password 1');
    // Rotation with an overlap keeps the old key, and its session, working until the overlap ends.
    const keyed = new Jar();
    expect((await login(keyed, a.secretKey)).status).toBe(303);
    expect((await get('/dashboard', keyed)).status).toBe(200);
    const { key: second } = await store.rotateKey(a.site.id, 'secret', 3600_000);
    expect((await get('/dashboard', keyed)).status).toBe(200);
    // Revoking the rotated-out keys ends the sessions opened with them.
    const onSecond = new Jar();
    await login(onSecond, second);
    expect(await store.revokeOldKeys(a.site.id, 'secret')).toBe(1);
    const gone = await get('/dashboard', keyed);
    expect(gone.status).toBe(303);
    expect(gone.headers.get('location')).toMatch(/^\/dashboard\/login/);
    expect(keyed.cookies.has('ot_session')).toBe(false);
    expect((await get('/dashboard', onSecond)).status).toBe(200);
    // The leaked-key answer, rotate with overlap 0: the session opened with the old key ends at
    // once, for posts as well as pages.
    await store.rotateKey(a.site.id, 'secret', 0);
    expect((await post('/dashboard/logout', onSecond, {})).status).toBe(401);
    expect((await get('/dashboard', onSecond)).status).toBe(303);
    // The admin session is not bound to any key.
    expect((await get('/dashboard', admin)).status).toBe(200);
  });

  it('refuses a wrong password, a tampered cookie and an expired login form', async () => {
    await setAdminPassword(store, 'admin password 1', 1000);
    const jar = new Jar();
    const bad = await login(jar, 'admin password 2');
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain('neither the admin password nor a site secret key');
    expect(jar.cookies.has('ot_session')).toBe(false);

    await login(jar, 'admin password 1');
    const forged = new Jar();
    const [payload, sig] = decodeURIComponent(jar.cookies.get('ot_session')!).split('.');
    forged.cookies.set('ot_session', encodeURIComponent(`${payload}x.${sig}`));
    expect((await get('/dashboard', forged)).status).toBe(303);

    const noNonce = await post('/dashboard/login', new Jar(), { password: 'admin password 1' });
    expect(noNonce.status).toBe(403);
  });

  it('changing the password ends existing sessions', async () => {
    await setAdminPassword(store, 'admin password 1', 1000);
    const jar = new Jar();
    await login(jar, 'admin password 1');
    expect((await get('/dashboard', jar)).status).toBe(200);
    await setAdminPassword(store, 'admin password 2', 1000);
    expect((await get('/dashboard', jar)).status).toBe(303);
  });

  it('locks login after repeated failures', async () => {
    app = makeApp(new LoginLimiter(3, 60_000));
    await setAdminPassword(store, 'admin password 1', 1000);
    const jar = new Jar();
    for (let i = 0; i < 3; i++) expect((await login(jar, 'nope nope')).status).toBe(401);
    const locked = await login(jar, 'admin password 1');
    expect(locked.status).toBe(429);
  });

  it('refuses an oversized login post with 413 before parsing it (no session needed to send one)', async () => {
    const jar = new Jar();
    const nonce = hidden(await (await get('/dashboard/login', jar)).text(), '_login');
    const res = await post('/dashboard/login', jar, { _login: nonce, password: 'x'.repeat(LOGIN_BODY_MAX_BYTES) });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('larger than 16 KB');
    // A normal-sized wrong login still gets the ordinary answer.
    expect((await post('/dashboard/login', jar, { _login: nonce, password: 'x'.repeat(200) })).status).toBe(401);
  });

  it('concurrent wrong logins cannot get more guesses than the limit', async () => {
    app = makeApp(new LoginLimiter(3, 60_000));
    await setAdminPassword(store, 'admin password 1', 1000);
    const jar = new Jar();
    const nonce = hidden(await (await get('/dashboard/login', jar)).text(), '_login');
    // All posted at once: each waits for its PBKDF2 check while the others arrive.
    const statuses = await Promise.all(Array.from({ length: 12 }, (_, i) => post('/dashboard/login', jar, { _login: nonce, password: `guess ${i} wrong` }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
  });

  it('logout ends the session', async () => {
    await setAdminPassword(store, 'admin password 1', 1000);
    const jar = new Jar();
    await login(jar, 'admin password 1');
    const token = hidden(await (await get('/dashboard', jar)).text(), '_csrf');
    const out = await post('/dashboard/logout', jar, { _csrf: token });
    expect(out.status).toBe(303);
    expect((await get('/dashboard', jar)).status).toBe(303);
  });

  it('logout ends the session on the server: a copy of the cookie no longer opens the dashboard', async () => {
    await setAdminPassword(store, 'admin password 1', 1000);
    const jar = new Jar();
    await login(jar, 'admin password 1');
    const copy = new Jar();
    copy.cookies = new Map(jar.cookies);
    const other = new Jar();
    await login(other, 'admin password 1');
    const token = hidden(await (await get('/dashboard', jar)).text(), '_csrf');
    expect((await post('/dashboard/logout', jar, { _csrf: token })).status).toBe(303);

    const replay = await get('/dashboard', copy);
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toMatch(/^\/dashboard\/login/);
    // The dead cookie is dropped.
    expect(copy.cookies.has('ot_session')).toBe(false);
    // Another session of the same admin is not affected.
    expect((await get('/dashboard', other)).status).toBe(200);
  });

  it('the login page of an ended session is the login form, not a redirect to the dashboard', async () => {
    await setAdminPassword(store, 'admin password 1', 1000);
    const jar = new Jar();
    await login(jar, 'admin password 1');
    const session = jar.cookies.get('ot_session')!;
    const token = hidden(await (await get('/dashboard', jar)).text(), '_csrf');
    await post('/dashboard/logout', jar, { _csrf: token });
    const copy = new Jar();
    copy.cookies.set('ot_session', session);
    const page = await get('/dashboard/login', copy);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="_login"');
  });
});

describe('CSRF', () => {
  it('rejects a form post without the session token, with a wrong token, or cross-site', async () => {
    await setAdminPassword(store, 'admin password 1', 1000);
    const jar = new Jar();
    await login(jar, 'admin password 1');
    const token = hidden(await (await get('/dashboard', jar)).text(), '_csrf');

    expect((await post('/dashboard/logout', jar, {})).status).toBe(403);
    expect((await post('/dashboard/logout', jar, { _csrf: token.slice(1) + 'A' })).status).toBe(403);
    // Right token but posted from another site: the Origin check refuses it first.
    const cross = await post('/dashboard/logout', jar, { _csrf: token }, { origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    expect((await get('/dashboard', jar)).status).toBe(200); // still logged in
    expect((await post('/dashboard/logout', jar, { _csrf: token })).status).toBe(303);
  });
});

describe('escaping and headers', () => {
  it('escapes site names and sends a strict CSP', async () => {
    const xss = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const a = await store.createSite({ name: xss, origins: ['*'] });
    await store.createSite({ name: 'Other', origins: ['*'] });
    await setAdminPassword(store, 'admin password 1', 1000);
    const jar = new Jar();
    await login(jar, 'admin password 1');
    const res = await get(`/dashboard?site=${a.site.id}`, jar);
    const html = await res.text();
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('keeps the login redirect on the dashboard (no open redirect)', async () => {
    await setAdminPassword(store, 'admin password 1', 1000);
    for (const next of ['https://evil.example/', '//evil.example/dashboard/', '/dashboard//evil.example']) {
      const jar = new Jar();
      const page = await get('/dashboard/login', jar);
      const nonce = hidden(await page.text(), '_login');
      const res = await post('/dashboard/login', jar, { _login: nonce, password: 'admin password 1', next });
      expect(res.headers.get('location')).toBe('/dashboard');
    }
  });
});

describe('behind a reverse proxy', () => {
  it('accepts the https origin the proxy forwards, still refuses other sites', async () => {
    await setAdminPassword(store, 'admin password 1', 1000);
    const jar = new Jar();
    await login(jar, 'admin password 1');
    const token = hidden(await (await get('/dashboard', jar)).text(), '_csrf');
    const proxied = { origin: 'https://localhost', 'x-forwarded-proto': 'https' };
    expect((await post('/dashboard/logout', jar, { _csrf: 'x' }, { origin: 'https://evil.example', 'x-forwarded-proto': 'https' })).status).toBe(403);
    expect((await post('/dashboard/logout', jar, { _csrf: token }, proxied)).status).toBe(303);
  });
});

describe('behind a TLS proxy that sends no X-Forwarded-Proto', () => {
  it('an https:// public URL makes the login and session cookies Secure; plain http without one does not', async () => {
    await setAdminPassword(store, 'admin password 1', 1000);
    const plain = await get('/dashboard/login', new Jar());
    expect(plain.headers.getSetCookie().find((s) => s.startsWith('ot_login='))).not.toMatch(/Secure/);
    app = makeApp(undefined, 'https://track.example');
    const jar = new Jar();
    const page = await get('/dashboard/login', jar);
    expect(page.headers.getSetCookie().find((s) => s.startsWith('ot_login='))).toMatch(/; Secure/);
    const nonce = hidden(await page.text(), '_login');
    // The request reaches the collector as http://localhost; the browser is on the public URL.
    const res = await post('/dashboard/login', jar, { _login: nonce, password: 'admin password 1' }, { origin: 'https://track.example' });
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie().find((s) => s.startsWith('ot_session='))).toMatch(/; Secure/);
  });
});

describe('date range across navigation', () => {
  it('the site switcher and the explain page\'s way back keep the chosen range', async () => {
    await setAdminPassword(store, 'admin password 1', 1000);
    const a = await store.createSite({ name: 'Shop A', origins: ['*'] });
    await store.createSite({ name: 'Shop B', origins: ['*'] });
    const jar = new Jar();
    await login(jar, 'admin password 1');
    const range = 'from=2026-01-01&amp;to=2026-01-31';
    const ropo = await (await get(`/dashboard/ropo?site=${a.site.id}&from=2026-01-01&to=2026-01-31`, jar)).text();
    const switcher = ropo.match(/<form method="get" action="\/dashboard\/ropo">[\s\S]*?<\/form>/)![0];
    expect(switcher).toContain('id="site-switch"');
    expect(switcher).toContain('<input type="hidden" name="from" value="2026-01-01"/>');
    expect(switcher).toContain('<input type="hidden" name="to" value="2026-01-31"/>');
    const overview = await (await get(`/dashboard?site=${a.site.id}&from=2026-01-01&to=2026-01-31`, jar)).text();
    const overviewSwitcher = overview.match(/<form method="get" action="\/dashboard">[\s\S]*?<\/form>/)![0];
    expect(overviewSwitcher).toContain('<input type="hidden" name="from" value="2026-01-01"/>');
    const explain = await (await get(`/dashboard/explain?site=${a.site.id}&order=NOPE&from=2026-01-01&to=2026-01-31`, jar)).text();
    expect(explain).toContain(`<a href="/dashboard/attribution?site=${a.site.id}&amp;${range}">← Attribution</a>`);
  });
});

describe('settings', () => {
  it('the admin changes the password: other sessions end, this one continues, the new password works', async () => {
    await setAdminPassword(store, 'admin password 1', 1000);
    const other = new Jar();
    await login(other, 'admin password 1');
    const jar = new Jar();
    await login(jar, 'admin password 1');
    const token = hidden(await (await get('/dashboard/settings', jar)).text(), '_csrf');
    const wrong = await post('/dashboard/settings/password', jar, { _csrf: token, current: 'nope', next: 'a new long password', again: 'a new long password' });
    expect(wrong.status).toBe(400);
    const res = await post('/dashboard/settings/password', jar, { _csrf: token, current: 'admin password 1', next: 'a new long password', again: 'a new long password' });
    expect(res.status).toBe(303);
    expect(await (await get('/dashboard/settings?changed=1', jar)).text()).toContain('Password changed');
    expect((await get('/dashboard', other)).status).toBe(303);
    expect((await login(new Jar(), 'admin password 1')).status).toBe(401);
    expect((await login(new Jar(), 'a new long password')).status).toBe(303);
  });

  it('a secret-key session cannot change the admin password', async () => {
    await setAdminPassword(store, 'admin password 1', 1000);
    const { secretKey } = await store.createSite({ name: 'Shop', origins: ['*'] });
    const jar = new Jar();
    await login(jar, secretKey);
    const token = hidden(await (await get('/dashboard/settings', jar)).text(), '_csrf');
    const res = await post('/dashboard/settings/password', jar, { _csrf: token, current: 'admin password 1', next: 'a new long password', again: 'a new long password' });
    expect(res.status).toBe(403);
    expect((await login(new Jar(), 'admin password 1')).status).toBe(303);
  });
});

describe('install snippet', () => {
  it('settings show the script-tag snippet with the site write key and this collector', async () => {
    const { site, secretKey } = await store.createSite({ name: 'Shop', origins: ['https://shop.example'] });
    const jar = new Jar();
    await login(jar, secretKey);
    const html = await (await get('/dashboard/settings', jar)).text();
    expect(html).toContain(`&lt;script async src=&quot;http://localhost/sdk/omnitrail.min.js&quot; data-write-key=&quot;${site.writeKey}&quot;&gt;&lt;/script&gt;`);
  });
});
