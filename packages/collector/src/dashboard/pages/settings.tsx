/**
 * Settings: the site's install snippet, reporting time zone, phone-number country and cookieless
 * mode (`settings.cookieless`, as `omnitrail site update --cookieless`), its reporting currency
 * and fixed exchange rates (`withExchange`, the rule of `--currency`/`--rate`), its custom channel rules
 * (JSON, validated by the rule parser before they are saved), and the admin password (admin
 * sessions only). Changing the password rotates the cookie secret, so every other session ends;
 * this one is renewed.
 */
import type { Context, Hono } from 'hono';
import { setAdminPassword, startSession, verifyPassword } from '../auth';
import type { DashEnv } from '../index';
import { checkCountry, siteCountry } from '../../pii/index';
import { checkTimeZone, siteTimeZone } from '../../reports/zone';
import { parseChannelRules, RuleError } from '../../attribution/rules';
import { ExchangeError, siteExchange, withExchange } from '../../reports/exchange';
import { Layout, siteQuery } from '../layout';

/** The zones the runtime knows, UTC first (for the time zone field's suggestions). */
function timeZoneNames(): string[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return ['UTC', ...all.filter((z) => z !== 'UTC')];
}

/** The collector's public origin as the browser sees it (behind a TLS proxy: https). */
function publicOrigin(c: Context<DashEnv>): string {
  const url = new URL(c.req.url);
  return c.req.header('x-forwarded-proto') === 'https' ? `https://${url.host}` : url.origin;
}

/** The script-tag snippet for a site: the stub queue plus the SDK served by this collector. */
export function snippet(origin: string, writeKey: string): string {
  return [
    '<script>window.omnitrail=window.omnitrail||function(){(omnitrail.q=omnitrail.q||[]).push(arguments)};</script>',
    `<script async src="${origin}/sdk/omnitrail.min.js" data-write-key="${writeKey}"></script>`,
  ].join('\n');
}

/** The site's custom channel rules as the textarea shows them: pretty JSON, or empty for none. */
function rulesText(settings: Record<string, unknown>): string {
  const r = settings.channelRules;
  return Array.isArray(r) && r.length ? JSON.stringify(r, null, 2) : '';
}

/** The site's rates as the textarea shows them: one `USD=0.92` per line. */
function ratesText(settings: Record<string, unknown>): string {
  return Object.entries(siteExchange(settings)?.rates ?? {})
    .map(([c, r]) => `${c}=${r}`)
    .join('\n');
}

/** What the forms keep after a refused save, so the mistake can be fixed in place. */
interface Drafts {
  rules?: string;
  currency?: { currency: string; rates: string };
}

function page(c: Context<DashEnv>, msg: { ok: boolean; text: string } | null, status: 200 | 400 | 403 = 200, drafts: Drafts = {}) {
  const p = c.get('page');
  const admin = p.session.scope === 'admin';
  return c.html(
    <Layout title="Settings" active="/settings" site={p.site} sites={p.sites} csrf={p.csrf}>
      {msg ? (
        <p class={msg.ok ? 'success' : 'error'} role={msg.ok ? 'status' : 'alert'}>
          {msg.text}
        </p>
      ) : null}
      {p.site ? (
        <section class="card">
          <h2>{`Install the tracker on ${p.site.name}`}</h2>
          <p>Paste this into every page of the shop (before the closing head tag):</p>
          <pre class="snippet">
            <code>{snippet(publicOrigin(c), p.site.writeKey)}</code>
          </pre>
          <p class="muted">
            {`Write key ${p.site.writeKey} (public). Allowed origins: ${p.site.origins.join(', ') || 'none'}. Server APIs (orders, touchpoints, reports, QR) take the site's secret key as "Authorization: Bearer …".`}
          </p>
        </section>
      ) : null}
      {p.site ? (
        <section class="card">
          <h2>Time zone, country and cookieless mode</h2>
          <form method="post" action={`/dashboard/settings/site${siteQuery(p.site)}`} class="stack">
            <input type="hidden" name="_csrf" value={p.csrf} />
            <div class="field">
              <label for="timezone">Reporting time zone (IANA name)</label>
              <p class="hint" id="tz-hint">
                Where the shop's days begin and end in every report, chart and date field of the dashboard and in the reports API. Default UTC.
              </p>
              <input id="timezone" name="timezone" list="timezones" value={siteTimeZone(p.site.settings)} aria-describedby="tz-hint" required />
              <datalist id="timezones">
                {timeZoneNames().map((z) => (
                  <option value={z} />
                ))}
              </datalist>
            </div>
            <div class="field">
              <label for="country">Country of national phone numbers</label>
              <p class="hint" id="country-hint">
                Two letters, e.g. DE. A number written without its +code (030 1234567) is read in this country; without it, such numbers cannot link a customer.
              </p>
              <input id="country" name="defaultCountry" value={siteCountry(p.site.settings) ?? ''} maxlength={2} autocomplete="off" aria-describedby="country-hint" />
            </div>
            <div class="field">
              <label for="cookieless">
                <input id="cookieless" name="cookieless" type="checkbox" value="on" checked={p.site.settings.cookieless === true} aria-describedby="cookieless-hint" /> Count
                page views of visitors who declined consent (cookieless mode)
              </label>
              <p class="hint" id="cookieless-hint">
                The tracker then sends page views without any ID when consent is denied; they count as pages and daily visitors (a hash salted per day, kept only in memory) and are never linked to a person. The Overview shows their totals apart from the consented visitors; <code>omnitrail report cookieless</code> and <code>/v1/reports/cookieless</code> give them per day and path. Off: such page views are refused.
              </p>
            </div>
            <button type="submit">Save</button>
          </form>
        </section>
      ) : null}
      {p.site ? (
        <section class="card">
          <h2>Currency</h2>
          <form method="post" action={`/dashboard/settings/currency${siteQuery(p.site)}`} class="stack">
            <input type="hidden" name="_csrf" value={p.csrf} />
            <div class="field">
              <label for="currency">Reporting currency</label>
              <p class="hint" id="currency-hint">
                Three letters, e.g. EUR. Revenue in reports and on the dashboard is shown in it, and the order form suggests it. Empty: orders are added in the currency they were placed in.
              </p>
              <input id="currency" name="currency" value={drafts.currency?.currency ?? siteExchange(p.site.settings)?.currency ?? ''} maxlength={3} autocomplete="off" aria-describedby="currency-hint" />
            </div>
            <div class="field">
              <label for="rates">Fixed exchange rates</label>
              <p class="hint" id="rates-hint">
                One per line, what one unit of another currency is worth in the reporting currency, e.g. USD=0.92. Orders in those currencies are converted before they are added; orders in a currency without a rate are added as they are, and the sums say so. Fixed rates keep a report the same when it is run again.
              </p>
              <textarea id="rates" name="rates" rows={4} spellcheck={false} aria-describedby="rates-hint">
                {drafts.currency?.rates ?? ratesText(p.site.settings)}
              </textarea>
            </div>
            <button type="submit">Save currency</button>
          </form>
        </section>
      ) : null}
      {p.site ? (
        <section class="card">
          <h2>Channel rules</h2>
          <form method="post" action={`/dashboard/settings/channel-rules${siteQuery(p.site)}`} class="stack">
            <input type="hidden" name="_csrf" value={p.csrf} />
            <div class="field">
              <label for="channelRules">Custom channel rules (JSON)</label>
              <p class="hint" id="rules-hint">
                {
                  'A JSON array of rules, checked in order before the default channel table; the first that matches names the channel, e.g. [{"channel": "Partners", "when": {"source": ["partner-a", "partner-b"]}}]. Empty: the defaults only. Reports and the dashboard use them from the next request; "omnitrail report --rules file.json" tries rules without saving them.'
                }
              </p>
              <textarea id="channelRules" name="channelRules" rows={10} spellcheck={false} aria-describedby="rules-hint">
                {drafts.rules ?? rulesText(p.site.settings)}
              </textarea>
            </div>
            <button type="submit">Save channel rules</button>
          </form>
        </section>
      ) : null}
      <section class="card">
        <h2>Admin password</h2>
        {admin ? (
          <form method="post" action="/dashboard/settings/password" class="stack">
            <input type="hidden" name="_csrf" value={p.csrf} />
            <div class="field">
              <label for="current">Current password</label>
              <input id="current" name="current" type="password" autocomplete="current-password" required />
            </div>
            <div class="field">
              <label for="next">New password</label>
              <p class="hint" id="next-hint">
                At least 12 characters. Every other dashboard session is logged out.
              </p>
              <input id="next" name="next" type="password" autocomplete="new-password" minlength={12} aria-describedby="next-hint" required />
            </div>
            <div class="field">
              <label for="again">New password again</label>
              <input id="again" name="again" type="password" autocomplete="new-password" minlength={12} required />
            </div>
            <button type="submit">Change password</button>
          </form>
        ) : (
          <p class="muted">You logged in with a site secret key: only the admin can change the admin password.</p>
        )}
      </section>
    </Layout>,
    status,
  );
}

/**
 * Register `/settings`.
 *
 * @example
 * registerSettingsPages(app);
 */
export function registerSettingsPages(app: Hono<DashEnv>): void {
  app.get('/settings', (c) => {
    const done = c.req.query('changed') ? 'Password changed. Other sessions are logged out.' : c.req.query('saved') ? 'Settings saved.' : null;
    return page(c, done ? { ok: true, text: done } : null);
  });
  app.post('/settings/site', async (c) => {
    const p = c.get('page');
    if (!p.site) return page(c, { ok: false, text: 'No site.' }, 400);
    const b = await c.req.parseBody();
    const tz = checkTimeZone(typeof b.timezone === 'string' ? b.timezone.trim() : '');
    if (!tz) return page(c, { ok: false, text: 'Unknown time zone: use an IANA name such as Europe/Berlin or America/New_York.' }, 400);
    const rawCountry = typeof b.defaultCountry === 'string' ? b.defaultCountry.trim() : '';
    const country = rawCountry ? checkCountry(rawCountry) : null;
    if (rawCountry && !country) return page(c, { ok: false, text: `Unknown country "${rawCountry}": use a two-letter code such as DE, AT or CH.` }, 400);
    // An empty country field clears the setting.
    const { defaultCountry: _cleared, ...rest } = p.site.settings;
    // An unchecked box is not sent: off.
    await p.store.updateSiteSettings(p.site.id, { ...rest, timezone: tz, ...(country ? { defaultCountry: country } : {}), cookieless: b.cookieless === 'on' });
    return c.redirect(`/dashboard/settings${siteQuery(p.site)}&saved=1`, 303);
  });
  app.post('/settings/currency', async (c) => {
    const p = c.get('page');
    if (!p.site) return page(c, { ok: false, text: 'No site.' }, 400);
    const b = await c.req.parseBody();
    const currency = typeof b.currency === 'string' ? b.currency : '';
    const rates = typeof b.rates === 'string' ? b.rates : '';
    let next;
    try {
      // The form always holds the whole list: an emptied box means no rates.
      next = withExchange(p.site.settings, { currency, rates: rates.split(/\r?\n/) });
    } catch (e) {
      if (!(e instanceof ExchangeError)) throw e;
      return page(c, { ok: false, text: `Currency not saved: ${e.message}` }, 400, { currency: { currency, rates } });
    }
    await p.store.updateSiteSettings(p.site.id, next);
    return c.redirect(`/dashboard/settings${siteQuery(p.site)}&saved=1`, 303);
  });
  app.post('/settings/channel-rules', async (c) => {
    const p = c.get('page');
    if (!p.site) return page(c, { ok: false, text: 'No site.' }, 400);
    const b = await c.req.parseBody();
    const text = typeof b.channelRules === 'string' ? b.channelRules.trim() : '';
    const { channelRules: _old, ...rest } = p.site.settings;
    if (text === '') {
      await p.store.updateSiteSettings(p.site.id, rest);
      return c.redirect(`/dashboard/settings${siteQuery(p.site)}&saved=1`, 303);
    }
    let rules;
    try {
      rules = parseChannelRules(JSON.parse(text));
    } catch (e) {
      // The form keeps what was typed, so the mistake can be fixed in place.
      const why = e instanceof RuleError ? e.message : `not valid JSON: ${(e as Error).message}`;
      return page(c, { ok: false, text: `Channel rules not saved: ${why}` }, 400, { rules: text });
    }
    await p.store.updateSiteSettings(p.site.id, rules.length ? { ...rest, channelRules: rules } : rest);
    return c.redirect(`/dashboard/settings${siteQuery(p.site)}&saved=1`, 303);
  });
  app.post('/settings/password', async (c) => {
    const p = c.get('page');
    if (p.session.scope !== 'admin') return page(c, { ok: false, text: 'Only the admin can change the admin password.' }, 403);
    const b = await c.req.parseBody();
    const current = typeof b.current === 'string' ? b.current : '';
    const next = typeof b.next === 'string' ? b.next : '';
    if (!(await verifyPassword(current, p.auth.passwordHash))) return page(c, { ok: false, text: 'The current password is wrong.' }, 400);
    if (next.length < 12) return page(c, { ok: false, text: 'The new password needs at least 12 characters.' }, 400);
    if (next !== b.again) return page(c, { ok: false, text: 'The two new passwords differ.' }, 400);
    await setAdminPassword(p.store, next);
    const auth = await p.store.getDashboardAuth();
    // The old cookie secret is gone: give this browser a fresh session under the new one.
    if (auth) await startSession(c, auth.cookieSecret, 'admin');
    return c.redirect('/dashboard/settings?changed=1', 303);
  });
}
