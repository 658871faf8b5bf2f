import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { basename } from 'node:path';
import { RuleError, parseChannelRules } from '../attribution/rules';
import { MODELS } from '../attribution/models';
import { ExplainNotFound, REPORTS, ReportParamError, formatReport, isReportName, parseReportParams, reportSite, runReport, type ReportSource } from '../reports';
import { siteTimeZone } from '../reports/zone';
import { CliError, type CliIo } from './io';
import { roomForReports } from './report-heap';
import { reportCsv, TABLE_NAMES, UnknownTableError } from '../reports/tables';
import { openExistingStore, resolveSite } from './store';

export const summary = 'Reports: attribution, explain, ropo, funnel, journeys, qr, vitals, channels, cookieless (tables, --json or --csv)';

const HELP = `Usage:
  omnitrail report <name> [--site <id>] [--from <date>] [--to <date>] [options] [--json | --csv [--table <t>]] [--db <file>]

Reports:
  attribution  Conversions and revenue credited per channel / campaign / source, models side by side
  explain      One order's touchpoints and every model's credits (--order <id>)
  ropo         Offline orders with an online touch before them and vice versa; days from research to purchase
  funnel       Ordered steps within a window: persons, conversion, drop-off, by first channel (--steps)
  journeys     Most frequent channel paths with their conversion rates
  qr           Per QR campaign and code: scans, scanners, visits, orders online/offline, revenue
  vitals       p75 LCP / INP / CLS / FCP / TTFB per page path with good / needs-improvement / poor shares
  channels     The channel rule table in force: the site's custom rules, then the defaults
  cookieless   Cookieless mode (no consent): page views and daily visitors per day, top paths (--limit)

Options:
  --site <id>            Site id (optional when the database has one site)
  --from <date>          Start, YYYY-MM-DD or ISO-8601 (default: 30 days before --to)
  --to <date>            End; a date includes that whole day (default: now)
  --model <name>         Only this model (attribution, explain) / the model of qr's credited revenue
                         (${MODELS.join(', ')}; default: all, qr: markov)
  --dimension <d>        attribution rows: channel (default), campaign or source
  --lookback-days <n>    Touches up to n days before a conversion count (default 30)
  --half-life-days <n>   Time-decay half-life (default 7)
  --direct-only-if-nothing-else   Ignore Direct touches unless a path has nothing else (GA4 style)
  --goals <a,b>          Event names that count as conversions (value 1)
  --steps <a,b,c>        Funnel steps (default: Product Viewed,Product Added,Checkout Started,Order Completed)
  --window-days <n>      Funnel window (default 7)
  --limit <n>            journeys: rows; cookieless: paths (default 20)
  --order <id>           explain: the order id (without --from/--to: its lookback through its day)
  --rules <file.json>    Custom channel rules to try instead of the site's (settings.channelRules),
                         e.g. [{"channel":"Partners","when":{"source":["partner-a","partner-b"]}}]
  --json                 Print the JSON report (same as GET /v1/reports/<name>)
  --csv                  Print one table as CSV (same as ?format=csv): numbers unformatted,
                         shares as fractions; --table picks it (default the first):
                         ${Object.entries(TABLE_NAMES).map(([k, v]) => `${k}: ${v.join(', ')}`).join('\n                         ')}
  --db <file>            SQLite database file (env OMNITRAIL_DB, default ./omnitrail.db)
  -h, --help             Show this help`;

/**
 * \`omnitrail report <name>\`.
 *
 * @example
 * await run(['attribution', '--from', '2026-03-01', '--to', '2026-03-31', '--dimension', 'campaign'], stdio);
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      site: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      model: { type: 'string' },
      dimension: { type: 'string' },
      'lookback-days': { type: 'string' },
      'half-life-days': { type: 'string' },
      'direct-only-if-nothing-else': { type: 'boolean' },
      goals: { type: 'string' },
      steps: { type: 'string' },
      'window-days': { type: 'string' },
      limit: { type: 'string' },
      order: { type: 'string' },
      rules: { type: 'string' },
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
      table: { type: 'string' },
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const [name, ...extra] = positionals;
  if (!name) throw new CliError(`missing report name (${Object.keys(REPORTS).join(', ')}); see --help`);
  if (!isReportName(name)) throw new CliError(`unknown report "${name}" (${Object.keys(REPORTS).join(', ')})`);
  if (values.json && values.csv) throw new CliError('--json and --csv: pick one');
  if (values.table !== undefined && !values.csv) throw new CliError('--table goes with --csv');
  if (extra.length) throw new CliError(`unexpected argument "${extra[0]}"`);
  const dbPath = values.db ?? process.env.OMNITRAIL_DB ?? './omnitrail.db';

  const now = Date.now();
  const raw = {
    from: values.from,
    to: values.to,
    model: values.model,
    dimension: values.dimension,
    lookbackDays: values['lookback-days'],
    halfLifeDays: values['half-life-days'],
    directOnlyIfNothingElse: values['direct-only-if-nothing-else'] ? 'true' : undefined,
    goals: values.goals,
    steps: values.steps,
    windowDays: values['window-days'],
    limit: values.limit,
    order: values.order,
  };
  let params;
  try {
    // Checked before the database is opened (a usage error creates no file); read again below
    // in the site's reporting time zone.
    params = parseReportParams(raw, now);
  } catch (e) {
    if (e instanceof ReportParamError) throw new CliError(e.message);
    throw e;
  }

  const store = openExistingStore(dbPath);
  try {
    const site = await resolveSite(store, values.site);
    const src = store as unknown as Partial<ReportSource>;
    if (typeof src.journeys !== 'function' || typeof src.webVitals !== 'function') {
      throw new CliError('this database build has no journeys()/webVitals() reads', 1);
    }
    try {
      const tz = siteTimeZone(site.settings);
      params = parseReportParams(raw, now, tz);
      const rs = reportSite(site);
      if (values.rules) {
        let json: unknown;
        try {
          json = JSON.parse(readFileSync(values.rules, 'utf8'));
        } catch (e) {
          throw new CliError(`--rules ${values.rules}: ${(e as Error).message}`);
        }
        rs.rules = parseChannelRules(json);
        rs.rulesSource = basename(values.rules);
      }
      roomForReports();
      const report = await runReport(name, src as ReportSource, rs, params);
      // A trailing newline is io.out's: the CSV's last CRLF is dropped so lines end alike.
      io.out(values.csv ? reportCsv(report, values.table).replace(/\r\n$/, '') : values.json ? JSON.stringify(report, null, 2) : formatReport(report));
    } catch (e) {
      if (e instanceof ReportParamError || e instanceof UnknownTableError) throw new CliError(e.message);
      if (e instanceof RuleError) throw new CliError(`${values.rules ? `--rules ${values.rules}` : "the site's channel rules"} are invalid: ${e.message}`);
      if (e instanceof ExplainNotFound) throw new CliError(e.message, 1);
      throw e;
    }
  } finally {
    await store.close();
  }
  return 0;
}
