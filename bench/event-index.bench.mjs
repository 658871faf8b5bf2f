// What each index of the events table costs per stored event: the collector's schema (the real
// migrations) with some event indexes dropped, loaded with the same rows (random UUIDv4
// messageIds, 50 000 visitors) in transactions the size of the group commit under the ingest
// bench's loads: ~24 events (`/v1/track`, 50 connections) and ~480 (`/v1/batch` × 20).
// Process CPU per event, checkpoints included; WAL + synchronous=NORMAL, as the store runs.
// Rounds alternate the variants on fresh files; the table shows each variant's median and its
// extra cost over the table without event indexes, measured in the same run.
// Env: EVENT_INDEX_ROWS (default 300000, ~4.6 index generations), EVENT_INDEX_ROUNDS (3).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prefill } from './lib/prefill.mjs';

const ROWS = Number(process.env.EVENT_INDEX_ROWS ?? 300_000);
const ROUNDS = Number(process.env.EVENT_INDEX_ROUNDS ?? 3);
const ALL = ['events_mid', 'events_anon', 'events_user', 'events_site_ts'];
/** Variant name → the event indexes it keeps (the rows have no userId: events_user stays empty). */
const VARIANTS = {
  'no event index': [],
  'events_site_ts only': ['events_site_ts'],
  'events_mid only': ['events_mid'],
  'events_anon only': ['events_anon'],
  'all four (shipping)': ALL,
};
const TXNS = [24, 480];

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const dir = mkdtempSync(join(tmpdir(), 'omnitrail-event-index-'));
const cpu = new Map();
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const txn of TXNS) {
      for (const [name, keep] of Object.entries(VARIANTS)) {
        const path = join(dir, `r${round}-${txn}-${keep.length}-${keep[0] ?? 'none'}.db`);
        const r = await prefill(path, 'st_bench', ROWS, { txn, synchronous: 'NORMAL', dropIndexes: ALL.filter((i) => !keep.includes(i)) });
        const key = `${txn}|${name}`;
        cpu.set(key, [...(cpu.get(key) ?? []), r.cpuUsPerRow]);
        for (const f of ['', '-wal', '-shm']) rmSync(path + f, { force: true });
      }
    }
  }
  const rows = [];
  for (const txn of TXNS) {
    const base = median(cpu.get(`${txn}|no event index`));
    for (const name of Object.keys(VARIANTS)) {
      const xs = cpu.get(`${txn}|${name}`);
      rows.push({
        'events per transaction': txn,
        indexes: name,
        'CPU µs/event (median)': median(xs).toFixed(1),
        'over no index': (median(xs) - base).toFixed(1),
        runs: xs.map((x) => x.toFixed(1)).join(' / '),
      });
    }
  }
  console.log(`${ROWS} events per run, ${ROUNDS} rounds`);
  console.table(rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
