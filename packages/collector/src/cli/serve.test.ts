import { request } from 'node:http';
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { expect, test } from 'vitest';
import { run } from './serve';
import type { CliIo } from './io';
import { tempDbPath } from '../test-utils/harness';
import { openSqliteStore } from '../store/sqlite/index';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(fn: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = fn();
    if (v !== undefined) return v;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Runs `serve` on `db` until its "listening" line, then stops it with SIGINT; returns what it printed (stderr lines as `ERR …`). */
async function startAndStop(db: string): Promise<string[]> {
  const lines: string[] = [];
  const done = run(['--port', '0', '--db', db], { out: (l) => lines.push(l), err: (l) => lines.push('ERR ' + l) });
  await waitFor(() => (lines.some((l) => l.includes('listening on')) ? true : undefined), 'listening line');
  process.emit('SIGINT');
  expect(await done).toBe(0);
  return lines;
}

test('serve: first start creates a first site (not a demo site); SIGTERM drains an in-flight request, then closes the database', async () => {
  const db = tempDbPath();
  const lines: string[] = [];
  const io: CliIo = { out: (l) => lines.push(...l.split('\n')), err: (l) => lines.push('ERR ' + l) };
  const done = run(['--port', '0', '--db', db], io);
  const url = await waitFor(() => lines.map((l) => /listening on (http:\/\/\S+)/.exec(l)?.[1]).find(Boolean), 'listening line');
  const writeKey = /write key\s+(wk_\S+)/.exec(lines.join('\n'))?.[1];
  expect(writeKey).toBeTruthy();
  expect(lines.join('\n')).toMatch(/secret key\s+sk_\S+/);
  // The stitching pass reports its backlog (nothing ingested yet).
  const first = await (await fetch(url + '/metrics')).text();
  expect(first).toContain('# TYPE omnitrail_stitch_backlog_events gauge\nomnitrail_stitch_backlog_events 0\n');
  // Free space on the database's file system, as statfs says (other files may change it meanwhile).
  const free = Number(/\nomnitrail_disk_free_bytes (\d+)\n/.exec(first)?.[1]);
  const fs = statfsSync(dirname(db));
  expect(Math.abs(free - fs.bavail * fs.bsize)).toBeLessThan(256 * 1024 * 1024);
  // The WAL checkpoint worker's passes are counted (the demo site's commit starts the first).
  let metrics = '';
  for (let i = 0; i < 200 && !/omnitrail_wal_checkpoint_passes_total [1-9]/.test(metrics); i++) {
    await sleep(25);
    metrics = await (await fetch(url + '/metrics')).text();
  }
  expect(metrics).toMatch(/\nomnitrail_wal_checkpoint_passes_total [1-9]\d*\n/);

  // A batch whose body arrives in two halves, with SIGTERM in between: it must still be
  // answered 200 and committed; only then does the server close.
  const batch = Array.from({ length: 200 }, (_, i) => ({ type: 'track', event: 'E', anonymousId: 'a', messageId: `drain-${i}` }));
  const body = Buffer.from(JSON.stringify({ batch }));
  const { port } = new URL(url);
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/v1/batch', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: 'Basic ' + btoa(`${writeKey}:`) } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      },
    );
    req.on('error', reject);
    req.write(body.subarray(0, 100));
    req.on('socket', (s) =>
      s.on('connect', async () => {
        await sleep(100);
        process.emit('SIGTERM');
        await sleep(100);
        req.end(body.subarray(100));
      }),
    );
  });
  const res = await response;
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text)).toEqual({ accepted: 200, duplicates: 0, rejected: [] });
  expect(await done).toBe(0);
  expect(lines.join('\n')).toContain('stopped cleanly');
  expect(process.listenerCount('SIGTERM')).toBe(0);

  // Closed: no new connections; the database holds the drained batch and the demo site.
  await expect(fetch(url + '/healthz')).rejects.toThrow();
  const store = openSqliteStore(db);
  try {
    const [site] = await store.listSites();
    expect(site.name).toBe('My shop');
    expect(site.settings).toEqual({});
    expect(await store.countEvents(site.id)).toBe(200);
    // SIGTERM also ran the pending stitching pass: the graph is complete without a catch-up.
    expect(store.stitchBacklog()).toBe(0);
    expect(store.db.prepare("SELECT count(*) FROM identity_ids WHERE kind = 'anon' AND value = 'a'").pluck().get()).toBe(1);
  } finally {
    await store.close();
  }

  // Second start on the same file: no second demo site.
  expect((await startAndStop(db)).join('\n')).not.toContain('Created a first site');
});

test('serve: bad flags are refused with a clear message', async () => {
  const errs: string[] = [];
  const io: CliIo = { out: () => {}, err: (l) => errs.push(l) };
  await expect(run(['--port', 'eighty'], io)).rejects.toThrow(/--port must be a non-negative integer/);
  await expect(run(['--port', '70000'], io)).rejects.toThrow(/at most 65535/);
  await expect(run(['--metrics-token', 'short'], io)).rejects.toThrow(/--metrics-token: the metrics token needs at least 16 characters/);
  await expect(run(['--min-free-disk', 'lots'], io)).rejects.toThrow(/--min-free-disk must be a non-negative integer/);
});

test('serve: /healthz says disk_low when the database disk has less free space than --min-free-disk', async () => {
  const db = tempDbPath();
  const fs = statfsSync(dirname(db));
  // More than the disk has free: the check must fire (1 TB above what statfs reports).
  const above = Math.ceil((fs.bavail * fs.bsize) / 1_048_576) + 1_048_576;
  for (const [flag, status] of [[String(above), 503], ['0', 200]] as const) {
    const lines: string[] = [];
    const done = run(['--port', '0', '--db', db, '--min-free-disk', flag], { out: (l) => lines.push(l), err: (l) => lines.push('ERR ' + l) });
    const url = await waitFor(() => lines.map((l) => /listening on (http:\/\/\S+)/.exec(l)?.[1]).find(Boolean), 'listening line');
    const res = await fetch(url + '/healthz');
    expect(res.status).toBe(status);
    if (status === 503) expect(await res.json()).toMatchObject({ error: 'disk_low' });
    process.emit('SIGINT');
    expect(await done).toBe(0);
  }
});

test('serve: --metrics-token (or OMNITRAIL_METRICS_TOKEN) puts /metrics behind a bearer token', async () => {
  for (const [argv, env] of [[['--metrics-token', 'flag-token-0123456789'], undefined], [[], 'env-token-0123456789ab']] as const) {
    const token = env ?? argv[1];
    if (env) process.env.OMNITRAIL_METRICS_TOKEN = env;
    const lines: string[] = [];
    try {
      const done = run(['--port', '0', '--db', tempDbPath(), ...argv], { out: (l) => lines.push(l), err: (l) => lines.push('ERR ' + l) });
      const url = await waitFor(() => lines.map((l) => /listening on (http:\/\/\S+)/.exec(l)?.[1]).find(Boolean), 'listening line');
      expect((await fetch(url + '/metrics')).status).toBe(401);
      const ok = await fetch(url + '/metrics', { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('omnitrail_events_accepted_total');
      process.emit('SIGINT');
      expect(await done).toBe(0);
    } finally {
      delete process.env.OMNITRAIL_METRICS_TOKEN;
    }
  }
});

test('serve: says so before a long dedup-filter rebuild (a log without a current snapshot), then listens', async () => {
  const db = tempDbPath();
  const prep = openSqliteStore(db);
  const n = 100_001;
  await prep.commit((d) => {
    const ins = d.prepare("INSERT INTO events (site_id, mid_hash, message_id, type, ts, received_at) VALUES ('st_x', ?, ?, 'track', 1, 1)");
    for (let i = 0; i < n; i++) ins.run(i, `bulk-${i}`);
  });
  await prep.close();
  const lines = await startAndStop(db);
  const notice = lines.findIndex((l) => l.startsWith('ERR omnitrail: rebuilding the dedup filter from 100 001 stored events'));
  expect(notice).toBeGreaterThanOrEqual(0);
  expect(notice).toBeLessThan(lines.findIndex((l) => l.includes('listening on')));
  // The clean stop saved the snapshot: the next start has nothing to rebuild.
  expect((await startAndStop(db)).join('\n')).not.toContain('rebuilding the dedup filter');
});
