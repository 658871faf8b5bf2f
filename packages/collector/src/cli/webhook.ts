import { parseArgs } from 'node:util';
import type { WebhookInfo } from '../store/webhooks';
import { WEBHOOK_EVENT_TYPES } from '../store/webhooks';
import { sendTestMessage } from '../webhooks/body';
import { checkWebhookEvents, checkWebhookUrl } from '../webhooks/options';
import { publicOnlyFetch } from '../node/public-fetch';
import { CliError, type CliIo } from './io';
import { openForSite } from './store';

export const summary = 'Add, list, test and remove webhooks (signed POSTs of orders, offline touchpoints and QR scans to your CRM/ERP)';

const HELP = `Usage: omnitrail webhook add --url <https://…> [--events <type,…>] [--site <id>] [--db <file>] [--json]
       omnitrail webhook list [--site <id>] [--db <file>] [--json]
       omnitrail webhook test <id> [--site <id>] [--db <file>]
       omnitrail webhook skip <id> [--site <id>] [--db <file>]
       omnitrail webhook remove <id> [--site <id>] [--db <file>]
       omnitrail webhook allow-private <id> [--off] [--site <id>] [--db <file>]

add     Registers an endpoint and prints its id and signing secret (shown only this once).
        It hears of what is committed from now on: orders from every channel (web, store,
        phone, imports), offline touchpoints and QR scans; --events picks some of
        ${WEBHOOK_EVENT_TYPES.join(', ')} (default all). A running
        collector ("omnitrail serve"/"start") on the same database delivers them: one message
        at a time per webhook, in commit order, signed the Standard Webhooks way (headers
        webhook-id, webhook-timestamp, webhook-signature), retried after 5 s, 30 s, 2 min …
        up to every 8 h until a 2xx. https is required except for a localhost receiver; unlike
        the API (any site's secret key), the CLI accepts receivers on private networks.
        --json prints {"webhook":{…},"secret":"whsec_…"}.
list    Each webhook with its delivery state: pending messages, failures in a row, last error.
test    Sends a signed "webhook.test" message now and prints the receiver's answer.
skip    Gives up on the message at the head of the queue (one the receiver keeps refusing),
        so the next ones go out.
remove  Deletes the webhook; its undelivered messages are dropped.
allow-private
        Lets a webhook reach this machine or a private network (--off: no longer). Webhooks
        added here may already; one added through the API, or before this check existed,
        whose public-looking name resolves to a private address (split-horizon DNS) fails with
        "has no public address" until the operator allows it here. Keeps the
        webhook's secret and pending messages.

Options:
  --site <id>   Site id or name (default: the only site)
  --db <file>   SQLite database file (env OMNITRAIL_DB, default ./omnitrail.db)
  -h, --help    Show this help`;

const when = (ms: number | null) => (ms === null ? '–' : new Date(ms).toISOString());

function describe(w: WebhookInfo): string {
  const state =
    w.failures > 0
      ? `failing: ${w.failures} attempt${w.failures === 1 ? '' : 's'} in a row, last ${w.lastAttempt?.error ?? ''}; next try ${when(w.nextAttemptAt)}`
      : `ok, last delivery ${when(w.lastSuccessAt)}`;
  return `${w.id}  ${w.url}\n  events ${w.events.join(', ')}; ${w.pending} pending; ${state}`;
}

/**
 * `omnitrail webhook add|list|test|skip|remove`.
 *
 * @example
 * await run(['add', '--url', 'https://crm.example/hooks', '--json'], stdio);
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      events: { type: 'string' },
      site: { type: 'string' },
      db: { type: 'string' },
      json: { type: 'boolean' },
      off: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help || positionals.length === 0) return io.out(HELP), values.help ? 0 : 2;
  const [sub, id] = positionals;
  if (!['add', 'list', 'test', 'skip', 'remove', 'allow-private'].includes(sub)) throw new CliError(`unknown subcommand "${sub}" (see "omnitrail webhook --help")`);
  if (['test', 'skip', 'remove', 'allow-private'].includes(sub) && !id) throw new CliError(`"webhook ${sub}" needs the webhook id (see "omnitrail webhook list")`);
  let url = '';
  let events = checkWebhookEvents(undefined);
  if (sub === 'add') {
    if (!values.url) throw new CliError('--url is required: the https endpoint to POST to');
    try {
      url = checkWebhookUrl(values.url, { allowLocal: true });
      events = checkWebhookEvents(values.events);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  }
  const { store, site } = await openForSite(values.db, values.site);
  try {
    const known = async () => {
      const w = (await store.listWebhooks(site.id)).find((x) => x.id === id);
      if (!w) throw new CliError(`no webhook ${id} on site ${site.id} (see "omnitrail webhook list")`);
      return w;
    };
    switch (sub) {
      case 'add': {
        const created = await store.createWebhook(site.id, { url, events, privateOk: true });
        if (values.json) io.out(JSON.stringify(created));
        else {
          io.out(`webhook ${created.webhook.id} → ${url} (${events.join(', ')})`);
          io.out(`signing secret (shown only now): ${created.secret}`);
          io.out('A running collector on this database delivers to it; try it with "omnitrail webhook test ' + created.webhook.id + '".');
        }
        return 0;
      }
      case 'list': {
        const list = await store.listWebhooks(site.id);
        if (values.json) io.out(JSON.stringify(list));
        else if (list.length === 0) io.out(`no webhooks on site ${site.id} (add one with "omnitrail webhook add --url …")`);
        else for (const w of list) io.out(describe(w));
        return 0;
      }
      case 'test': {
        const w = await known();
        const r = await sendTestMessage(store, site.id, w, { publicFetch: publicOnlyFetch() });
        if (!r.ok) throw new CliError(`test message to ${w.url} failed: ${r.error}`, 1);
        io.out(`test message delivered to ${w.url} (HTTP ${r.status})`);
        return 0;
      }
      case 'skip': {
        await known();
        const seq = await store.skipWebhookMessage(site.id, id);
        io.out(seq === null ? 'nothing pending: no message skipped' : `skipped message msg_${seq}`);
        return 0;
      }
      case 'allow-private': {
        await known();
        await store.setWebhookPrivateOk(site.id, id, !values.off);
        io.out(values.off ? `webhook ${id} reaches public addresses only` : `webhook ${id} may reach this machine and private networks`);
        return 0;
      }
      default: {
        if (!(await store.deleteWebhook(site.id, id))) throw new CliError(`no webhook ${id} on site ${site.id} (see "omnitrail webhook list")`);
        io.out(`webhook ${id} removed`);
        return 0;
      }
    }
  } finally {
    await store.close();
  }
}
