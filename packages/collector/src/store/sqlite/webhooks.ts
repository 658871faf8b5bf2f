import { randomBytes } from 'node:crypto';
import type { DueWebhook, WebhookEventType, WebhookInfo, WebhookMessage, WebhookStore } from '../webhooks';
import { OFFLINE_TOUCHPOINT } from '../../orders/touchpoint';
import type { Deriver, SqliteContext } from './context';
import { EVENT_COLUMNS, rowToEvent, type EventRow } from './core';
import type { Db } from './db';
import { isPrivateUrl } from '../../webhooks/options';
import { eventIdentity } from '../../stitch/derive';
import { findIdentifierSync } from './identity';

/**
 * Migration 18: webhook endpoints and the outbox of changes they are told of.
 *
 * The outbox is a transactional outbox: an order write adds its row in the same transaction
 * (only while the site has a webhook), and `seq` (AUTOINCREMENT, never reused) follows commit
 * order, which a timestamp cursor would not (a request received earlier can commit later).
 * Each webhook's `cursor` is the last seq it got a 2xx for (or skipped); rows every webhook of
 * the site has passed are deleted. Secrets are kept in clear: signing needs them (as with every
 * webhook sender); they give no access to the collector.
 */
export const webhooksMigrationSql = `
CREATE TABLE webhooks (
  id              TEXT PRIMARY KEY,
  site_id         TEXT NOT NULL,
  url             TEXT NOT NULL,
  secret          TEXT NOT NULL,
  events          TEXT NOT NULL,        -- JSON array of event types
  cursor          INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  failures        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_attempt_at INTEGER,
  last_status     INTEGER,
  last_error      TEXT,
  last_success_at INTEGER
);
CREATE INDEX webhooks_site ON webhooks (site_id);
CREATE TABLE webhook_outbox (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  site_id TEXT NOT NULL,
  type    TEXT NOT NULL,
  ref     TEXT NOT NULL,
  at      INTEGER NOT NULL
);
CREATE INDEX webhook_outbox_site ON webhook_outbox (site_id, seq);
CREATE INDEX webhook_outbox_ref ON webhook_outbox (site_id, ref);
`;

/**
 * Migration 21: who may send a webhook to a private network. Webhooks registered before it could
 * name a private or local host only through the operator's CLI, so those keep that right; every
 * other one is checked against private addresses at connect time from now on.
 */
export function webhooksPrivateOkMigration(db: Db): void {
  // Idempotent: a database whose user_version was lowered by hand (tests re-running migration 20) has it already.
  const cols = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('webhooks') as string[];
  if (cols.includes('private_ok')) return;
  db.exec('ALTER TABLE webhooks ADD COLUMN private_ok INTEGER NOT NULL DEFAULT 0');
  const set = db.prepare('UPDATE webhooks SET private_ok = 1 WHERE id = ?');
  for (const r of db.prepare('SELECT id, url FROM webhooks').all() as { id: string; url: string }[]) {
    if (isPrivateUrl(r.url)) set.run(r.id);
  }
}

interface WebhookRow {
  id: string;
  site_id: string;
  url: string;
  secret: string;
  events: string;
  cursor: number;
  created_at: number;
  failures: number;
  next_attempt_at: number | null;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  last_success_at: number | null;
  private_ok: number;
}

const stmtCache = new WeakMap<Db, ReturnType<typeof prepare>>();

function prepare(db: Db) {
  // The message filter: this webhook's event types, from its JSON list.
  const subscribed = 'site_id = @site AND seq > @cursor AND type IN (SELECT value FROM json_each(@events))';
  return {
    enqueue: db.prepare(
      `INSERT INTO webhook_outbox (site_id, type, ref, at) SELECT @site, @type, @ref, @at
       WHERE EXISTS (SELECT 1 FROM webhooks w, json_each(w.events) e WHERE w.site_id = @site AND e.value = @type)`,
    ),
    wants: db.prepare('SELECT 1 FROM webhooks w, json_each(w.events) e WHERE w.site_id = @site AND e.value = @type LIMIT 1'),
    next: db.prepare(`SELECT seq, type, ref, at FROM webhook_outbox WHERE ${subscribed} ORDER BY seq LIMIT @limit`),
    events: db.prepare('SELECT site_id, events FROM webhooks WHERE id = ?'),
    pending: db.prepare(`SELECT COUNT(*) FROM webhook_outbox WHERE ${subscribed}`).pluck(),
    due: db.prepare('SELECT * FROM webhooks WHERE next_attempt_at IS NULL OR next_attempt_at <= ? ORDER BY created_at, rowid'),
    one: db.prepare('SELECT * FROM webhooks WHERE site_id = ? AND id = ?'),
    bySite: db.prepare('SELECT * FROM webhooks WHERE site_id = ? ORDER BY created_at, rowid'),
    all: db.prepare('SELECT * FROM webhooks ORDER BY created_at, rowid'),
    // Rows every webhook of the site has passed; all of them once the site has none left.
    // Rows in (@from, @to] that no webhook still needs (none subscribed to the type is behind
    // them): run over the span a cursor just passed, so a webhook waiting on other types (or a
    // dead endpoint) does not keep the rows the others delivered.
    pruneSpan: db.prepare(
      `DELETE FROM webhook_outbox AS o WHERE o.site_id = @site AND o.seq > @from AND o.seq <= @to
       AND NOT EXISTS (SELECT 1 FROM webhooks w, json_each(w.events) e WHERE w.site_id = @site AND w.cursor < o.seq AND e.value = o.type)`,
    ),
    prune: db.prepare(
      `DELETE FROM webhook_outbox WHERE site_id = @site
       AND seq <= COALESCE((SELECT MIN(cursor) FROM webhooks WHERE site_id = @site), 9223372036854775807)`,
    ),
  };
}

function stmts(db: Db) {
  let s = stmtCache.get(db);
  if (!s) stmtCache.set(db, (s = prepare(db)));
  return s;
}

/**
 * Inside an order write's transaction: note that `type` happened to order `ref`, for the site's
 * webhooks — only when one of them subscribes to `type` (a row nobody will take would stay until
 * every cursor passed it). Costs one indexed lookup when the site has none (and writes nothing).
 *
 * @example
 * enqueueWebhookMessage(db, siteId, 'order.created', rec.orderId, rec.receivedAt);
 */
export function enqueueWebhookMessage(db: Db, siteId: string, type: WebhookEventType, ref: string, at: number): void {
  stmts(db).enqueue.run({ site: siteId, type, ref, at });
}

/**
 * Inside an erasure's transaction: drop the undelivered messages about these records (order IDs),
 * so no identifier of the erased person waits in the outbox.
 */
export function forgetWebhookMessages(db: Db, siteId: string, refs: Iterable<string>): void {
  // Order messages only: a touchpoint's ref is a row ID, which an order ID may spell too.
  const del = db.prepare("DELETE FROM webhook_outbox WHERE site_id = ? AND ref = ? AND type LIKE 'order.%'");
  for (const ref of refs) del.run(siteId, ref);
}

/**
 * Deriver: an `Offline Touchpoint` event (store visit, phone call …) becomes a
 * `touchpoint.created` message for the site's webhooks, in the event's transaction. Its ref is
 * the event's row ID, which says nothing about the person; erasing the event empties the message.
 */
export const webhookTouchpointDeriver: Deriver = (db, ev, rowid) => {
  if (ev.event === OFFLINE_TOUCHPOINT && ev.type === 'track') enqueueWebhookMessage(db, ev.siteId, 'touchpoint.created', String(rowid), ev.receivedAt);
};

/** The identifier kinds that name a customer (an anonymous browser ID alone names nobody). */
const NAMING = new Set(['user', 'email', 'phone']);

/**
 * Deriver: an `identify` call that names its visitor (customer ID, or an e-mail / phone trait)
 * becomes a `person.identified` message — unless every identifier it carries is already one
 * person (a returning customer logging in again in the same browser), so a shop that calls
 * `identify` on every page view sends one message per new browser, not one per page. The graph
 * is read as the background stitcher left it (it lags ingest by ~50 ms): two identify calls
 * of a new pair that close together may both send. Ref: the event's row ID, as for touchpoints.
 * Costs nothing for other events, and one indexed lookup for an identify call on a site
 * without such a webhook.
 */
export const webhookIdentifyDeriver: Deriver = (db, ev, rowid) => {
  if (ev.type !== 'identify' || !wantsWebhook(db, ev.siteId, 'person.identified')) return;
  const who = eventIdentity(ev);
  const ids = [...who.register, ...who.sets.flatMap((s) => s.ids)];
  if (!ids.some((i) => NAMING.has(i.kind))) return;
  const persons = new Set(ids.map((i) => findIdentifierSync(db, ev.siteId, i)?.person ?? -1));
  if (persons.size === 1 && !persons.has(-1)) return;
  enqueueWebhookMessage(db, ev.siteId, 'person.identified', String(rowid), ev.receivedAt);
};

/** Whether one of the site's webhooks subscribes to `type`. */
function wantsWebhook(db: Db, siteId: string, type: WebhookEventType): boolean {
  return stmts(db).wants.get({ site: siteId, type }) !== undefined;
}

function nextMessage(db: Db, r: WebhookRow): WebhookMessage | null {
  return (stmts(db).next.get({ site: r.site_id, cursor: r.cursor, events: r.events, limit: 1 }) as WebhookMessage | undefined) ?? null;
}

function info(db: Db, r: WebhookRow): WebhookInfo {
  return {
    id: r.id,
    siteId: r.site_id,
    url: r.url,
    events: JSON.parse(r.events),
    createdAt: r.created_at,
    pending: stmts(db).pending.get({ site: r.site_id, cursor: r.cursor, events: r.events }) as number,
    failures: r.failures,
    nextAttemptAt: r.failures > 0 ? r.next_attempt_at : null,
    lastAttempt: r.last_attempt_at === null ? null : { at: r.last_attempt_at, status: r.last_status ?? 0, error: r.last_error },
    lastSuccessAt: r.last_success_at,
    privateOk: r.private_ok === 1,
  };
}

/**
 * The webhook part of the SQLite store (`...webhooksStore(ctx)` in index.ts).
 *
 * @example
 * const { webhook, secret } = await store.createWebhook(site.id, { url: 'https://crm.example/hooks', events: ['order.created'] });
 */
export function webhooksStore(ctx: SqliteContext): WebhookStore {
  const { db } = ctx;
  return {
    async createWebhook(siteId, { url, events, privateOk = false }) {
      const id = 'wh_' + randomBytes(12).toString('base64url');
      const secret = 'whsec_' + randomBytes(32).toString('base64');
      const now = Date.now();
      await ctx.commit((tx) => {
        // From now on: the largest seq ever given (AUTOINCREMENT keeps it after deletes).
        const last = (tx.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'webhook_outbox'").pluck().get() as number | undefined) ?? 0;
        tx.prepare('INSERT INTO webhooks (id, site_id, url, secret, events, cursor, created_at, private_ok) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
          id, siteId, url, secret, JSON.stringify(events), last, now, privateOk ? 1 : 0,
        );
      });
      return { webhook: info(db, stmts(db).one.get(siteId, id) as WebhookRow), secret };
    },
    async listWebhooks(siteId) {
      const rows = (siteId === undefined ? stmts(db).all.all() : stmts(db).bySite.all(siteId)) as WebhookRow[];
      return rows.map((r) => info(db, r));
    },
    async webhookSecret(siteId, id) {
      return (stmts(db).one.get(siteId, id) as WebhookRow | undefined)?.secret ?? null;
    },
    async deleteWebhook(siteId, id) {
      return ctx.commit((tx) => {
        const gone = tx.prepare('DELETE FROM webhooks WHERE site_id = ? AND id = ?').run(siteId, id).changes > 0;
        if (gone) {
          stmts(tx).prune.run({ site: siteId });
          stmts(tx).pruneSpan.run({ site: siteId, from: -1, to: Number.MAX_SAFE_INTEGER });
        }
        return gone;
      });
    },
    async setWebhookPrivateOk(siteId, id, privateOk) {
      return ctx.commit((tx) => tx.prepare('UPDATE webhooks SET private_ok = ? WHERE site_id = ? AND id = ?').run(privateOk ? 1 : 0, siteId, id).changes > 0);
    },
    async dueWebhooks(now) {
      const out: DueWebhook[] = [];
      for (const r of stmts(db).due.all(now) as WebhookRow[]) {
        const message = nextMessage(db, r);
        if (message) out.push({ id: r.id, siteId: r.site_id, url: r.url, secret: r.secret, failures: r.failures, privateOk: r.private_ok === 1, message });
      }
      return out;
    },
    async webhookEvent(siteId, ref) {
      const row = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = ? AND site_id = ?`).get(Number(ref), siteId) as EventRow | undefined;
      return row ? rowToEvent(row) : null;
    },
    async webhookMessages(id, afterSeq, limit) {
      const w = stmts(db).events.get(id) as { site_id: string; events: string } | undefined;
      if (!w) return [];
      return stmts(db).next.all({ site: w.site_id, cursor: afterSeq, events: w.events, limit }) as WebhookMessage[];
    },
    async recordWebhookAttempt(id, seq, a) {
      await ctx.commit((tx) => {
        const r = tx.prepare('SELECT site_id, cursor FROM webhooks WHERE id = ?').get(id) as { site_id: string; cursor: number } | undefined;
        // Removed meanwhile, or the message was skipped by an operator during the attempt.
        if (!r || r.cursor >= seq) return;
        if (a.skipped) {
          tx.prepare('UPDATE webhooks SET cursor = ? WHERE id = ?').run(seq, id);
          stmts(tx).prune.run({ site: r.site_id });
          stmts(tx).pruneSpan.run({ site: r.site_id, from: r.cursor, to: seq });
        } else if (a.ok) {
          tx.prepare(
            `UPDATE webhooks SET cursor = ?, failures = 0, next_attempt_at = NULL, last_attempt_at = ?, last_status = ?,
             last_error = NULL, last_success_at = ? WHERE id = ?`,
          ).run(seq, a.at, a.status, a.at, id);
          stmts(tx).prune.run({ site: r.site_id });
          stmts(tx).pruneSpan.run({ site: r.site_id, from: r.cursor, to: seq });
        } else {
          tx.prepare(
            `UPDATE webhooks SET failures = failures + 1, next_attempt_at = ?, last_attempt_at = ?, last_status = ?, last_error = ?
             WHERE id = ?`,
          ).run(a.nextAttemptAt ?? a.at, a.at, a.status, a.error, id);
        }
      });
    },
    async skipWebhookMessage(siteId, id) {
      return ctx.commit((tx) => {
        const r = stmts(tx).one.get(siteId, id) as WebhookRow | undefined;
        const head = r && nextMessage(tx, r);
        if (!head) return null;
        tx.prepare('UPDATE webhooks SET cursor = ?, failures = 0, next_attempt_at = NULL WHERE id = ?').run(head.seq, id);
        stmts(tx).prune.run({ site: siteId });
        stmts(tx).pruneSpan.run({ site: siteId, from: r.cursor, to: head.seq });
        return head.seq;
      });
    },
  };
}
