/**
 * `GET /dashboard/csv/<report>?table=…`: a report table as CSV for the signed-in user, with the
 * filters of the page that linked it (`csvHref`) — the same bytes as the reports API's
 * `format=csv`, without a secret key in the browser.
 */
import type { Context } from 'hono';
import { isReportName, runReport } from '../../reports/index';
import { csvResponse } from '../../reports/csv-response';
import { UnknownTableError } from '../../reports/tables';
import type { DashEnv } from '../index';
import { reportCtx } from '../report-ctx';

/** The reports whose pages link a CSV (explain keeps its own range rules: the API and CLI have it). */
const PAGE_REPORTS = new Set(['attribution', 'ropo', 'funnel', 'journeys', 'qr', 'vitals']);

/** GET /dashboard/csv/:name */
export async function csvDownload(c: Context<DashEnv>) {
  const name = c.req.param('name') ?? '';
  if (!isReportName(name) || !PAGE_REPORTS.has(name)) return c.text(`No CSV download for "${name}" here (${[...PAGE_REPORTS].join(', ')}).`, 404);
  const { site: _site, from: _from, to: _to, table, ...extra } = c.req.query();
  const r = reportCtx(c, extra);
  if (!r.site) return c.text('No site.', 404);
  if (!r.src) return c.text('This store cannot run reports (no journeys()/webVitals() reads).', 503);
  if (!r.params) return c.text(r.error ?? 'Invalid parameters.', 400);
  try {
    return csvResponse(await runReport(name, r.src, r.site, r.params), r.params, table);
  } catch (e) {
    if (e instanceof UnknownTableError) return c.text(e.message, 400);
    throw e;
  }
}
