/**
 * CSV import from the dashboard with visible progress and no client script: the response
 * is streamed HTML, one `<progress>` element per batch (CSS shows only the newest), then
 * the summary with every rejected line. Rows go through `applyOrders` / `applyTouchpoints`
 * in batches, exactly like `omnitrail import` and the HTTP API.
 */
import type { Context, Hono } from 'hono';
import { applyOrders, applyTouchpoints } from '../../orders/apply';
import { decodeCsv } from '../../orders/csv-encoding';
import { FIELDS, OrderGrouper, parseMappings, resolveColumns, rowToFields, sniffDelimiter, type ImportKind } from '../../cli/import-rows';
import { siteCountry } from '../../pii/index';
import type { DashEnv } from '../index';
import { Document, Layout, NoSite } from '../layout';
import { int } from '../range';

const BATCH = 500;
const MAX_BYTES = 50 * 1024 * 1024;

function form(c: Context<DashEnv>, error?: string) {
  const p = c.get('page');
  const q = p.site ? `?site=${encodeURIComponent(p.site.id)}` : '';
  // Without a site an upload could only be refused after the file was sent: say so up front.
  if (!p.site) return c.html(<Layout title="Import CSV" active="/import" site={p.site} sites={p.sites} csrf={p.csrf}><NoSite /></Layout>, error ? 400 : 200);
  return c.html(
    <Layout title="Import CSV" active="/import" site={p.site} sites={p.sites} csrf={p.csrf}>
      {error ? <p class="error" role="alert">{error}</p> : null}
      <section class="card">
        <p>
          Import a store's or call centre's export of orders or touchpoints. Headers such as <code>order_id</code>, <code>Order ID</code>, <code>Bestellnr</code> (with a mapping), <code>email</code>, <code>loyalty_id</code>, <code>handoff_code</code> are recognised; rows repeating an order number are its line items. Importing the same file again changes nothing.
        </p>
        <form method="post" action={`/dashboard/import${q}`} enctype="multipart/form-data" class="stack">
          <input type="hidden" name="_csrf" value={p.csrf} />
          <div class="field">
            <label for="i-kind">The file holds</label>
            <select id="i-kind" name="kind">
              <option value="orders">Orders</option>
              <option value="touchpoints">Touchpoints (store visits, calls, …)</option>
            </select>
          </div>
          <div class="field">
            <label for="i-file">CSV file</label>
            <input id="i-file" name="file" type="file" accept=".csv,text/csv" required />
          </div>
          <div class="field">
            <label for="i-channel">
              Channel of orders without one <span class="hint">(optional)</span>
            </label>
            <select id="i-channel" name="channel">
              <option value="">from the file (default store)</option>
              <option value="store">store</option>
              <option value="phone">phone</option>
              <option value="marketplace">marketplace</option>
            </select>
          </div>
          <div class="field">
            <label for="i-map">
              Column mapping <span class="hint">(optional, one per line: field=Column, e.g. order_id=Bestellnr)</span>
            </label>
            <textarea id="i-map" name="map" rows={3}></textarea>
          </div>
          <button type="submit">Import</button>
        </form>
        <details>
          <summary>Fields</summary>
          <p>
            <strong>Orders:</strong> {FIELDS.orders.join(', ')}
          </p>
          <p>
            <strong>Touchpoints:</strong> {FIELDS.touchpoints.join(', ')}
          </p>
        </details>
      </section>
    </Layout>,
    error ? 400 : 200,
  );
}

/** Parse CSV text into rows (csv-parse's browser build: no Node streams, so edge runtimes work too). */
async function parseCsv(text: string, delimiter: string): Promise<string[][]> {
  const { parse } = await import('csv-parse/browser/esm/sync');
  return parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, bom: true, trim: false }) as string[][];
}

/**
 * Register `/import` (form and streamed import).
 *
 * @example
 * registerImportPages(app);
 */
export function registerImportPages(app: Hono<DashEnv>): void {
  app.get('/import', (c) => form(c));

  app.post('/import', async (c) => {
    const p = c.get('page');
    const site = p.site;
    if (!site) return form(c, 'No site.');
    const b = await c.req.parseBody();
    const kind: ImportKind = b.kind === 'touchpoints' ? 'touchpoints' : 'orders';
    const file = b.file;
    if (!(file instanceof File) || file.size === 0) return form(c, 'Choose a CSV file.');
    if (file.size > MAX_BYTES) return form(c, 'The file is larger than 50 MB: use "omnitrail import" on the server for big files.');
    let mappings: Record<string, string>;
    try {
      mappings = parseMappings(
        String(b.map ?? '')
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter(Boolean),
        kind,
      );
    } catch (e) {
      return form(c, (e as Error).message.replace('--map ', ''));
    }
    // Not file.text(): that reads UTF-8 only, and older Excel and POS exports are Windows-1252.
    const text = decodeCsv(new Uint8Array(await file.arrayBuffer()));
    let rows: string[][];
    try {
      rows = await parseCsv(text, sniffDelimiter(text.slice(0, 4096)));
    } catch (e) {
      return form(c, `The file is not valid CSV: ${(e as Error).message}`);
    }
    const [header, ...body] = rows;
    if (!header || body.length === 0) return form(c, 'The file has no data rows (the first row must be the header).');
    const { columns, missing } = resolveColumns(header, mappings, kind);
    if (missing.length) return form(c, `Mapped columns not in the file: ${missing.join(', ')}. Columns: ${header.join(', ')}`);
    const need = kind === 'orders' ? 'order_id' : 'type';
    if (columns[need] === undefined) return form(c, `No column for ${need}. Columns: ${header.join(', ')} — add a mapping such as ${need}=YourColumn.`);
    const channel = typeof b.channel === 'string' && /^[a-z_]{1,40}$/.test(b.channel) ? b.channel : '';
    const defaultCountry = siteCountry(site.settings);
    const apply = kind === 'orders' ? applyOrders : applyTouchpoints;
    const enc = new TextEncoder();
    const total = body.length;

    const stream = new ReadableStream<Uint8Array>({
      async start(ctrl) {
        const send = async (node: unknown) => ctrl.enqueue(enc.encode(String(await (node as { toString(): string | Promise<string> }).toString())));
        // Open the document by hand so the browser renders while rows are still being imported.
        const shell = String(await (<Document title="Importing…" />).toString());
        ctrl.enqueue(enc.encode(shell.replace('</body></html>', '')));
        await send(
          <main class="login" id="main">
            <h1>{`Importing ${int(total)} rows (${kind})`}</h1>
          </main>,
        );
        const stats = { records: 0, accepted: 0, duplicates: 0, rejected: [] as { line: number; reason: string }[], warnings: 0 };
        let inputs: unknown[] = [];
        let lines: number[] = [];
        const flush = async (done: number) => {
          if (inputs.length) {
            const r = await apply(p.store, site.id, inputs, { now: Date.now(), defaultCountry, indexOf: (i) => lines[i] });
            stats.records += inputs.length;
            stats.accepted += r.accepted;
            stats.duplicates += r.duplicates;
            stats.warnings += r.warnings.length;
            for (const x of r.rejected) stats.rejected.push({ line: x.index, reason: x.reason });
            inputs = [];
            lines = [];
          }
          await send(
            <p class="progress-step login" role="status">
              <label>
                {`${int(done)} of ${int(total)} rows`}
                <progress max={total} value={done}>{`${Math.round((done / total) * 100)} %`}</progress>
              </label>
            </p>,
          );
        };
        const grouper = new OrderGrouper();
        const add = (g: { input: Record<string, unknown>; line: number; error?: string } | null) => {
          if (!g) return;
          if (g.error) {
            stats.rejected.push({ line: g.line, reason: g.error });
            stats.records++;
          }
          else {
            if (channel && g.input.channel === undefined) g.input.channel = channel;
            inputs.push(g.input);
            lines.push(g.line);
          }
        };
        try {
          for (let i = 0; i < body.length; i++) {
            const fields = rowToFields(body[i], columns);
            const line = i + 2; // header is line 1
            if (kind === 'orders') add(grouper.push(fields, line));
            else add({ input: fields, line });
            if (inputs.length >= BATCH) await flush(i + 1);
          }
          if (kind === 'orders') add(grouper.flush());
          await flush(total);
          await send(
            <main class="login">
              <h2>Import finished</h2>
              <p class={stats.rejected.length ? 'notice' : 'success'} role="status">
                {`${int(total)} rows → ${int(stats.records)} ${kind}: ${int(stats.accepted)} imported, ${int(stats.duplicates)} unchanged, ${int(stats.rejected.length)} rejected${stats.warnings ? `, ${int(stats.warnings)} warnings` : ''}.`}
              </p>
              {stats.rejected.length ? (
                <div class="table-wrap">
                  <table>
                    <caption>Rejected lines (fix them and import the file again: good rows are not duplicated)</caption>
                    <thead>
                      <tr>
                        <th scope="col">Line</th>
                        <th scope="col">Reason</th>
                      </tr>
                    </thead>
                    <tbody>
                      {stats.rejected.slice(0, 200).map((r) => (
                        <tr>
                          <td class="num">{r.line}</td>
                          <td>{r.reason}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : null}
              <p>
                <a href={`/dashboard/import?site=${encodeURIComponent(site.id)}`}>Import another file</a> · <a href={`/dashboard?site=${encodeURIComponent(site.id)}`}>Dashboard</a>
              </p>
            </main>,
          );
        } catch (e) {
          console.error(e);
          await send(<p class="error login" role="alert">{`The import stopped: ${(e as Error).message}. Rows before this point are stored; importing the file again is safe.`}</p>);
        }
        ctrl.enqueue(enc.encode('</body></html>'));
        ctrl.close();
      },
    });
    return c.body(stream, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  });
}
