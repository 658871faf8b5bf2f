/**
 * Webhooks: the site's endpoints with their delivery state (pending messages, failures in a row,
 * the receiver's last answer), a form to add one (the signing secret is shown once, on the page
 * that answers the form), and Test / Skip / Remove buttons. The same rules as the API and CLI:
 * a secret-key session may not register a receiver on the collector's machine or a private
 * network (SSRF); an admin session (the operator) may.
 */
import type { Context, Hono } from 'hono';
import type { DashEnv } from '../index';
import { Layout, siteQuery } from '../layout';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType, type WebhookInfo } from '../../store/webhooks';
import { checkWebhookEvents, checkWebhookUrl } from '../../webhooks/options';
import { sendTestMessage } from '../../webhooks/body';

const EVENT_LABELS: Record<WebhookEventType, string> = {
  'order.created': 'New orders (web, store, phone, imports)',
  'order.updated': 'Order changes (refunds, cancellations, corrections)',
  'touchpoint.created': 'Offline touchpoints (store visits, calls, consultations)',
  'qr.scanned': 'QR code scans (flyers, personal codes on letters)',
  'person.identified': 'Visitors identified on the web (a login or sign-up in a new browser)',
};

const when = (ms: number | null) => (ms === null ? '–' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC');

/** One line of state: healthy, or failing with the receiver's answer and the next try. */
function state(w: WebhookInfo): string {
  if (w.failures === 0) return w.lastSuccessAt ? `Delivering. Last delivery ${when(w.lastSuccessAt)}.` : 'No message sent yet.';
  return `Failing: ${w.failures} attempt${w.failures === 1 ? '' : 's'} in a row, last answer "${w.lastAttempt?.error ?? ''}". Next try ${when(w.nextAttemptAt)}.`;
}

interface Flash {
  ok: boolean;
  text: string;
  /** Shown once, after adding. */
  secret?: string;
}

async function page(c: Context<DashEnv>, flash: Flash | null, status: 200 | 400 | 404 = 200, draft?: { url: string; events: WebhookEventType[] }) {
  const p = c.get('page');
  const list = p.site ? await p.store.listWebhooks(p.site.id) : [];
  const q = siteQuery(p.site);
  const checked = new Set(draft?.events ?? WEBHOOK_EVENT_TYPES);
  return c.html(
    <Layout title="Webhooks" active="/webhooks" site={p.site} sites={p.sites} csrf={p.csrf}>
      {flash ? (
        <div class={flash.ok ? 'success' : 'error'} role={flash.ok ? 'status' : 'alert'}>
          <p>{flash.text}</p>
          {flash.secret ? (
            <>
              <p>Signing secret (shown only now; verify each message with it, e.g. with the standardwebhooks library):</p>
              <pre class="snippet">
                <code>{flash.secret}</code>
              </pre>
            </>
          ) : null}
        </div>
      ) : null}
      <section class="card">
        <h2>Endpoints</h2>
        <p class="muted">
          Your CRM or ERP hears of each order, offline touchpoint, QR scan and web login in a new browser, from every channel, as a signed POST (Standard Webhooks headers), one at a time in the order they were committed, retried
          until it answers 2xx. Also with <code>omnitrail webhook</code> and <code>/v1/webhooks</code>; see docs/webhooks.md.
        </p>
        {list.length === 0 ? (
          <p>No webhooks yet.</p>
        ) : (
          list.map((w) => (
            <article class="hook">
              <h3 class="break">{w.url}</h3>
              <p>{`Events: ${w.events.join(', ')}. Pending messages: ${w.pending}.`}</p>
              <p class={w.failures > 0 ? 'poor' : 'muted'}>{state(w)}</p>
              <div class="actions">
                {(['test', 'skip', 'remove'] as const)
                  .filter((a) => a !== 'skip' || w.failures > 0)
                  .map((a) => (
                    <form method="post" action={`/dashboard/webhooks/${encodeURIComponent(w.id)}/${a}${q}`}>
                      <input type="hidden" name="_csrf" value={p.csrf} />
                      <button type="submit" class="secondary" aria-label={`${a === 'test' ? 'Send a test message to' : a === 'skip' ? 'Skip the failing message of' : 'Remove'} ${w.url}`}>
                        {a === 'test' ? 'Send test' : a === 'skip' ? 'Skip failing message' : 'Remove'}
                      </button>
                    </form>
                  ))}
              </div>
            </article>
          ))
        )}
      </section>
      {p.site ? (
        <section class="card">
          <h2>Add a webhook</h2>
          <form method="post" action={`/dashboard/webhooks${q}`} class="stack">
            <input type="hidden" name="_csrf" value={p.csrf} />
            <div class="field">
              <label for="url">Endpoint URL</label>
              <p class="hint" id="url-hint">
                https only. It hears of what is committed from now on.
              </p>
              <input id="url" name="url" type="url" value={draft?.url ?? ''} placeholder="https://crm.example/hooks/omnitrail" aria-describedby="url-hint" required />
            </div>
            <fieldset>
              <legend>Events</legend>
              {WEBHOOK_EVENT_TYPES.map((t) => (
                <label>
                  <input type="checkbox" name="events" value={t} checked={checked.has(t)} /> {EVENT_LABELS[t]}
                </label>
              ))}
            </fieldset>
            <button type="submit">Add webhook</button>
          </form>
        </section>
      ) : null}
    </Layout>,
    status,
  );
}

/**
 * Register `/webhooks`.
 *
 * @example
 * registerWebhookPages(app, { publicFetch: publicOnlyFetch() });
 */
export function registerWebhookPages(app: Hono<DashEnv>, opts: { publicFetch?: typeof fetch } = {}): void {
  app.get('/webhooks', (c) => page(c, null));

  app.post('/webhooks', async (c) => {
    const p = c.get('page');
    if (!p.site) return page(c, { ok: false, text: 'No site.' }, 400);
    const b = await c.req.parseBody({ all: true });
    const url = typeof b.url === 'string' ? b.url.trim() : '';
    const picked = ([] as unknown[]).concat(b.events ?? []).filter((x): x is string => typeof x === 'string');
    const draft = { url, events: picked.filter((x): x is WebhookEventType => (WEBHOOK_EVENT_TYPES as readonly string[]).includes(x)) };
    if (picked.length === 0) return page(c, { ok: false, text: 'Pick at least one kind of event.' }, 400, draft);
    let checkedUrl: string;
    let events: WebhookEventType[];
    const admin = p.session.scope === 'admin';
    try {
      checkedUrl = checkWebhookUrl(url, { allowLocal: admin });
      events = checkWebhookEvents(picked);
    } catch (e) {
      return page(c, { ok: false, text: `Webhook not added: ${(e as Error).message}` }, 400, draft);
    }
    const { webhook, secret } = await p.store.createWebhook(p.site.id, { url: checkedUrl, events, privateOk: admin });
    return page(c, { ok: true, text: `Webhook ${webhook.id} added for ${checkedUrl}.`, secret });
  });

  app.post('/webhooks/:id/:action{test|skip|remove}', async (c) => {
    const p = c.get('page');
    const id = c.req.param('id');
    const w = p.site ? (await p.store.listWebhooks(p.site.id)).find((x) => x.id === id) : undefined;
    if (!p.site || !w) return page(c, { ok: false, text: 'No such webhook on this site.' }, 404);
    switch (c.req.param('action')) {
      case 'test': {
        const r = await sendTestMessage(p.store, p.site.id, w, opts);
        return page(c, r.ok ? { ok: true, text: `Test message delivered to ${w.url} (HTTP ${r.status}).` } : { ok: false, text: `Test message to ${w.url} failed: ${r.error}` });
      }
      case 'skip': {
        const seq = await p.store.skipWebhookMessage(p.site.id, id);
        return page(c, { ok: true, text: seq === null ? 'Nothing was pending.' : `Skipped message msg_${seq}; the next ones go out.` });
      }
      default:
        await p.store.deleteWebhook(p.site.id, id);
        return page(c, { ok: true, text: `Webhook for ${w.url} removed; its undelivered messages are dropped.` });
    }
  });
}
