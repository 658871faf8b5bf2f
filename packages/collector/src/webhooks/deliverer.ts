import type { Store } from '../store/types';
import { startIntervalJob } from '../jobs/interval';
import type { DueWebhook } from '../store/webhooks';
import { webhookBody } from './body';
import { sendWebhook, type WebhookAttempt } from './send';

/** Options of {@link startWebhookDeliverer}. */
export interface WebhookDelivererOptions {
  /** How often to look for due messages while idle (ms). Default 1 000. */
  pollMs?: number;
  /** Longest wait for an endpoint's response (ms). Default 10 000. */
  timeoutMs?: number;
  /** Wait before the next attempt after the n-th consecutive failure (ms). Default {@link webhookBackoff}. */
  backoff?: (failures: number) => number;
  fetch?: typeof fetch;
  now?: () => number;
  /** Hears every attempt (logs, tests). */
  onAttempt?: (a: WebhookAttempt & { webhookId: string; seq: number }) => void;
  /** Where unexpected failures (the store) go; the deliverer keeps running. Default console.error. */
  onError?: (err: unknown) => void;
}

const STEPS_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000];

/**
 * Default retry schedule: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, then every 8 h, each
 * ±20 % at random so that many webhooks failing together do not retry in step. It never gives
 * up: a message is dropped only by an operator (`omnitrail webhook skip`), since the receiver is
 * the shop's own system and a later order must not overtake an earlier one.
 */
export function webhookBackoff(failures: number): number {
  const base = STEPS_MS[Math.min(Math.max(failures, 1), STEPS_MS.length) - 1];
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * Delivers webhook messages in the background (`omnitrail serve` starts it): each webhook gets its
 * messages one at a time, in commit order, signed (Standard Webhooks), at least once — a crash
 * between the receiver's 2xx and the cursor's commit sends that message again with the same
 * `webhook-id`, which receivers use to drop repeats. Webhooks are independent: a failing endpoint
 * delays only its own messages. The timer does not keep the process alive. Returns a stop
 * function that aborts the requests in flight (those messages are sent again after a restart).
 *
 * @example
 * const stop = startWebhookDeliverer(store);
 * // on shutdown:
 * await stop();
 */
export function startWebhookDeliverer(store: Store, opts: WebhookDelivererOptions = {}): () => Promise<void> {
  const now = opts.now ?? Date.now;
  const backoff = opts.backoff ?? webhookBackoff;
  const onError = opts.onError ?? ((e: unknown) => console.error('omnitrail: webhook delivery failed', e));
  const shutdown = new AbortController();
  let stopped = false;

  // One message of one webhook; true when the cursor moved (so there may be more right away).
  const deliver = async (w: DueWebhook): Promise<boolean> => {
    const msg = w.message;
    const body = await webhookBody(store, w.siteId, msg);
    if (stopped) return false;
    if (body === null) {
      await store.recordWebhookAttempt(w.id, msg.seq, { at: now(), status: 0, error: null, ok: true, skipped: true });
      return true;
    }
    const r = await sendWebhook(w.url, w.secret, `msg_${msg.seq}`, body, {
      timeoutMs: opts.timeoutMs,
      fetch: opts.fetch,
      signal: shutdown.signal,
      now,
    });
    // Stopping: the store may be closing; the message is sent again after the restart.
    if (stopped) return false;
    opts.onAttempt?.({ ...r, webhookId: w.id, seq: msg.seq });
    const at = now();
    await store.recordWebhookAttempt(w.id, msg.seq, { ...r, at, nextAttemptAt: r.ok ? undefined : at + backoff(w.failures + 1) });
    return r.ok;
  };

  const stop = startIntervalJob(
    async () => {
      // Each round sends the next message of every due webhook, in parallel; rounds repeat while
      // any moved on, so a backlog drains without waiting for the next tick.
      for (;;) {
        if (stopped) return;
        const due = await store.dueWebhooks(now());
        if (due.length === 0) return;
        const moved = await Promise.all(due.map((w) => deliver(w).catch((e) => (onError(e), false))));
        if (!moved.some(Boolean)) return;
      }
    },
    { intervalMs: opts.pollMs ?? 1_000, onError },
  );
  return async () => {
    stopped = true;
    // The requests in flight end now; their messages are sent again after a restart.
    shutdown.abort();
    await stop();
  };
}
