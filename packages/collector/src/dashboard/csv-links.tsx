/** The "Download as CSV" line under a report's tables (the files come from `pages/csv.ts`). */
import { csvHref, type ReportCtx } from './report-ctx';

/**
 * Links to tables of the page's report as CSV, each `[table name, label]`.
 *
 * @example
 * <CsvLinks r={r} report="ropo" tables={[['sales-channels', 'sales channels']]} />
 */
export function CsvLinks(props: { r: ReportCtx; report: string; tables: [table: string, label: string][] }) {
  return (
    <p class="muted">
      {'Download as CSV: '}
      {props.tables.map(([t, label], i) => (
        <>
          {i ? ', ' : ''}
          <a href={csvHref(props.r, props.report, t)} download>
            {label}
          </a>
        </>
      ))}
    </p>
  );
}
