import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteDriver } from './driver';
import { afterAll, expect, it } from 'vitest';

// Crash durability (issue 2): a 2xx means committed. The collector runs as a real child
// process (the built CLI), takes concurrent batches, is killed with SIGKILL mid-load and
// restarted on the same file. Every acknowledged messageId must be stored exactly once.

const CLI = new URL('../../../dist/cli.js', import.meta.url).pathname;
const WORKERS = 8;
const BATCH = 40;
/** Kill after this many acknowledged batches (the other workers are mid-request then). */
const KILL_AFTER = 40;
/** Upper bound on batches per worker, so the test is bounded even if the kill never lands. */
const MAX_BATCHES = 200;

const dir = mkdtempSync(join(tmpdir(), 'ot-crash-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Server {
  child: ChildProcess;
  url: string;
  out: () => string;
}

/** Starts `omnitrail serve` on port 0 and waits for its "listening on" line. */
function startServer(db: string): Promise<Server> {
  const child = spawn(process.execPath, [CLI, 'serve', '--db', db, '--port', '0', '--rate-ip', '0', '--rate-key', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000);
    child.stdout!.on('data', () => {
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], out: () => out });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
}

// Event times within the site's retention (ingest rejects older events): one day ago.
const T0 = Date.now() - 86_400_000;

function batchBody(writeKey: string, worker: number, n: number) {
  return {
    writeKey,
    batch: Array.from({ length: BATCH }, (_, i) => ({
      type: 'track',
      event: 'Crash Test',
      // Random-looking ids (a foreign client's UUIDs), unique per worker/batch/index.
      messageId: `${worker}-${n}-${i}-${((worker * 7919 + n * 104729 + i * 15485863) % 1e9).toString(36)}`,
      anonymousId: `anon-${worker}-${i % 5}`,
      properties: { worker, n, i },
      timestamp: new Date(T0 + n * 1000 + i).toISOString(),
    })),
  };
}

async function post(url: string, body: unknown): Promise<{ status: number; json: { accepted: number; duplicates: number; rejected: unknown[] } }> {
  const res = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, json: await res.json() };
}

it(
  'every acknowledged event survives kill -9 exactly once; resending acknowledged batches reports only duplicates',
  async () => {
    expect(existsSync(CLI), `${CLI} is missing: build first (pnpm build)`).toBe(true);
    const db = join(dir, 'crash.db');
    const first = await startServer(db);
    const writeKey = /write key\s+(wk_[\w-]+)/.exec(first.out())?.[1];
    expect(writeKey, 'the first start prints the demo site write key').toBeTruthy();

    const acked: ReturnType<typeof batchBody>[] = [];
    const sent: ReturnType<typeof batchBody>[] = [];
    let killed = false;
    const worker = async (w: number) => {
      for (let n = 0; n < MAX_BATCHES; n++) {
        const body = batchBody(writeKey!, w, n);
        sent.push(body);
        let r;
        try {
          r = await post(first.url, body);
        } catch {
          return; // connection reset / refused: the server is gone
        }
        expect(r.status).toBe(200);
        expect(r.json).toMatchObject({ accepted: BATCH, duplicates: 0, rejected: [] });
        acked.push(body);
        if (acked.length >= KILL_AFTER && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    const exited = new Promise((r) => first.child.once('exit', r));
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    await exited;
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER);
    // Some requests were in flight when the process died (they must not be half-stored).
    expect(sent.length).toBeGreaterThan(acked.length);

    const second = await startServer(db);
    for (const body of acked) {
      const r = await post(second.url, body);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ accepted: 0, duplicates: BATCH, rejected: [] });
    }
    // The unacknowledged batches were either fully committed or not at all (one request =
    // one savepoint): a resend is all-duplicate or all-new, never a mix.
    for (const body of sent.filter((b) => !acked.includes(b))) {
      const r = await post(second.url, body);
      expect(r.status).toBe(200);
      expect([0, BATCH]).toContain(r.json.accepted);
      expect(r.json.accepted + r.json.duplicates).toBe(BATCH);
    }
    second.child.kill('SIGTERM');
    const code = await new Promise((r) => second.child.once('exit', r));
    expect(code, second.out()).toBe(0);

    const check = new (sqliteDriver())(db, { readonly: true });
    try {
      const dupes = check.prepare('SELECT message_id, count(*) c FROM events GROUP BY site_id, message_id HAVING c > 1').all();
      expect(dupes).toEqual([]);
      const stored = new Set(check.prepare("SELECT message_id FROM events WHERE event = 'Crash Test'").pluck().all() as string[]);
      expect(stored.size).toBe(sent.length * BATCH);
      for (const b of acked) for (const e of b.batch) expect(stored.has(e.messageId)).toBe(true);
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      check.close();
    }
  },
  120_000,
);
