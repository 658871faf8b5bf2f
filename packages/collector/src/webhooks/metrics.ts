import type { WebhookInfo } from '../store/webhooks';

/** A Prometheus label value: backslash, double quote and newline escaped (exposition format 0.0.4). */
const label = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * Delivery state of every webhook as Prometheus gauges, for `/metrics`: a receiver that has been
 * down for days keeps its messages (nothing is dropped without the operator's `webhook skip`), so
 * the backlog and the failures are what an alert should watch. Empty without webhooks.
 *
 * @example
 * renderWebhookMetrics(await store.listWebhooks());
 * // omnitrail_webhook_pending_messages{site="st_1",webhook="wh_1"} 3 …
 */
export function renderWebhookMetrics(hooks: readonly WebhookInfo[]): string {
  if (!hooks.length) return '';
  const out: string[] = [];
  const gauge = (name: string, help: string, value: (w: WebhookInfo) => number) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const w of hooks) out.push(`${name}{site="${label(w.siteId)}",webhook="${label(w.id)}"} ${value(w)}`);
  };
  gauge('omnitrail_webhook_pending_messages', 'Messages written for the webhook and not delivered yet.', (w) => w.pending);
  gauge('omnitrail_webhook_consecutive_failures', 'Failed attempts of the message at the head of the queue (0 after a delivery).', (w) => w.failures);
  gauge('omnitrail_webhook_last_success_timestamp_seconds', 'Time of the last delivered message (0: none yet).', (w) => (w.lastSuccessAt ?? 0) / 1000);
  return out.join('\n') + '\n';
}
