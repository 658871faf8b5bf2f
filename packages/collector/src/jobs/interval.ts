/** Options of {@link startIntervalJob}. */
export interface IntervalJobOptions {
  /** Time between two passes (ms). */
  intervalMs: number;
  /** Delay before the first pass (ms). Default `intervalMs`. */
  firstRunMs?: number;
  /** Where a failed pass goes; the job keeps running. */
  onError: (err: unknown) => void;
}

/**
 * Runs `pass` on a timer, one pass at a time (a tick during a pass is skipped), for the
 * collector's background jobs (retention, webhook delivery). The timers do not keep the process
 * alive. `pass` gets `stopped()` to end early. Returns a stop function that resolves once the
 * pass in flight has ended.
 *
 * @example
 * const stop = startIntervalJob(async (stopped) => { … }, { intervalMs: 1_000, onError: console.error });
 * await stop();
 */
export function startIntervalJob(pass: (stopped: () => boolean) => Promise<void>, opts: IntervalJobOptions): () => Promise<void> {
  let running: Promise<void> | null = null;
  let stopped = false;
  const isStopped = () => stopped;
  const tick = () => {
    if (running || stopped) return;
    running = pass(isStopped)
      .catch(opts.onError)
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(tick, opts.firstRunMs ?? opts.intervalMs);
  const timer = setInterval(tick, opts.intervalMs);
  first.unref?.();
  timer.unref?.();
  return async () => {
    stopped = true;
    clearTimeout(first);
    clearInterval(timer);
    await running;
  };
}
