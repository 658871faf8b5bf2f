import type { StoredEvent } from '../core';
import { deriveIsolated, type Deriver } from './context';
import { EVENT_COLUMNS, rowToEvent, type EventRow } from './core';
import type { Db } from './db';

/**
 * Migration 11: how far the background derivers (identity stitching) have got through the
 * event log. Existing databases were stitched at ingest, so they start caught up.
 */
export const stitchStateSql = `
CREATE TABLE stitch_state (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  last_event INTEGER NOT NULL        -- events.id of the last event the background derivers saw
);
INSERT INTO stitch_state (id, last_event) SELECT 1, coalesce(max(id), 0) FROM events;
`;

/** Tuning of the {@link createStitcher background pass}. */
export interface StitcherOptions {
  /**
   * How long after an append its events wait for their pass, in ms (default 50). Events of
   * that window share one transaction; reads that need the graph never wait for the timer.
   */
  delayMs?: number;
  /**
   * Most events per pass while ingest is running (default 100 000, ~0.7 s of work): bounds how
   * long one pass holds the event loop, and so the acks that wait behind it.
   */
  maxPass?: number;
  /**
   * Most events per pass when no event was handed over for `idleMs` (default 250 000): a backlog
   * on an idle collector (after a restart or an import) is caught up in bigger transactions,
   * which write far fewer pages per event (5 M events: 33.6 s instead of 41.7 s).
   */
  idlePass?: number;
  /** How long without hand-overs counts as idle, in ms (default 1 000). */
  idleMs?: number;
  /**
   * Most handed-over events held in memory (default 200 000, a few hundred MB at most). Beyond
   * it, events are left to the table path: a pass that falls far behind ingest costs a read of
   * the log, never unbounded memory.
   */
  maxHeld?: number;
}

/** An appended event and its row id, handed over after its transaction committed. */
export type StitchItem = readonly [rowid: number, ev: StoredEvent];

/** See {@link createStitcher}. */
export interface Stitcher {
  /** Hands over events just committed (ascending row ids). Schedules a pass. */
  added(items: readonly StitchItem[]): void;
  /**
   * Inside a commit callback: applies every event stored so far, this transaction's included.
   * Erasure and retention call it first, so no event they delete is stitched afterwards.
   */
  drainSync(db: Db): void;
  /** Resolves once every event committed before the call has been applied. */
  catchUp(): Promise<void>;
  /** Events committed but not applied yet, counted by row id (metrics). */
  backlog(): number;
  /** Runs the pending passes and stops the timer (close). */
  close(): Promise<void>;
}

/**
 * The background pass of the derivers that do not have to be exact at ingest time (identity
 * stitching): ingest commits the events, then hands them over; a pass applies everything that
 * arrived in the last `delayMs` in one transaction of the group committer.
 *
 * Why: the identity tables are B-trees keyed by identifiers, so each event dirties a few
 * random pages, and COMMIT writes every dirty page to the WAL (and the checkpoint writes it
 * again). A transaction of 5 000 events dirtied ~2 000 pages; one of 100 000 events dirties
 * about as many pages as the tables have, far fewer per event. The pass size follows the
 * backlog like group commit follows the load: a few events when idle, up to `maxPass` when
 * catching up (restart, import, burst).
 *
 * Exactly-once: a pass and the cursor (`stitch_state`) commit together. Events come from
 * memory when the hand-over is complete (checked by counting the rows of the range), else from
 * the events table — the recovery path after a restart or a rolled-back pass. Readers of the
 * graph call {@link Stitcher.catchUp} first, so an API answer always includes every event
 * acknowledged before the request.
 *
 * @example
 * const s = createStitcher(db, commit, [identityDeriver], report);
 * s.added([[rowid, event]]); // after the append committed
 * await s.catchUp();         // before reading identity tables
 */
export function createStitcher(
  db: Db,
  commit: <T>(fn: (db: Db) => T, weight?: number) => Promise<T>,
  derivers: readonly Deriver[],
  onError: (err: unknown, ev: StoredEvent, deriver: Deriver) => void,
  opts: StitcherOptions = {},
): Stitcher {
  const delayMs = opts.delayMs ?? 50;
  const maxPass = Math.max(1, opts.maxPass ?? 100_000);
  const idlePass = Math.max(maxPass, opts.idlePass ?? 250_000);
  const idleMs = opts.idleMs ?? 1_000;
  const maxHeld = opts.maxHeld ?? 200_000;
  /** When events were last handed over (ingest is running if recently). */
  let lastAdded = -Infinity;
  const q = {
    cursor: db.prepare('SELECT last_event FROM stitch_state WHERE id = 1').pluck(),
    setCursor: db.prepare('UPDATE stitch_state SET last_event = ? WHERE id = 1'),
    maxId: db.prepare('SELECT coalesce(max(id), 0) FROM events').pluck(),
    count: db.prepare('SELECT count(*) FROM events WHERE id > ? AND id <= ?').pluck(),
    range: db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`),
    fast: db.prepare('SAVEPOINT stitch_fast'),
    release: db.prepare('RELEASE stitch_fast'),
    rollback: db.prepare('ROLLBACK TO stitch_fast'),
  };
  /** Handed-over events not known to be applied, ascending row ids. */
  let backlog: StitchItem[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> | null = null;
  let closed = false;

  const cursor = () => q.cursor.get() as number;

  /** Forgets handed-over events at or before `from` (applied). */
  function trim(from: number): void {
    let i = 0;
    while (i < backlog.length && backlog[i][0] <= from) i++;
    if (i > 0) backlog = backlog.slice(i);
  }

  /** The next events to apply after `from`, at most `limit`: from memory when complete, else from the table. */
  function nextItems(from: number, limit: number): StitchItem[] {
    trim(from);
    const mem = backlog.slice(0, limit);
    if (mem.length > 0 && (q.count.get(from, mem[mem.length - 1][0]) as number) === mem.length) return mem;
    // The hand-over has a gap (restart, another process, a pass rolled back): read the log.
    return (q.range.all(from, Number.MAX_SAFE_INTEGER, limit) as EventRow[]).map((r) => [r.id, rowToEvent(r)] as const);
  }

  /** The pass inside every deriver's `pass` wrapper (per-pass work at its end, same transaction). */
  function apply(d: Db, items: StitchItem[]): void {
    derivers.reduce<() => void>((run, deriver) => (deriver.pass ? () => deriver.pass!(d, run) : run), () => applyEach(d, items))();
  }

  /** One deriver call per event; isolated only when the optimistic run failed (like appendSync). */
  function applyEach(d: Db, items: StitchItem[]): void {
    q.fast.run();
    try {
      for (const [rowid, ev] of items) for (const derive of derivers) derive(d, ev, rowid);
      q.release.run();
      return;
    } catch {
      q.rollback.run();
      q.release.run();
    }
    for (const [rowid, ev] of items) deriveIsolated(d, derivers, ev, rowid, onError);
  }

  /** Inside a transaction: applies up to `limit` events after the cursor; returns how many. */
  function passSync(d: Db, limit: number): number {
    const from = cursor();
    const items = nextItems(from, limit);
    if (items.length === 0) return 0;
    apply(d, items);
    q.setCursor.run(items[items.length - 1][0]);
    return items.length;
  }

  /** Passes until the cursor reaches `target` (a row id committed before the call). */
  async function runTo(target: number): Promise<void> {
    for (let at = cursor(); at < target; at = cursor()) {
      trim(at);
      const limit = performance.now() - lastAdded >= idleMs ? idlePass : maxPass;
      const n = await commit((d) => passSync(d, limit), Math.min(backlog.length, limit) || 1);
      if (n === 0) break; // the rest was deleted meanwhile (erasure, retention)
    }
  }

  /**
   * One run: the events committed when it starts, in passes of at most `maxPass`. Events
   * arriving meanwhile wait for the next timer, so a busy server still batches them.
   */
  function run(): Promise<void> {
    if (timer) clearTimeout(timer), (timer = null);
    /** Events committed meanwhile (held or not) get the next run; after a failure, in a second. */
    const next = (wait?: number) => {
      running = null;
      if ((q.maxId.get() as number) > cursor()) schedule(wait);
    };
    running ??= runTo(q.maxId.get() as number).then(
      () => next(),
      (err) => {
        next(1_000);
        throw err;
      },
    );
    return running;
  }

  function schedule(wait?: number): void {
    if (timer || running || closed) return;
    timer = setTimeout(() => {
      timer = null;
      run().catch((err) => console.error('omnitrail: background stitching pass failed (retried in a second):', err));
    }, wait ?? (backlog.length >= maxPass ? 0 : delayMs));
    // Never keeps a process alive on its own (a CLI exits; close() drains).
    timer.unref?.();
  }

  // Events stored but not yet stitched (a crash, a stop before the pass): catch up soon.
  if ((q.maxId.get() as number) > cursor()) schedule();

  return {
    added(items) {
      if (items.length === 0) return;
      lastAdded = performance.now();
      // Past the cap the rest of the hand-over is dropped: the count check sends those rows
      // through the table path.
      for (const it of items) if (backlog.length < maxHeld) backlog.push(it);
      schedule();
    },
    drainSync(d) {
      while (passSync(d, idlePass) > 0);
    },
    async catchUp() {
      const target = q.maxId.get() as number;
      // A run in progress may have a smaller target: wait for it, then run again.
      for (let before = -1; cursor() < target && cursor() !== before; ) {
        before = cursor();
        await (running ?? run());
      }
    },
    backlog: () => Math.max(0, (q.maxId.get() as number) - cursor()),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer), (timer = null);
      await this.catchUp();
    },
  };
}
