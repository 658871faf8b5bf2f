import type { SqliteContext } from './context';

/** How long a successful write probe (`ping`, behind the public /healthz) is reused, in ms. */
const PING_REUSE_MS = 1000;

interface PingState {
  at: number;
  ok: boolean;
  pending: boolean;
  result: Promise<boolean>;
}

/**
 * The store's `ping` (behind `/healthz`): a real, durable write through the group committer, not
 * `SELECT 1`. A read answers from memory even when the file system has gone read-only (ext4
 * errors=remount-ro) or is full, while every ingest request fails with 500 — /healthz must then
 * say 503 so a load balancer stops sending traffic. Rewriting `application_id` with its own value
 * changes nothing but dirties page 1, so COMMIT appends one WAL frame and the WAL is fsynced; it
 * shares the transaction of concurrent ingest (one page per probe, no extra fsync). /healthz is
 * public: concurrent probes share one write, and a success is reused for 1 s, so a flood of
 * health checks cannot turn into a flood of writes. A failure is never reused.
 *
 * @example
 * const ping = writeProbe(ctx);
 * await ping(); // true while the database can be written
 */
export function writeProbe(ctx: Pick<SqliteContext, 'commit'>): () => Promise<boolean> {
  let lastPing: PingState | null = null;
  return () => {
    const now = Date.now();
    if (lastPing && (lastPing.pending || (lastPing.ok && now - lastPing.at < PING_REUSE_MS))) return lastPing.result;
    const p: PingState = { at: now, ok: false, pending: true, result: Promise.resolve(false) };
    p.result = ctx
      .commit((d) => {
        const id = d.pragma('application_id', { simple: true }) as number;
        d.pragma(`application_id = ${id | 0}`);
      }, 0) // weight 0: no event, so omnitrail_flush_events_total does not count health checks
      .then(
        () => true,
        () => false,
      )
      .then((ok) => {
        p.ok = ok;
        p.pending = false;
        p.at = Date.now();
        return ok;
      });
    lastPing = p;
    return p.result;
  };
}
