import { describe, expect, it } from 'vitest';
import { withCollector } from '../test-utils/harness';
import { scanThenOrders } from '../test-utils/qr-orders';
import { main } from '../cli/main';
import { captureIo } from '../test-utils/cli-io';
import { reportCsv, reportTables, tableCsv, TABLE_NAMES, UnknownTableError } from './tables';
import { formatReport } from './format';
import type { JourneysReport } from './journeys';

const journeysReport: JourneysReport = {
  report: 'journeys',
  siteId: 's',
  from: '2026-03-01T00:00:00.000Z',
  to: '2026-03-02T00:00:00.000Z',
  timeZone: 'UTC',
  currencies: ['EUR'],
  ordersWithoutCurrency: 0,
  paths: 3,
  distinctPaths: 2,
  conversions: 1,
  rows: [
    { path: ['=HYPERLINK("http://evil.example")', 'Direct'], journeys: 2, conversions: 1, conversionRate: 0.5, revenue: 59.9 },
    { path: ['Email, "Spring"'], journeys: 1, conversions: 0, conversionRate: 0, revenue: 0 },
  ],
};

describe('report tables as CSV', () => {
  it('quotes what needs quoting, defuses formulas, keeps numbers raw and shares as fractions', () => {
    expect(reportCsv(journeysReport)).toBe(
      'Path,Journeys,Conversions,Rate,Revenue (EUR)\r\n' +
        // A cell a spreadsheet would evaluate (=, +, -, @) gets a leading apostrophe.
        `"'=HYPERLINK(""http://evil.example"") → Direct",2,1,0.5,59.9\r\n` +
        '"Email, ""Spring""",1,0,0,0\r\n',
    );
    expect(tableCsv({ name: 'x', head: ['A', 'B'], rows: [['-1', null], ['@x', Number.NaN], ['+1\n2', 3]] })).toBe(`A,B\r\n'-1,\r\n'@x,\r\n"'+1\n2",3\r\n`);
    // The text table of the same report prints the share as a percentage, from the same definition.
    expect(formatReport(journeysReport)).toContain('50.0 %');
  });

  it('every report names its tables; the first is the default; an unknown one is refused with the list', () => {
    expect(reportTables(journeysReport).map((t) => t.name)).toEqual(TABLE_NAMES.journeys);
    expect(() => reportCsv(journeysReport, 'codes')).toThrow(UnknownTableError);
    expect(() => reportCsv(journeysReport, 'codes')).toThrow('report journeys has no table "codes" (tables: paths)');
  });
});

describe('CSV from the API and the CLI', () => {
  it('GET /v1/reports/<name>?format=csv&table= downloads one table; the CLI prints the same rows', () =>
    withCollector(
      async (fx) => {
        const q = await scanThenOrders(fx, [
          { order_id: 'E1', revenue: 100, currency: 'EUR' },
          { order_id: 'E2', revenue: 20.5, currency: 'EUR' },
        ]);
        const res = await fx.get(`/v1/reports/ropo?${q}&format=csv&table=sales-channels`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
        expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="omnitrail-ropo-sales-channels-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv"$/);
        const bytes = new Uint8Array(await res.arrayBuffer());
        expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 BOM: Excel reads the file as UTF-8
        const body = new TextDecoder().decode(bytes.slice(3));
        // A QR scan is an offline touch: no online touch before, so no share of days (an empty cell).
        expect(body).toBe('Sales channel,Orders,Revenue (EUR),With online touch,Share,Median days\r\nstore,2,120.5,0,0,\r\n');

        const json = await (await fx.get(`/v1/reports/qr?${q}`)).json();
        const codes = await (await fx.get(`/v1/reports/qr?${q}&format=csv&table=codes`)).text();
        const c0 = json.codes[0];
        expect(codes.split('\r\n')[1]).toBe([c0.code, c0.campaignId, c0.scans, c0.uniqueScanners, c0.visits, c0.ordersOnline, c0.ordersOffline, c0.revenue, c0.attributedRevenue].join(','));
        expect([c0.scans, c0.ordersOffline, c0.revenue]).toEqual([1, 2, 120.5]);

        for (const [query, msg] of [
          ['format=xml', 'format must be json or csv, got "xml"'],
          ['format=csv&table=nope', 'report ropo has no table "nope" (tables: sales-channels, online-before-offline, offline-before-online)'],
        ]) {
          const bad = await fx.get(`/v1/reports/ropo?${q}&${query}`);
          expect(bad.status).toBe(400);
          expect(((await bad.json()) as { message: string }).message).toContain(msg);
        }
        const noMarkov = await fx.get(`/v1/reports/attribution?${q}&format=csv&table=markov&model=linear`);
        expect(noMarkov.status).toBe(400);

        const cli = async (...args: string[]) => {
          const io = captureIo();
          const code = await main(['report', ...args, '--db', fx.dbPath], io);
          return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
        };
        const range = ['--from', new URLSearchParams(q).get('from')!, '--to', new URLSearchParams(q).get('to')!];
        expect((await cli('ropo', ...range, '--csv')).out).toBe(body.replace(/\r\n$/, ''));
        expect((await cli('ropo', '--json', '--csv')).err).toContain('--json and --csv: pick one');
        expect((await cli('ropo', '--table', 'x')).err).toContain('--table goes with --csv');
        const unknown = await cli('ropo', ...range, '--csv', '--table', 'x');
        expect(unknown.code).not.toBe(0);
        expect(unknown.err).toContain('report ropo has no table "x"');
      },
      { now: () => Date.now() - 3600_000 },
    ));
});
