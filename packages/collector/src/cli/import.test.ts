import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '../node/server';
import { openSqliteStore } from '../store/sqlite/index';
import { tempDbPath } from '../test-utils/harness';
import { run, type ImportIo } from './import';
import { OrderGrouper, resolveColumns, sniffDelimiter } from './import-rows';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function capture(progress?: { isTTY: boolean }) {
  const out: string[] = [];
  const err: string[] = [];
  const bar: string[] = [];
  const io: ImportIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    progress: { isTTY: progress?.isTTY ?? false, write: (s: string) => bar.push(s) },
  };
  return { io, out, err, bar };
}

async function setup(csv: string, name = 'rows.csv') {
  const db = tempDbPath();
  const store = openSqliteStore(db);
  const { site, secretKey } = await store.createSite({ name: 'Shop', origins: ['*'] });
  await store.close();
  const file = join(dirname(db), name);
  writeFileSync(file, csv);
  return { db, file, siteId: site.id, secretKey };
}

// A German POS export: ";" separated, decimal commas, own column names, line items.
const ORDERS = [
  'Bestellnr;Datum;Filiale;Umsatz;Währung;Kundenkarte;E-Mail;Telefon;Artikel;Menge;Preis',
  'B-1;2026-03-01 10:15;berlin;89,90;EUR;L-4711;Jane@Shop.de;030 1234567;SKU-1;1;59,90',
  'B-1;2026-03-01 10:15;berlin;89,90;EUR;L-4711;Jane@Shop.de;030 1234567;SKU-2;2;15,00',
  ';2026-03-01 11:00;berlin;10,00;EUR;L-1;;;;;', // line 4: no order number
  'B-3;2026-03-01 12:00;hamburg;zehn;EUR;L-2;;;;;', // line 5: bad revenue
  'B-4;2026-03-01 13:00;hamburg;5,00;EUR;;nope;;;;', // line 6: bad e-mail → warning only
  'B-5;2099-01-01 13:00;hamburg;5,00;EUR;L-3;;;;;', // line 7: future
  'B-6;02.03.2026 09:00;berlin;120,00;EUR;L-4711;;;;;', // day-first dotted date: March 2
  'B-7;03/02/2026 09:00;berlin;7,00;EUR;L-5;;;;;', // line 9: slashed date, ambiguous → refused
].join('\n');
const SLASHED = 'timestamp is not a date: "03/02/2026 09:00" (use ISO-8601 such as 2026-03-01 10:15 or 2026-03-01T10:15:00+01:00, DD.MM.YYYY HH:MM, or ms since epoch)';
// Explicit mappings for some columns; the German header names of the others map themselves.
const MAP = ['--map', 'order_id=Bestellnr', '--map', 'revenue=Umsatz', '--map', 'sku=Artikel', '--map', 'phone=Telefon'];

describe('omnitrail import orders', () => {
  it('imports good rows, reports bad ones by line number, and is idempotent on re-run', async () => {
    const { db, file, siteId } = await setup(ORDERS);
    const rejects = join(dirname(db), 'rejects.csv');
    const dry = capture();
    expect(await run(['orders', file, '--db', db, '--default-country', 'DE', '--dry-run', ...MAP], dry.io)).toBe(3);
    expect(dry.out[0]).toMatch(/^orders \(dry run, nothing written\): 8 rows → 7 orders: 3 valid, 4 rejected/);
    expect(dry.err).toHaveLength(4);
    const peek = openSqliteStore(db);
    expect(await peek.countOrders(siteId)).toBe(0);
    await peek.close();
    const a = capture();
    const code = await run(['orders', file, '--db', db, '--default-country', 'DE', '--rejects', rejects, ...MAP], a.io);
    expect(a.err).toEqual([
      'line 4: order_id is required',
      'line 5 (B-3): revenue is not a number: "zehn"',
      'line 7 (B-5): timestamp is in the future',
      `line 9 (B-7): ${SLASHED}`,
    ]);
    expect(code).toBe(3);
    expect(a.out).toHaveLength(1);
    expect(a.out[0]).toMatch(/^orders: 8 rows → 7 orders: 3 imported, 0 unchanged, 4 rejected, 1 warnings \(e\.g\. line 6: email is not a usable e-mail address; ignored\) in [\d.]+ s/);
    expect(readFileSync(rejects, 'utf8').split('\n')).toEqual(['line,id,reason', '4,,order_id is required', '5,B-3,"revenue is not a number: ""zehn"""', '7,B-5,timestamp is in the future', `9,B-7,"${SLASHED.replaceAll('"', '""')}"`, '']);
    expect(a.bar).toEqual([]); // not a TTY: no progress bar

    const store = openSqliteStore(db);
    try {
      const b1 = await store.getOrder(siteId, 'B-1');
      expect(b1).toMatchObject({ channel: 'store', location: 'berlin', revenue: 89.9, ts: Date.UTC(2026, 2, 1, 10, 15), currency: 'EUR' });
      expect(b1!.products).toEqual([{ sku: 'SKU-1', quantity: 1, price: 59.9 }, { sku: 'SKU-2', quantity: 2, price: 15 }]);
      expect(b1!.identifiers).toEqual(
        expect.arrayContaining([{ kind: 'email', value: sha('jane@shop.de') }, { kind: 'phone', value: sha('+49301234567') }]),
      );
      // B-1 and B-6 share the loyalty card: one person
      const p1 = await store.personOf(siteId, { kind: 'order', value: 'B-1' });
      const p6 = await store.personOf(siteId, { kind: 'order', value: 'B-6' });
      expect(p6?.personId).toBe(p1?.personId);
      expect((await store.getOrder(siteId, 'B-6'))?.ts).toBe(Date.UTC(2026, 2, 2, 9));
      expect(await store.countOrders(siteId)).toBe(3);
    } finally {
      await store.close();
    }

    const b = capture();
    expect(await run(['orders', file, '--db', db, '--default-country', 'DE', ...MAP], b.io)).toBe(3);
    expect(b.out[0]).toMatch(/0 imported, 3 unchanged, 4 rejected/);
  });

  it('draws a progress bar when asked (or on a TTY)', async () => {
    const rows = ['order_id,revenue,loyalty_card'];
    for (let i = 0; i < 3000; i++) rows.push(`O-${i},${i % 50}.5,L-${i % 97}`);
    const { db, file } = await setup(rows.join('\n'));
    const c = capture({ isTTY: true });
    expect(await run(['orders', file, '--db', db, '--batch', '500'], c.io)).toBe(0);
    const drawn = c.bar.join('');
    expect(drawn).toContain('orders |');
    expect(drawn).toMatch(/100% \| 3000 rows \| \d+ rows\/s \| 0 rejected/);
    expect(c.out[0]).toMatch(/^orders: 3000 rows → 3000 orders: 3000 imported, 0 unchanged, 0 rejected/);
    const quiet = capture({ isTTY: true });
    expect(await run(['orders', file, '--db', db, '--no-progress'], quiet.io)).toBe(0);
    expect(quiet.bar).toEqual([]);
    expect(quiet.out[0]).toMatch(/0 imported, 3000 unchanged/);
  });

  it('sends through a running collector with --url/--secret-key, same results', async () => {
    const { db, file, secretKey, siteId } = await setup(ORDERS);
    const store = openSqliteStore(db);
    const server = await startServer({ store, port: 0, host: '127.0.0.1', quiet: true, rateLimit: false });
    try {
      const c = capture();
      const code = await run(['orders', file, '--url', server.url, '--secret-key', secretKey, '--default-country', 'DE', ...MAP], c.io);
      expect(c.err).toEqual(['line 4: order_id is required', 'line 5 (B-3): revenue is not a number: "zehn"', 'line 7 (B-5): timestamp is in the future', `line 9 (B-7): ${SLASHED}`]);
      expect(code).toBe(3);
      expect(await store.countOrders(siteId)).toBe(3);
      const bad = capture();
      expect(await run(['orders', file, '--url', server.url, '--secret-key', 'sk_wrong', ...MAP], bad.io)).toBe(1);
      expect(bad.err[0]).toMatch(/401/);
    } finally {
      await server.close();
      await store.close();
    }
  });

  it('reads a Windows-1252 export (older Excel, cash registers) with its euro signs and umlauts; --encoding utf8 forces UTF-8', async () => {
    // "ü" is 0xFC and "€" is 0x80 in Windows-1252; as UTF-8 they are invalid bytes.
    const bytes = Buffer.from([...'Bestellnr;Datum;Filiale;Umsatz\r\nB-1;01.03.2026 10:15;M\u00fcnchen;129,00 \u0080\r\n'].map((ch) => ch.charCodeAt(0)));
    const { db, file, siteId } = await setup('');
    writeFileSync(file, bytes);
    const map = ['--map', 'order_id=Bestellnr', '--map', 'revenue=Umsatz', '--map', 'location=Filiale', '--map', 'timestamp=Datum'];
    const forced = capture();
    expect(await run(['orders', file, '--db', db, '--encoding', 'utf8', ...map], forced.io)).toBe(3);
    expect(forced.err[0]).toMatch(/revenue is not a number: "129,00 \uFFFD"/);
    const auto = capture();
    expect(await run(['orders', file, '--db', db, ...map], auto.io)).toBe(0);
    const store = openSqliteStore(db);
    try {
      expect(await store.getOrder(siteId, 'B-1')).toMatchObject({ revenue: 129, location: 'München', ts: Date.UTC(2026, 2, 1, 10, 15) });
    } finally {
      await store.close();
    }
    const bad = capture();
    expect(await run(['orders', file, '--db', db, '--encoding', 'ebcdic', ...map], bad.io)).toBe(2);
    expect(bad.err[0]).toMatch(/--encoding must be auto, utf8 or windows-1252/);
  });

  it('--currency gives orders whose row has no currency one; a currency cell still wins', async () => {
    const csv = ['Bestellnr;Datum;Umsatz;Währung', 'B-1;2026-03-01 10:15;10,00;', 'B-2;2026-03-01 10:16;20,00;USD'].join('\n');
    const { db, file, siteId } = await setup(csv);
    const c = capture();
    expect(await run(['orders', file, '--db', db, '--map', 'order_id=Bestellnr', '--map', 'revenue=Umsatz', '--currency', 'eur'], c.io)).toBe(0);
    // Without a currency column at all, every order gets the default.
    const bare = join(dirname(db), 'bare.csv');
    writeFileSync(bare, 'order_id,timestamp,revenue\nB-3,2026-03-01 10:17,30\n');
    expect(await run(['orders', bare, '--db', db, '--currency', 'CHF'], capture().io)).toBe(0);
    const store = openSqliteStore(db);
    try {
      expect((await store.getOrder(siteId, 'B-1'))?.currency).toBe('EUR');
      expect((await store.getOrder(siteId, 'B-2'))?.currency).toBe('USD');
      expect((await store.getOrder(siteId, 'B-3'))?.currency).toBe('CHF');
    } finally {
      await store.close();
    }
  });

  it('explains usage errors', async () => {
    const { db, file } = await setup('a,b\n1,2\n');
    const cases: [string[], RegExp][] = [
      [['orders'], /exactly one CSV file/],
      [['people', file], /"orders", "touchpoints" or "events"/],
      [['orders', file, '--db', db, '--map', 'nonsense=X'], /unknown field "nonsense"/],
      [['orders', file, '--db', db, '--map', 'order_id=Nope'], /not in the header: order_id=Nope/],
      [['orders', file, '--db', db], /no order_id column/],
      [['orders', file, '--db', db, '--site', 'zzz'], /no site zzz/],
      [['orders', file, '--db', db, '--default-country', 'Germany'], /two-letter/],
      [['orders', file, '--bogus'], /Unknown option/],
      [['orders', file, '--db', db, '--currency', 'XYZ'], /--currency must be an ISO 4217 currency code/],
      [['orders', file, '--db', db, '--currency', 'euro'], /--currency must be an ISO 4217 currency code/],
      [['touchpoints', file, '--db', db, '--currency', 'EUR'], /--currency applies to orders only/],
    ];
    for (const [argv, re] of cases) {
      const c = capture();
      expect(await run(argv, c.io)).not.toBe(0);
      expect(c.err.join('\n')).toMatch(re);
    }
    const h = capture();
    expect(await run(['--help'], h.io)).toBe(0);
    expect(h.out[0]).toMatch(/^Usage: omnitrail import <orders\|touchpoints>/);
  });
});

describe('omnitrail import touchpoints', () => {
  it('imports touchpoints idempotently with line-numbered rejections', async () => {
    const csv = [
      'Type,Time,Store,Note,Customer ID,Loyalty Card',
      'store_visit,2026-03-01 10:00,berlin,"tried shoes, size 42",C-17,L-1',
      'consultation,2026-03-01 11:00,berlin,,C-18,',
      'fax,2026-03-01 12:00,berlin,,C-19,',
      'phone_call,2026-03-01 13:00,,,,',
    ].join('\r\n');
    const { db, file, siteId } = await setup(csv);
    const a = capture();
    expect(await run(['touchpoints', file, '--db', db], a.io)).toBe(3);
    expect(a.err).toEqual([
      'line 4: type must be store_visit, phone_call, consultation, appointment or custom (got "fax")',
      expect.stringMatching(/^line 5: at least one usable identifier is required/),
    ]);
    expect(a.out[0]).toMatch(/^touchpoints: 4 rows → 4 touchpoints: 2 imported, 0 unchanged, 2 rejected/);
    const b = capture();
    expect(await run(['touchpoints', file, '--db', db], b.io)).toBe(3);
    expect(b.out[0]).toMatch(/0 imported, 2 unchanged/);
    const store = openSqliteStore(db);
    try {
      expect(await store.countEvents(siteId)).toBe(2);
      const p = await store.personOf(siteId, { kind: 'user', value: 'C-17' });
      expect(p?.identifiers).toEqual(expect.arrayContaining([{ kind: 'loyalty', value: 'L-1' }]));
    } finally {
      await store.close();
    }
  });
});

describe('import-rows', () => {
  it('sniffs delimiters and maps header spellings', () => {
    expect(sniffDelimiter('a;b;"c;d,e,f,g"\n1,2,3')).toBe(';');
    expect(sniffDelimiter('a\tb\tc')).toBe('\t');
    expect(sniffDelimiter('a,b')).toBe(',');
    const r = resolveColumns(['Order ID', 'Total', 'Customer ID', 'E-Mail', 'Loyalty Card', 'Whatever'], {}, 'orders');
    expect(r.columns).toEqual({ order_id: 0, revenue: 1, userId: 2, email: 3, loyaltyId: 4 });
    expect(r.ignored).toEqual(['Whatever']);
  });

  it('groups consecutive line items but not a refund row of the same order', () => {
    const g = new OrderGrouper();
    expect(g.push({ order_id: 'A', revenue: '10', sku: 's1' }, 2)).toBeNull();
    expect(g.push({ order_id: 'A', revenue: '10', sku: 's2', quantity: '2' }, 3)).toBeNull();
    const a = g.push({ order_id: 'A', status: 'refunded' }, 4);
    expect(a).toEqual({ input: { order_id: 'A', revenue: '10', products: [{ sku: 's1' }, { sku: 's2', quantity: '2' }] }, line: 2 });
    expect(g.push({ order_id: 'B', revenue: '1' }, 5)).toMatchObject({ input: { order_id: 'A', status: 'refunded' }, line: 4 });
    g.push({ order_id: 'B', revenue: '2' }, 6);
    expect(g.flush()).toMatchObject({ line: 5, error: expect.stringMatching(/disagree on revenue/) });
  });
});
