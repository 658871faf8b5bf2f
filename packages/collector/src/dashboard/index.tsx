/**
 * The dashboard, served by the collector under `/dashboard`: server-rendered hono/jsx pages,
 * no client framework and no client script at all. Login with the admin password (set at
 * first start) or a site's secret key; signed HttpOnly SameSite=Strict session cookies;
 * every POST needs both a same-origin request (hono `csrf`) and the session's CSRF token.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { secureHeaders } from 'hono/secure-headers';
import { HTTPException } from 'hono/http-exception';
import { getCookie } from 'hono/cookie';
import type { AppEnv } from '../routes/auth';
import type { Site, Store } from '../store/types';
import type { DashboardAuth, DashboardStore } from '../store/dashboard';
import {
  checkLoginNonce,
  csrfToken,
  endSession,
  ensureDashboardAuth,
  issueLoginNonce,
  LoginLimiter,
  readSession,
  safeEqual,
  secretKeyHash,
  SECURE_COOKIES_VAR,
  SESSION_COOKIE,
  startSession,
  verifyPassword,
  type Session,
} from './auth';
import { STYLE_CSS } from './style';
import { LoginPage } from './pages/login';
import { registerPages } from './pages/register';

/** Largest body `POST /dashboard/login` reads (413 beyond it). */
export const LOGIN_BODY_MAX_BYTES = 16 * 1024;

/** Everything a dashboard page handler gets. */
export interface PageCtx {
  store: Store & DashboardStore;
  session: Session;
  /** The site shown (null when the installation has no site yet). */
  site: Site | null;
  /** Sites the session may switch between. */
  sites: Site[];
  csrf: string;
  auth: DashboardAuth;
}

/** Hono env of dashboard routes: the collector's AppEnv plus the page context. */
export type DashEnv = { Variables: AppEnv['Variables'] & { page: PageCtx; [SECURE_COOKIES_VAR]?: boolean } };

/** Options of {@link dashboardRoutes}. */
export interface DashboardOptions {
  /** Override the login limiter (tests). */
  limiter?: LoginLimiter;
  /** The collector's client-IP function (socket, or X-Forwarded-For only behind a trusted proxy). */
  clientIp?: (c: Context) => string | null;
  /**
   * Public collector URL printed into new QR codes (default: the request's origin). An https://
   * URL also makes the dashboard's cookies `Secure` whatever scheme the request arrived with.
   */
  publicUrl?: string;
  /** See `CollectorOptions.webhookPublicFetch`. */
  webhookPublicFetch?: typeof fetch;
}

function dashStore(c: Context<DashEnv>): Store & DashboardStore {
  const s = c.get('store') as Store & Partial<DashboardStore>;
  if (typeof s.getDashboardAuth !== 'function' || typeof s.setDashboardAuth !== 'function') {
    throw new HTTPException(501, { message: 'This store does not implement the dashboard settings (DashboardStore).' });
  }
  return s as Store & DashboardStore;
}

/**
 * The session of this request if it still opens the dashboard: signed and not expired, not ended
 * by logout, and — for a secret-key session — its key still opens its site (rotated with no
 * overlap left, revoked or the site removed end it). One primary-key lookup each, no cache, so a
 * logout or a key rotation by the CLI in another process counts from the next request on.
 */
async function activeSession(c: Context, store: DashboardStore & Pick<Store, 'secretKeyActive'>, auth: DashboardAuth): Promise<Session | null> {
  const session = await readSession(c, auth.cookieSecret);
  if (!session) return null;
  if (await store.dashboardSessionEnded(session.sid)) return null;
  if (session.scope !== 'admin' && !(await store.secretKeyActive(session.scope.siteId, session.scope.keyHash))) return null;
  return session;
}

/**
 * The dashboard as a Hono sub-app; `createCollector` mounts it with
 * `app.route('/dashboard', dashboardRoutes())`.
 *
 * @example
 * import { dashboardRoutes } from './dashboard';
 * app.route('/dashboard', dashboardRoutes());
 */
export function dashboardRoutes(opts: DashboardOptions = {}): Hono<DashEnv> {
  const limiter = opts.limiter ?? new LoginLimiter();
  // Failed logins are counted per client IP; without one (edge runtime without IP) all share one bucket.
  const clientOf = (c: Context) => opts.clientIp?.(c) || 'all-clients';
  const app = new Hono<DashEnv>();
  // Behind a TLS proxy that sends no X-Forwarded-Proto the request says http://; the public URL
  // says where browsers really are.
  if (opts.publicUrl?.toLowerCase().startsWith('https://')) {
    app.use('*', async (c, next) => {
      c.set(SECURE_COOKIES_VAR, true);
      await next();
    });
  }

  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: 'same-origin',
      crossOriginResourcePolicy: 'same-origin',
      // A page with a policy of its own keeps it: the printable QR sheet is a standalone document
      // with an inline <style> (still no scripts). Overwriting it blocked the sheet's layout.
      overwrite: false,
    }),
  );
  // Same-origin check for every unsafe method (Sec-Fetch-Site, else Origin), before any handler.
  // Behind a TLS-terminating proxy the request URL says http:// while the browser's Origin says
  // https://: accept the public URL and the forwarded scheme too.
  app.use(
    '*',
    csrf({
      origin: (origin, c) => {
        const url = new URL(c.req.url);
        if (origin === url.origin || (opts.publicUrl && origin === opts.publicUrl)) return true;
        return c.req.header('x-forwarded-proto') === 'https' && origin === `https://${url.host}`;
      },
    }),
  );
  app.use('*', async (c, next) => {
    await next();
    // Pages show customer data: never keep them in shared or back/forward caches.
    if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
  });

  // The overview's canonical URL is /dashboard; a trailing slash is the same page.
  app.use('*', async (c, next) => {
    if (c.req.path === '/dashboard/') return c.redirect(`/dashboard${new URL(c.req.url).search}`, 308);
    await next();
  });

  app.get('/assets/style.css', (c) =>
    c.body(STYLE_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' }),
  );

  app.get('/login', async (c) => {
    const store = dashStore(c);
    const auth = await ensureDashboardAuth(store);
    if (await activeSession(c, store, auth)) return c.redirect('/dashboard', 303);
    const nonce = await issueLoginNonce(c, auth.cookieSecret);
    const next = c.req.query('next');
    return c.html(<LoginPage nonce={nonce} hasPassword={!!auth.passwordHash} next={next} />);
  });

  // Anyone can post here before logging in: refuse a big body while it is read, instead of
  // buffering and parsing it (a 300 MB post took the server from 93 MB to 976 MB of memory).
  // The form is a nonce, a password or secret key and a `next` path.
  const loginBody = bodyLimit({
    maxSize: LOGIN_BODY_MAX_BYTES,
    onError: () => {
      throw new HTTPException(413, { message: 'The login form is larger than 16 KB.' });
    },
  });

  app.post('/login', loginBody, async (c) => {
    const store = dashStore(c);
    const auth = await ensureDashboardAuth(store);
    const body = await c.req.parseBody();
    const nonce = typeof body._login === 'string' ? body._login : undefined;
    const again = async (error: string, status: 400 | 401 | 403 | 429) => {
      const fresh = await issueLoginNonce(c, auth.cookieSecret);
      const next = typeof body.next === 'string' ? body.next : undefined;
      return c.html(<LoginPage nonce={fresh} hasPassword={!!auth.passwordHash} error={error} next={next} />, status);
    };
    if (!(await checkLoginNonce(c, auth.cookieSecret, nonce))) {
      return again('Your login form expired. Please try again.', 403);
    }
    const client = clientOf(c);
    const wait = limiter.blockedFor(client);
    if (wait > 0) return again(`Too many failed logins. Try again in ${Math.ceil(wait / 60000)} minute(s).`, 429);
    const secret = typeof body.password === 'string' ? body.password : '';
    if (!secret) return again('Enter the admin password or a site secret key.', 400);
    // Count the attempt before the slow check (PBKDF2 runs off the main thread): counted only after
    // it, a burst of concurrent guesses all passed blockedFor() and 40 parallel posts got 19 guesses
    // past a limit of 10. A success clears the count again.
    limiter.fail(client);
    let scope: Session['scope'] | null = null;
    if (auth.passwordHash && (await verifyPassword(secret, auth.passwordHash))) scope = 'admin';
    else {
      const site = await store.siteBySecretKey(secret);
      if (site) scope = { siteId: site.id, keyHash: await secretKeyHash(secret) };
    }
    if (!scope) {
      return again('That is neither the admin password nor a site secret key.', 401);
    }
    limiter.succeed(client);
    await startSession(c, auth.cookieSecret, scope);
    const next = typeof body.next === 'string' && /^\/dashboard(\/[A-Za-z0-9/_\-?=&.%]*)?(\?[A-Za-z0-9/_\-?=&.%]*)?$/.test(body.next) && !body.next.includes('//') ? body.next : '/dashboard';
    return c.redirect(next, 303);
  });

  // Everything below needs a session.
  app.use('*', async (c, next) => {
    const store = dashStore(c);
    const auth = await ensureDashboardAuth(store);
    const session = await activeSession(c, store, auth);
    if (!session) {
      // Drop a cookie that no longer opens anything (ended, expired, its key rotated out).
      if (getCookie(c, SESSION_COOKIE) !== undefined) endSession(c);
      if (c.req.method === 'GET') {
        const url = new URL(c.req.url);
        return c.redirect(`/dashboard/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
      }
      throw new HTTPException(401, { message: 'Not logged in.' });
    }
    const token = await csrfToken(auth.cookieSecret, session.sid);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const ct = c.req.header('content-type') ?? '';
      const body = ct.includes('form') ? await c.req.parseBody() : {};
      const sent = typeof body._csrf === 'string' ? body._csrf : c.req.header('x-csrf-token') ?? '';
      if (!safeEqual(sent, token)) throw new HTTPException(403, { message: 'Missing or wrong CSRF token: reload the page and submit the form again.' });
    }
    let sites: Site[];
    if (session.scope === 'admin') sites = await store.listSites();
    else {
      const one = await store.getSite(session.scope.siteId);
      if (!one) {
        endSession(c);
        return c.redirect('/dashboard/login', 303);
      }
      sites = [one];
    }
    const wanted = c.req.query('site');
    const site = wanted ? sites.find((s) => s.id === wanted) : sites[0] || null;
    // A ?site= this session cannot open is refused, never swapped for a site it can: a form posted
    // for another site saved to the session's own site, and a page showed its data under a URL
    // naming another site.
    if (site === undefined) {
      if (session.scope === 'admin') throw new HTTPException(404, { message: `There is no site ${wanted}.` });
      throw new HTTPException(403, { message: `This session opens site ${session.scope.siteId} only; log in with the admin password or site ${wanted}'s secret key to open that site.` });
    }
    c.set('page', { store, session, site, sites, csrf: token, auth });
    await next();
  });

  app.post('/logout', async (c) => {
    // The cookie is signed, not stored: deleting it in this browser leaves any copy of it valid for
    // the rest of its 12 hours, so the session id is recorded as ended until then.
    const { store, session } = c.get('page');
    await store.endDashboardSession(session.sid, session.exp);
    endSession(c);
    return c.redirect('/dashboard/login', 303);
  });

  registerPages(app, { publicUrl: opts.publicUrl, webhookPublicFetch: opts.webhookPublicFetch });

  app.onError((err, c) => {
    const status = err instanceof HTTPException ? err.status : 500;
    const message =
      err instanceof HTTPException
        ? err.message || (status === 403 ? 'Cross-site form submissions are refused.' : 'Request refused.')
        : 'Internal error';
    if (status >= 500) console.error(err);
    return c.html(
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`Error ${status} · Omnitrail`}</title>
          <link rel="stylesheet" href="/dashboard/assets/style.css" />
        </head>
        <body>
          <main class="login">
            <h1>{`Error ${status}`}</h1>
            <p class="error" role="alert">{message}</p>
            <p>
              <a href="/dashboard">Back to the dashboard</a>
            </p>
          </main>
        </body>
      </html>,
      status as 400,
    );
  });

  return app;
}
