import type { StoredEvent } from './core';

/** What a webhook can subscribe to. */
export const WEBHOOK_EVENT_TYPES = ['order.created', 'order.updated', 'touchpoint.created', 'qr.scanned', 'person.identified'] as const;

/**
 * A webhook event type: `order.created` (a new order from any channel), `order.updated` (its
 * status, value, products or identifiers changed), `touchpoint.created` (an offline touchpoint:
 * store visit, phone call, consultation, appointment), `qr.scanned` (a person scanned a printed QR
 * code: a flyer's, or a letter's personal code, whose recipient the shop knows), `person.identified`
 * (an `identify` call named a browser's visitor — customer ID, e-mail or phone — and joined
 * identifiers that were not one person yet: a login or sign-up in a new browser, not a repeat).
 */
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A registered webhook endpoint, as listed (never its secret). */
export interface WebhookInfo {
  id: string;
  siteId: string;
  url: string;
  events: WebhookEventType[];
  createdAt: number;
  /** Messages written after the webhook was created and not delivered yet (the head one may be retrying). */
  pending: number;
  /** Failed attempts of the message at the head of the queue (0 when the last attempt succeeded). */
  failures: number;
  /** Earliest time of the next attempt after a failure (ms since epoch), else null. */
  nextAttemptAt: number | null;
  /** The last attempt: HTTP status (0 = no response: refused, timeout, DNS) and error text, if it failed. */
  lastAttempt: { at: number; status: number; error: string | null } | null;
  lastSuccessAt: number | null;
  /**
   * Registered by the operator (CLI, admin dashboard session), who may point it at this machine
   * or a private network. False for the API and secret-key sessions: their webhooks are sent only
   * to public addresses, checked again when each connection is made (a public name may resolve
   * to a private address).
   */
  privateOk: boolean;
}

/** A created webhook: its listing plus the signing secret, shown only this once. */
export interface CreatedWebhook {
  webhook: WebhookInfo;
  /** `whsec_<base64>`: the Standard Webhooks signing secret. */
  secret: string;
}

/** One message waiting for a webhook: what happened to which record (the body is built when it is sent). */
export interface WebhookMessage {
  /** Position in the site's outbox: increasing in commit order, so it is also the message's stable ID. */
  seq: number;
  type: WebhookEventType;
  /** The order ID for order events; the event's row ID for touchpoints, scans and identify calls. */
  ref: string;
  /** When the change was committed (ms since epoch). */
  at: number;
}

/** A webhook due for delivery, with what signing needs. */
export interface DueWebhook {
  id: string;
  siteId: string;
  url: string;
  secret: string;
  failures: number;
  /** See {@link WebhookInfo.privateOk}. */
  privateOk: boolean;
  /** The next message to send (commit order). */
  message: WebhookMessage;
}

/**
 * Webhooks: per-site HTTP endpoints told of new and changed orders and of offline touchpoints, in commit order, at least
 * once. Order writes add a row to the site's outbox in their own transaction (only while the
 * site has a webhook), so a change is never announced before it is durable and never missed;
 * each webhook keeps a cursor into that outbox. Bodies are built at send time from the current
 * data, so an erasure before delivery leaves nothing personal to send.
 */
export interface WebhookStore {
  /** Register an endpoint; it hears of changes committed from now on. */
  createWebhook(siteId: string, opts: { url: string; events: WebhookEventType[]; privateOk?: boolean }): Promise<CreatedWebhook>;
  /** The site's webhooks (every site's when `siteId` is omitted), oldest first. */
  listWebhooks(siteId?: string): Promise<WebhookInfo[]>;
  /** The signing secret of a webhook of this site (test messages), or null. */
  webhookSecret(siteId: string, id: string): Promise<string | null>;
  /** Remove a webhook of this site; false when there is none with that ID. */
  deleteWebhook(siteId: string, id: string): Promise<boolean>;
  /** The operator's decision that this webhook may (or may no longer) reach a private network; false when there is no such webhook. */
  setWebhookPrivateOk(siteId: string, id: string, privateOk: boolean): Promise<boolean>;
  /** Webhooks whose retry time has come (`nextAttemptAt` ≤ now), each with its next message. */
  dueWebhooks(now: number): Promise<DueWebhook[]>;
  /** The stored event (`Offline Touchpoint`, `QR Code Scanned`) a `touchpoint.created` or `qr.scanned` message refers to, or null once erased. */
  webhookEvent(siteId: string, ref: string): Promise<StoredEvent | null>;
  /** The webhook's messages after `afterSeq` (its subscribed types, commit order), at most `limit`. */
  webhookMessages(id: string, afterSeq: number, limit: number): Promise<WebhookMessage[]>;
  /**
   * Record one attempt at `seq`: success moves the cursor past it, failure schedules the next try.
   * `skipped`: nothing was sent (the order was erased since); only the cursor moves.
   */
  recordWebhookAttempt(
    id: string,
    seq: number,
    attempt: { at: number; status: number; error: string | null; ok: boolean; nextAttemptAt?: number; skipped?: boolean },
  ): Promise<void>;
  /** Give up on the message at the head of the queue (an operator's decision): the cursor moves past it. Returns its seq, or null when nothing is pending. */
  skipWebhookMessage(siteId: string, id: string): Promise<number | null>;
}
