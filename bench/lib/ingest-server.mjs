// Server side of bench/ingest.bench.mjs, run in its own process so the load generator and the
// server each get a core. Prints one JSON line `{ url, writeKey }` when listening; SIGTERM
// drains and closes (the collector commits everything it acknowledged).
//   node bench/lib/ingest-server.mjs bare
//   node bench/lib/ingest-server.mjs collector <db file>
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('../..', import.meta.url).pathname;
const dist = process.env.OMNITRAIL_DIST ?? join(root, 'packages/collector/dist');
const fromCollector = createRequire(join(root, 'packages/collector/package.json'));
const [mode, dbPath] = process.argv.slice(2);

let close = async () => {};
// Registered before the "listening" line is printed: the parent may send SIGTERM as soon as it reads it.
process.on('SIGTERM', () => close().then(() => process.exit(0), (e) => (console.error(e), process.exit(1))));
if (mode === 'bare') {
  // The ceiling: the same HTTP stack (hono + @hono/node-server) doing no work.
  const { Hono } = fromCollector('hono');
  const { serve } = fromCollector('@hono/node-server');
  const app = new Hono();
  app.post('*', (c) => c.body(null, 204));
  const server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, writeKey: 'wk_bare' }));
  close = () => new Promise((r) => server.close(r));
} else if (mode === 'collector') {
  const { startServer } = await import(pathToFileURL(join(dist, 'node.js')).href);
  const srv = await startServer({ dbPath, port: 0, host: '127.0.0.1', quiet: true, rateLimit: false });
  srv.store.warmUp?.(); // load the dedup filter before taking traffic, as a production start should
  // A/B of the secure_delete pragma (on by default, db.ts): OMNITRAIL_BENCH_SECURE_DELETE=OFF.
  if (process.env.OMNITRAIL_BENCH_SECURE_DELETE) srv.store.db.pragma(`secure_delete = ${process.env.OMNITRAIL_BENCH_SECURE_DELETE}`);
  const sites = await srv.store.listSites();
  const site = sites.find((s) => s.name === 'bench') ?? (await srv.store.createSite({ name: 'bench', origins: ['*'] })).site;
  console.log(JSON.stringify({ url: srv.url, writeKey: site.writeKey, siteId: site.id }));
  close = () => srv.close();
} else {
  console.error('usage: ingest-server.mjs bare | collector <db>');
  process.exit(2);
}
