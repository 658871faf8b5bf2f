/**
 * Dashboard login: password hashing (PBKDF2 via Web Crypto, so it runs on any runtime),
 * signed session cookies and per-session CSRF tokens. No `node:*` imports: the dashboard
 * is part of the edge-safe collector core.
 */
import type { Context } from 'hono';
import { getSignedCookie, setSignedCookie, deleteCookie } from 'hono/cookie';
import type { DashboardAuth, DashboardStore } from '../store/dashboard';

/**
 * PBKDF2-HMAC-SHA256 iterations for new hashes (OWASP 2023 recommends 600 000).
 * The count is stored inside each hash, so raising it later keeps old hashes valid.
 */
export const PBKDF2_ITERATIONS = 600_000;

/** Session lifetime: one working day. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Cookie names. */
export const SESSION_COOKIE = 'ot_session';
export const LOGIN_COOKIE = 'ot_login';

const enc = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(s: string): Uint8Array {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Random bytes as lowercase hex. */
export function randomHex(bytes = 32): string {
  const a = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Constant-time comparison of two strings (length leaks, content does not). */
export function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', enc.encode(password.normalize('NFC')), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations }, key, 256);
  return new Uint8Array(bits);
}

/**
 * Hash a password for storage: `pbkdf2-sha256$<iterations>$<salt>$<hash>`.
 *
 * @example
 * const stored = await hashPassword('correct horse battery staple');
 * await verifyPassword('correct horse battery staple', stored); // true
 */
export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await pbkdf2(password, salt, iterations);
  return `pbkdf2-sha256$${iterations}$${b64url(salt)}$${b64url(hash)}`;
}

/**
 * Check a password against a stored hash. Unknown formats never match.
 *
 * @example
 * if (!(await verifyPassword(input, auth.passwordHash))) throw new Error('wrong password');
 */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  if (!stored) return false;
  const [alg, iter, salt, hash] = stored.split('$');
  const iterations = Number(iter);
  if (alg !== 'pbkdf2-sha256' || !Number.isInteger(iterations) || iterations < 1 || !salt || !hash) return false;
  const got = await pbkdf2(password, fromB64url(salt), iterations);
  return safeEqual(b64url(got), hash);
}

/**
 * Read the dashboard's auth settings, creating the cookie secret on first use
 * (a fresh install has no admin password: only the site's secret key logs in).
 *
 * @example
 * const auth = await ensureDashboardAuth(store);
 */
export async function ensureDashboardAuth(store: DashboardStore): Promise<DashboardAuth> {
  const existing = await store.getDashboardAuth();
  if (existing) return existing;
  const auth: DashboardAuth = { passwordHash: null, cookieSecret: randomHex(32), updatedAt: Date.now() };
  await store.setDashboardAuth(auth);
  // Two first requests may race; whichever write landed last wins for both.
  return (await store.getDashboardAuth()) ?? auth;
}

/**
 * Set (or replace) the admin password. Rotates the cookie secret, so every existing
 * dashboard session ends.
 *
 * @example
 * await setAdminPassword(store, 'a long passphrase');
 */
export async function setAdminPassword(store: DashboardStore, password: string, iterations = PBKDF2_ITERATIONS): Promise<void> {
  if (password.length < 8) throw new Error('The admin password needs at least 8 characters.');
  await store.setDashboardAuth({ passwordHash: await hashPassword(password, iterations), cookieSecret: randomHex(32), updatedAt: Date.now() });
}

/** A logged-in dashboard user: the admin (all sites) or one site via its secret key. */
export interface Session {
  /** Random session id; the CSRF token is derived from it. */
  sid: string;
  /**
   * `admin`, or the one site this session may see together with the SHA-256 (hex) of the secret
   * key it was opened with: the session lives only as long as that key opens the site
   * (`store.secretKeyActive`, checked on every request), so rotating or revoking a leaked key
   * also ends the dashboard sessions opened with it.
   */
  scope: 'admin' | { siteId: string; keyHash: string };
  /** Expiry, ms since epoch. */
  exp: number;
}

function encodeSession(s: Session): string {
  const fields = s.scope === 'admin' ? [s.sid, 'admin', s.exp] : [s.sid, `site:${s.scope.siteId}`, s.exp, s.scope.keyHash];
  return b64url(enc.encode(JSON.stringify(fields)));
}

function decodeSession(v: string): Session | null {
  try {
    const [sid, scope, exp, keyHash] = JSON.parse(new TextDecoder().decode(fromB64url(v))) as [string, string, number, unknown];
    if (typeof sid !== 'string' || typeof scope !== 'string' || typeof exp !== 'number') return null;
    if (scope === 'admin') return { sid, scope: 'admin', exp };
    // A site session without its key's hash (a cookie from before sessions were bound to keys)
    // cannot be checked against rotation: it is no session.
    if (scope.startsWith('site:') && typeof keyHash === 'string' && /^[0-9a-f]{64}$/.test(keyHash)) {
      return { sid, scope: { siteId: scope.slice(5), keyHash }, exp };
    }
    return null;
  } catch {
    return null;
  }
}

/**
 * SHA-256 of a secret key as lowercase hex: the form in which the store keeps secret keys, so a
 * session can name its key without holding it.
 *
 * @example
 * const keyHash = await secretKeyHash('sk_…');
 */
export async function secretKeyHash(secretKey: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(secretKey)));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The context variable that marks the dashboard's public URL as https:// (`dashboardRoutes` sets
 * it from `publicUrl`): a TLS proxy that sends no X-Forwarded-Proto leaves the request looking
 * like plain http, yet the browser is on https and the cookies must be `Secure`.
 */
export const SECURE_COOKIES_VAR = 'secureCookies';

function isHttps(c: Context): boolean {
  if ((c as Context<{ Variables: { [SECURE_COOKIES_VAR]?: boolean } }>).get(SECURE_COOKIES_VAR)) return true;
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

/** Cookie options shared by the session and login cookies: never readable by scripts, never sent cross-site. */
function cookieOpts(c: Context, maxAgeS: number) {
  return { path: '/dashboard', httpOnly: true, sameSite: 'Strict' as const, secure: isHttps(c), maxAge: maxAgeS };
}

/**
 * Start a session: sets the signed, HttpOnly, SameSite=Strict session cookie.
 *
 * @example
 * await startSession(c, auth.cookieSecret, 'admin');
 */
export async function startSession(c: Context, secret: string, scope: Session['scope'], now = Date.now()): Promise<Session> {
  const s: Session = { sid: randomHex(16), scope, exp: now + SESSION_TTL_MS };
  await setSignedCookie(c, SESSION_COOKIE, encodeSession(s), secret, cookieOpts(c, SESSION_TTL_MS / 1000));
  return s;
}

/**
 * The session of this request, or null (missing, forged, or expired cookie).
 *
 * @example
 * const s = await readSession(c, auth.cookieSecret);
 */
export async function readSession(c: Context, secret: string, now = Date.now()): Promise<Session | null> {
  const v = await getSignedCookie(c, secret, SESSION_COOKIE);
  if (!v) return null;
  const s = decodeSession(v);
  return s && s.exp > now ? s : null;
}

/** End the session (log out). */
export function endSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/dashboard' });
}

async function hmac(secret: string, msg: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return b64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(msg))));
}

/**
 * The CSRF token of a session: HMAC(secret, sid). Every form carries it in `_csrf`;
 * a cross-site page cannot read it, so it cannot forge a form post.
 *
 * @example
 * const token = await csrfToken(auth.cookieSecret, session.sid);
 */
export function csrfToken(secret: string, sid: string): Promise<string> {
  return hmac(secret, `csrf:${sid}`);
}

/**
 * Before login there is no session: the login form is protected by a double-submit
 * nonce (signed cookie + hidden field), on top of the Origin check.
 */
export async function issueLoginNonce(c: Context, secret: string): Promise<string> {
  const nonce = randomHex(16);
  await setSignedCookie(c, LOGIN_COOKIE, nonce, secret, cookieOpts(c, 60 * 60));
  return nonce;
}

/** True when the submitted login nonce matches the signed cookie. */
export async function checkLoginNonce(c: Context, secret: string, submitted: string | undefined): Promise<boolean> {
  const v = await getSignedCookie(c, secret, LOGIN_COOKIE);
  return !!v && !!submitted && safeEqual(v, submitted);
}

/**
 * Counts failed logins per client in memory and refuses after `max` failures within
 * `windowMs`, so a password cannot be guessed at network speed. (PBKDF2 already makes
 * each guess cost ~0.3 s of CPU.) The login route calls `fail` before it checks a password and
 * `succeed` after a right one, so guesses still being checked count too.
 */
export class LoginLimiter {
  private failures = new Map<string, number[]>();
  constructor(
    private max = 10,
    private windowMs = 15 * 60 * 1000,
  ) {}
  /** Milliseconds until this client may try again, or 0. */
  blockedFor(client: string, now = Date.now()): number {
    const list = (this.failures.get(client) ?? []).filter((t) => t > now - this.windowMs);
    this.failures.set(client, list);
    return list.length >= this.max ? list[0] + this.windowMs - now : 0;
  }
  fail(client: string, now = Date.now()): void {
    const list = this.failures.get(client) ?? [];
    list.push(now);
    this.failures.set(client, list);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value as string);
  }
  succeed(client: string): void {
    this.failures.delete(client);
  }
}
