// Server side of bench/qr.bench.mjs, in its own process so the load generator's event loop never
// delays the server's (as in production, where phones are not in the collector's process).
// Prints one JSON line `{ bareUrl, qrUrl, before }` when both servers listen; on SIGTERM it
// closes them, counts the scan events and prints `{ recorded }` (events added since `before`).
//   node bench/lib/qr-server.mjs <db file>
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('../..', import.meta.url).pathname;
const dist = process.env.OMNITRAIL_DIST ?? join(root, 'packages/collector/dist');
// hono is the collector's dependency (pnpm keeps it out of the root): resolve it from there.
const fromCollector = createRequire(join(root, 'packages/collector/package.json'));
const { Hono } = fromCollector('hono');
const { serve } = fromCollector('@hono/node-server');
const { startServer, openSqliteStore } = await import(pathToFileURL(join(dist, 'node.js')).href);

const store = openSqliteStore(process.argv[2]);
const bare = new Hono().get('/q/:code', (c) => c.redirect('https://shop.example/spring?utm_source=qr&utm_medium=print&ot_scan=X', 302));
const { site } = await store.createSite({ name: 'Bench', origins: ['https://shop.example'] });
const campaign = await store.createQrCampaign(site.id, {
  name: 'Bench',
  targetUrl: 'https://shop.example/spring',
  utm: { utm_source: 'qr', utm_medium: 'print', utm_campaign: 'bench' },
  baseUrl: 'http://127.0.0.1',
});
const [code] = await store.createSharedQrCodes(site.id, campaign.id, { count: 1 });
const server = await startServer({ store, port: 0, host: '127.0.0.1', quiet: true, rateLimit: false, qr: { scanLimitPerIp: false }, dashboard: false });
const bareServer = await new Promise((resolve) => {
  const s = serve({ fetch: bare.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
});
process.on('SIGTERM', async () => {
  try {
    await server.close();
    await new Promise((r) => bareServer.close(r));
    console.log(JSON.stringify({ recorded: (await store.countEvents(site.id)) - before }));
    await store.close();
    process.exit(0);
  } catch (e) {
    console.error(e);
    process.exit(1);
  }
});
const before = await store.countEvents(site.id);
console.log(JSON.stringify({ bareUrl: `http://127.0.0.1:${bareServer.address().port}/q/${code.code}`, qrUrl: `${server.url}/q/${code.code}`, before }));
