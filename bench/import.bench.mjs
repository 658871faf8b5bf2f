// CSV import throughput: `omnitrail import orders <file.csv>` exactly as a user runs it (the
// built CLI in a child process) on N generated POS rows into a fresh SQLite file, then the
// same file again (the idempotent re-run: every order unchanged). Target: 1 000 000 rows in
// minutes. Run: `pnpm bench` (builds first) or `node bench/import.bench.mjs` after a build.
// Env: IMPORT_BENCH_ROWS (default 1 000 000), OMNITRAIL_DIST (collector dist directory).
//
// The rows look like a real export: ";" separated with decimal commas, a loyalty card on most
// orders (a customer buys ~3 times), an e-mail on half, a phone on a third, every 5th order
// with two line items (two rows), and one bad row per thousand (rejected with its line number).
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from './lib/cli.mjs';

const root = new URL('..', import.meta.url).pathname;
const dist = process.env.OMNITRAIL_DIST ?? join(root, 'packages/collector/dist');
const ROWS = Number(process.env.IMPORT_BENCH_ROWS ?? 1_000_000);

async function writeCsv(file, rows) {
  const out = createWriteStream(file);
  const write = (s) => (out.write(s) ? undefined : new Promise((r) => out.once('drain', r)));
  await write('Bestellnr;Datum;Filiale;Umsatz;Währung;Kundenkarte;E-Mail;Telefon;Artikel;Menge;Preis\n');
  const t0 = Date.UTC(2026, 0, 1);
  let written = 0;
  let order = 0;
  let bad = 0;
  while (written < rows) {
    order++;
    const customer = order % Math.max(1, Math.floor(rows / 3));
    const ts = new Date(t0 + order * 7_000).toISOString().slice(0, 19).replace('T', ' ');
    const card = order % 10 === 0 ? '' : `L-${customer}`;
    const email = customer % 2 === 0 ? `kunde${customer}@example-shop.de` : '';
    const phone = customer % 3 === 0 ? `030 ${String(1_000_000 + customer).slice(-7)}` : '';
    const lines = order % 5 === 0 ? 2 : 1;
    const revenue = order % 1000 === 0 ? 'n/a' : `${(order % 400) + 9},90`;
    if (revenue === 'n/a') bad++;
    for (let l = 0; l < lines && written < rows; l++, written++) {
      await write(`B-${order};${ts};store-${order % 60};${revenue};EUR;${card};${email};${phone};SKU-${(order + l) % 5000};1;${(order % 200) + 4},95\n`);
    }
  }
  await new Promise((r) => out.end(r));
  return { orders: order, bad };
}

export async function run() {
  const { openSqliteStore } = await import(pathToFileURL(join(dist, 'node.js')).href);
  const dir = mkdtempSync(join(tmpdir(), 'omnitrail-import-bench-'));
  try {
    const file = join(dir, 'orders.csv');
    const db = join(dir, 'bench.db');
    const gen = await writeCsv(file, ROWS);
    const store = openSqliteStore(db);
    await store.createSite({ name: 'Bench', origins: ['https://shop.example'] });
    await store.close();
    const args = ['import', 'orders', file, '--db', db, '--default-country', 'DE', '--no-progress', '--rejects', join(dir, 'rejects.csv')];
    const first = await runCli(args);
    const second = await runCli(args);
    const check = openSqliteStore(db);
    const [site] = await check.listSites();
    const stored = await check.countOrders(site.id);
    await check.close();
    const row = (name, r) => ({
      run: name,
      rows: ROWS,
      'total s': +(r.ms / 1000).toFixed(1),
      'rows/s': Math.round(ROWS / (r.ms / 1000)),
      'cpu s': +r.cpu.toFixed(1),
      'rows/cpu-s': Math.round(ROWS / r.cpu),
      summary: r.out.replace(/^orders: /, ''),
    });
    const result = [row('first import', first), row('re-run (idempotent)', second)];
    console.log(`\nCSV import (load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores): ${ROWS} rows (${(statSync(file).size / 1e6).toFixed(0)} MB), ${gen.orders} orders, ${gen.bad} bad rows; ${stored} orders stored`);
    console.table(result);
    if (stored !== gen.orders - gen.bad) throw new Error(`expected ${gen.orders - gen.bad} orders stored, found ${stored}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
