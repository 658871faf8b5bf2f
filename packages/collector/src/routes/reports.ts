import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { CollectorDeps } from '../app';
import { RuleError } from '../attribution/rules';
import {
  ExplainNotFound,
  REPORTS,
  ReportParamError,
  isReportName,
  parseReportParams,
  reportSite,
  runReport,
  type ReportSource,
} from '../reports';
import { siteTimeZone } from '../reports/zone';
import { csvResponse } from '../reports/csv-response';
import { requireSecretKey, type AppEnv } from './auth';
import { UnknownTableError } from '../reports/tables';

/**
 * The storage a report needs, or a 503 naming what is missing (a store without the
 * identity module's `journeys` cannot stitch persons).
 */
function reportSource(store: unknown, name: string): ReportSource {
  const s = store as Partial<ReportSource>;
  // channels reads no data; cookieless reads `cookieless()` and reports zeros for a store without it.
  if (name === 'channels' || name === 'cookieless') return store as ReportSource;
  const need = name === 'vitals' ? 'webVitals' : 'journeys';
  if (typeof s[need] !== 'function') {
    throw new HTTPException(503, { message: `This store cannot run the ${name} report (no ${need}() read)` });
  }
  return s as ReportSource;
}

/**
 * `GET /v1/reports/<name>` (secret key): attribution, explain, ropo, funnel, journeys, qr,
 * vitals, channels (the rule table), cookieless (page views and daily visitors of cookieless mode) as JSON. Query: `from`, `to` (YYYY-MM-DD, ISO-8601 or ms; default the last 30
 * days), `model` / `models`, `dimension` (channel|campaign|source), `lookbackDays`,
 * `halfLifeDays`, `directOnlyIfNothingElse`, `goals`, `steps`, `windowDays`, `limit`,
 * `order` (explain; without from/to the range around the order). Bots are excluded and persons stitched by the store's `journeys`.
 * `format=csv` answers one of the report's tables as a CSV download instead (`table=<name>`,
 * default the first; tables.ts names them).
 *
 * @example
 * app.route('/', reportsRoutes(deps));
 * // curl -H 'authorization: Bearer sk_…' 'http://localhost:8787/v1/reports/attribution?from=2026-03-01&to=2026-03-31&dimension=campaign'
 */
export function reportsRoutes(deps: CollectorDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/v1/reports', requireSecretKey, (c) => c.json({ reports: Object.keys(REPORTS) }));
  app.get('/v1/reports/:name', requireSecretKey, async (c) => {
    const name = c.req.param('name');
    if (!isReportName(name)) {
      throw new HTTPException(404, { message: `Unknown report "${name}" (reports: ${Object.keys(REPORTS).join(', ')})` });
    }
    try {
      const params = parseReportParams(c.req.query(), deps.now(), siteTimeZone(c.get('site').settings));
      const site = reportSite(c.get('site'));
      const format = c.req.query('format');
      if (format !== undefined && format !== 'json' && format !== 'csv') throw new ReportParamError(`format must be json or csv, got "${format}"`);
      const report = await runReport(name, reportSource(deps.store, name), site, params);
      return format === 'csv' ? csvResponse(report, params, c.req.query('table')) : c.json(report);
    } catch (e) {
      if (e instanceof ReportParamError || e instanceof UnknownTableError) throw new HTTPException(400, { message: e.message });
      if (e instanceof RuleError) throw new HTTPException(422, { message: `The site's channel rules are invalid: ${e.message}` });
      if (e instanceof ExplainNotFound) throw new HTTPException(404, { message: e.message });
      throw e;
    }
  });
  return app;
}
