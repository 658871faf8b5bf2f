import { describe, expect, it } from 'vitest';
import type { WebhookInfo } from '../store/webhooks';
import { renderWebhookMetrics } from './metrics';

const hook = (over: Partial<WebhookInfo>): WebhookInfo => ({
  id: 'wh_1',
  siteId: 'st_1',
  url: 'https://crm.example/hooks',
  events: ['order.created'],
  createdAt: 0,
  pending: 0,
  failures: 0,
  nextAttemptAt: null,
  lastAttempt: null,
  lastSuccessAt: null,
  privateOk: false,
  ...over,
});

describe('renderWebhookMetrics', () => {
  it('one series per webhook, failures and last success in seconds, label values escaped', () => {
    const text = renderWebhookMetrics([hook({ pending: 12, failures: 4, lastSuccessAt: 1_780_000_000_500 }), hook({ id: 'wh_"2\\\n' })]);
    expect(text.split('\n')).toEqual([
      '# HELP omnitrail_webhook_pending_messages Messages written for the webhook and not delivered yet.',
      '# TYPE omnitrail_webhook_pending_messages gauge',
      'omnitrail_webhook_pending_messages{site="st_1",webhook="wh_1"} 12',
      'omnitrail_webhook_pending_messages{site="st_1",webhook="wh_\\"2\\\\\\n"} 0',
      '# HELP omnitrail_webhook_consecutive_failures Failed attempts of the message at the head of the queue (0 after a delivery).',
      '# TYPE omnitrail_webhook_consecutive_failures gauge',
      'omnitrail_webhook_consecutive_failures{site="st_1",webhook="wh_1"} 4',
      'omnitrail_webhook_consecutive_failures{site="st_1",webhook="wh_\\"2\\\\\\n"} 0',
      '# HELP omnitrail_webhook_last_success_timestamp_seconds Time of the last delivered message (0: none yet).',
      '# TYPE omnitrail_webhook_last_success_timestamp_seconds gauge',
      'omnitrail_webhook_last_success_timestamp_seconds{site="st_1",webhook="wh_1"} 1780000000.5',
      'omnitrail_webhook_last_success_timestamp_seconds{site="st_1",webhook="wh_\\"2\\\\\\n"} 0',
      '',
    ]);
    expect(renderWebhookMetrics([])).toBe('');
  });
});
