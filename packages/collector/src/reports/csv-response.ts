/**
 * A report table as a CSV download (the reports API's `format=csv` and the dashboard's links).
 */
import type { ReportParams } from './params';
import { reportCsv, TABLE_NAMES } from './tables';
import { dayIn } from './zone';

/**
 * The file name of a report table's CSV: report, table and the range's days in the site's zone.
 *
 * @example
 * csvFileName('ropo', 'sales-channels', p) // 'omnitrail-ropo-sales-channels-2026-03-01-2026-03-31.csv'
 */
export function csvFileName(report: string, table: string, p: Pick<ReportParams, 'from' | 'to' | 'timeZone'>): string {
  return `omnitrail-${report}-${table}-${dayIn(p.from, p.timeZone)}-${dayIn(p.to - 1, p.timeZone)}.csv`;
}

/**
 * One table of a report as a `text/csv` attachment. The body starts with a UTF-8 byte order mark:
 * without it Excel reads the file as Windows-1252 and garbles names such as "Müller" or "→".
 * Throws `UnknownTableError` for a table the report does not have.
 *
 * @example
 * return csvResponse(report, params, c.req.query('table'));
 */
export function csvResponse(report: { report: string }, p: Pick<ReportParams, 'from' | 'to' | 'timeZone'>, table?: string): Response {
  const body = reportCsv(report, table);
  const name = csvFileName(report.report, table ?? TABLE_NAMES[report.report]?.[0] ?? 'table', p);
  return new Response('\uFEFF' + body, {
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store' },
  });
}
