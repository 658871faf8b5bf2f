import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../store/webhooks';

/**
 * Checks a webhook endpoint URL and returns it normalised, or throws an Error that says what is
 * wrong. HTTPS is required, except for loopback hosts (a receiver on the same machine, tests):
 * the body carries customer IDs and hashed contact data, which must not cross a network in
 * clear. Credentials in the URL are refused (they would be listed back in clear).
 *
 * @example
 * checkWebhookUrl('https://crm.example/hooks/omnitrail'); // 'https://crm.example/hooks/omnitrail'
 */
export function checkWebhookUrl(input: string): string {
  let u: URL;
  try {
    u = new URL(input);
  } catch {
    throw new Error(`webhook URL "${input}" is not an absolute URL (e.g. https://crm.example/hooks/omnitrail)`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`webhook URL must use https (got ${u.protocol})`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  if (u.protocol === 'http:' && !loopback) {
    throw new Error('webhook URL must use https (plain http is accepted only for localhost / 127.0.0.1 receivers)');
  }
  if (u.username || u.password) throw new Error('webhook URL must not contain a user name or password; authenticate the body by its signature');
  if (u.hash) throw new Error('webhook URL must not contain a #fragment');
  if (input.length > 2000) throw new Error('webhook URL is longer than 2000 characters');
  return u.href;
}

/**
 * Checks the event types a webhook subscribes to (an array or a comma-separated string) and
 * returns them without repeats; none given means every type. Throws an Error naming the
 * unknown type and the valid ones.
 *
 * @example
 * checkWebhookEvents('order.created'); // ['order.created']
 */
export function checkWebhookEvents(input: unknown): WebhookEventType[] {
  if (input === undefined || input === null || input === '') return [...WEBHOOK_EVENT_TYPES];
  const list = typeof input === 'string' ? input.split(',').map((s) => s.trim()).filter(Boolean) : input;
  if (!Array.isArray(list) || list.length === 0) throw new Error(`events must be a list of event types (${WEBHOOK_EVENT_TYPES.join(', ')})`);
  for (const t of list) {
    if (!(WEBHOOK_EVENT_TYPES as readonly unknown[]).includes(t)) {
      throw new Error(`unknown webhook event type ${JSON.stringify(t)}; known: ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    }
  }
  return [...new Set(list as WebhookEventType[])];
}
