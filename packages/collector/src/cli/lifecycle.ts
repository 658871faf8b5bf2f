import { dedupRescanNotice, startServer, type RunningServer, type StartServerOptions } from '../node/server';
import type { SqliteStore } from '../store/sqlite/index';
import { startRetentionJob } from '../privacy/retention-job';
import { startWebhookDeliverer } from '../webhooks/deliverer';
import { publicOnlyFetch } from '../node/public-fetch';
import { CliError, type CliIo } from './io';

/**
 * Start the collector's HTTP server, turning the usual start-up failures (port taken, no
 * permission) into a one-line {@link CliError}. With `notices`, a long dedup-filter rebuild
 * before listening is announced on its stderr.
 *
 * @example
 * const srv = await listen({ port: 8787, dbPath: './omnitrail.db', quiet: true }, io);
 */
export async function listen(opts: StartServerOptions & { store?: undefined }, notices?: CliIo): Promise<RunningServer<SqliteStore>> {
  try {
    return await startServer(notices ? { ...opts, onDedupRescan: (n) => notices.err(dedupRescanNotice(n)) } : opts);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') throw new CliError(`port ${opts.port} is already in use; stop the other process or pick another with --port`, 1);
    if (err.code === 'EACCES') throw new CliError(`not allowed to listen on ${opts.host}:${opts.port}`, 1);
    throw new CliError(`cannot start: ${err.message}`, 1);
  }
}

/**
 * Keep a started collector running with its hourly retention job and the webhook deliverer until SIGTERM or SIGINT, then
 * drain in-flight requests, close the database and resolve with the exit code. A second signal
 * exits at once. Signal handlers are removed afterwards (tests run this in-process).
 *
 * @example
 * process.exitCode = await runUntilSignal(srv, io);
 */
export async function runUntilSignal(srv: RunningServer, io: CliIo): Promise<number> {
  // Raw-event retention (per-site settings.retentionDays, default 25 months), hourly.
  const stopRetention = startRetentionJob(srv.store, {
    onRun: (r) => r.deleted > 0 && io.out(`omnitrail: retention removed ${r.deleted} old events of site ${r.siteId}`),
  });
  // Webhooks: order changes to the shops' CRM/ERP endpoints, polled every second.
  // Webhooks registered through the API reach public addresses only (checked at connect time).
  const stopWebhooks = startWebhookDeliverer(srv.store, {
    publicFetch: publicOnlyFetch(),
    onError: (e) => io.err(`omnitrail: webhook delivery failed: ${e instanceof Error ? e.message : String(e)}`),
  });
  let detach = () => {};
  const code = await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        io.err(`omnitrail: ${signal} again, exiting without draining`);
        process.exit(1);
      }
      stopping = true;
      io.out(`omnitrail: ${signal}: draining in-flight requests and closing the database…`);
      Promise.all([stopRetention(), stopWebhooks()])
        .then(() => srv.close())
        .then(
          () => {
            io.out('omnitrail: stopped cleanly');
            resolve(0);
          },
          (e) => {
            io.err(`omnitrail: error while closing: ${e instanceof Error ? e.message : String(e)}`);
            resolve(1);
          },
        );
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    detach = () => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
    };
  });
  detach();
  return code;
}
