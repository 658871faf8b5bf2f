import type { Store } from '../store/types';
import { startIntervalJob } from '../jobs/interval';
import type { DueWebhook } from '../store/webhooks';
import { webhookBody } from './body';
import { fetchFor, sendWebhook, type WebhookAttempt } from './send';

/** Options of {@link startWebhookDeliverer}. */
export interface WebhookDelivererOptions {
  /** How often to look for due messages while idle (ms). Default 1 000. */
  pollMs?: number;
  /** Longest wait for an endpoint's response (ms). Default 10 000. */
  timeoutMs?: number;
  /** Wait before the next attempt after the n-th consecutive failure (ms). Default {@link webhookBackoff}. */
  backoff?: (failures: number) => number;
  fetch?: typeof fetch;
  /**
   * The fetch for webhooks not registered by the operator (API, secret-key sessions): one that
   * connects only to public addresses. `omnitrail serve` passes `publicOnlyFetch()`
   * (`@omnitrail/collector/node`); edge runtimes cannot reach a private network anyway.
   * Default: `fetch`.
   */
  publicFetch?: typeof fetch;
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

  // Sends one webhook's messages in order until it is caught up, fails, or the deliverer stops;
  // true when its cursor moved. A success's cursor update is committed while the next message is
  // already on its way (the group committer merges them): a crash in between only repeats a
  // message, which at-least-once allows. A failure waits for those commits, then is recorded.
  const drain = async (w: DueWebhook): Promise<boolean> => {
    const commits: Promise<void>[] = [];
    // Awaited later: a handler now, so a commit failing meanwhile (disk full) is not an unhandled
    // rejection, which would end the process; the await below still sees the error.
    const pending = (c: Promise<void>) => {
      c.catch(() => {});
      commits.push(c);
    };
    let page = [w.message];
    let failures = w.failures;
    let moved = false;
    try {
      while (page.length > 0) {
        for (const msg of page) {
          if (stopped) return moved;
          const body = await webhookBody(store, w.siteId, msg);
          if (body === null) {
            pending(store.recordWebhookAttempt(w.id, msg.seq, { at: now(), status: 0, error: null, ok: true, skipped: true }));
            moved = true;
            continue;
          }
          const r = await sendWebhook(w.url, w.secret, `msg_${msg.seq}`, body, { timeoutMs: opts.timeoutMs, fetch: fetchFor(w, opts), signal: shutdown.signal, now });
          // Cut short by stop(): not the receiver's fault; sent again after the restart.
          if (!r.ok && shutdown.signal.aborted) return moved;
          opts.onAttempt?.({ ...r, webhookId: w.id, seq: msg.seq });
          const at = now();
          if (!r.ok) {
            await Promise.all(commits.splice(0));
            await store.recordWebhookAttempt(w.id, msg.seq, { ...r, at, nextAttemptAt: at + backoff(failures + 1) });
            return moved;
          }
          pending(store.recordWebhookAttempt(w.id, msg.seq, { ...r, at }));
          failures = 0;
          moved = true;
        }
        await Promise.all(commits.splice(0));
        page = await store.webhookMessages(w.id, page[page.length - 1].seq, 100);
      }
      return moved;
    } finally {
      await Promise.all(commits);
    }
  };

  // Store failures (read-only or full disk, closed database) in a row, and until when to wait.
  let storeErrors = 0;
  let pausedUntil = 0;
  const stop = startIntervalJob(
    async () => {
      if (stopped || now() < pausedUntil) return;
      try {
        // Every due webhook drains in parallel; one more round picks up what was committed meanwhile.
        for (;;) {
          if (stopped) return;
          const due = await store.dueWebhooks(now());
          if (due.length === 0) break;
          let failed: unknown = null;
          const moved = await Promise.all(due.map((w) => drain(w).catch((e) => ((failed ??= e), false))));
          if (failed) throw failed;
          if (!moved.some(Boolean)) break;
        }
        storeErrors = 0;
      } catch (e) {
        // Nothing could be recorded, and the receivers are not at fault: without a pause every
        // tick would send the same messages again. The schedule of failed deliveries applies.
        storeErrors++;
        pausedUntil = now() + backoff(storeErrors);
        onError(e);
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
