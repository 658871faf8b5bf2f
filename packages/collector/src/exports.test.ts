import { expect, test } from 'vitest';

// Every change to the public API of the edge entry shows up here (unjs style).
test('edge entry exports', async () => {
  const mod = await import('./index');
  expect(Object.keys(mod).sort()).toMatchInlineSnapshot(`
    [
      "LIMITS",
      "WEBHOOK_EVENT_TYPES",
      "createCollector",
      "createMetrics",
      "renderMetrics",
      "requireSecretKey",
      "resolveWriteKey",
      "startWebhookDeliverer",
      "webhookBackoff",
      "writeKeyOf",
    ]
  `);
});
