/**
 * Static assets the collector serves so the first run works out of the box:
 * - `/sdk/omnitrail.min.js` (and `omnitrail.vitals.min.js`, and `omnitrail.debug.js` whose
 *   `data-debug` logs): the SDK's script-tag builds, so the snippet
 *   `<script src="https://<collector>/sdk/omnitrail.min.js" data-write-key=…>` works.
 * - `/demo/…`: the demo shop (`examples/shop-script-tag/site`), with the write key of the site
 *   marked `settings.demo` filled in.
 * Files come from an injected {@link AssetSources} (the Node adapter reads them from disk), so
 * this module stays edge-safe; without sources both paths answer 404.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from './auth';
import type { Site, Store } from '../store/types';

/** Reads one file by its bare name (no directories); null when absent. */
export type AssetReader = (name: string) => Promise<Uint8Array | null>;

/** Where the SDK builds and the demo shop come from. */
export interface AssetSources {
  sdk?: AssetReader;
  shop?: AssetReader;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
};

/** Bare file names only: no slashes, no dot-dot, so nothing outside the asset folder is reachable. */
const SAFE_NAME = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9]+)+$/;

/**
 * The demo site: the site marked `settings.demo` (created by `omnitrail start`), preferring the
 * one holding the seeded demo dataset, so the demo shop's visits join the demo data.
 *
 * @example
 * const demo = await findDemoSite(store); // Site | null
 */
export async function findDemoSite(store: Store): Promise<Site | null> {
  const demos = (await store.listSites()).filter((s) => s.settings?.demo === true);
  return demos.find((s) => s.settings.demoSeededAt) ?? demos[0] ?? null;
}

/**
 * Routes for `/sdk/*` and `/demo/*`.
 *
 * @example
 * app.route('/', demoRoutes({ sdk: readFrom('packages/sdk/dist'), shop: readFrom('examples/shop-script-tag/site') }));
 */
export function demoRoutes(sources: AssetSources = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/sdk/:file', async (c) => {
    const name = c.req.param('file');
    if (!sources.sdk || !/^omnitrail\.(vitals\.min|min|debug)\.js$/.test(name)) return c.notFound();
    const body = await sources.sdk(name);
    if (!body) return c.text('The SDK is not built yet: run `pnpm build`.', 404);
    return c.body(body as Uint8Array<ArrayBuffer>, 200, {
      'content-type': TYPES.js,
      // Short cache: a redeploy reaches visitors within minutes. Shops on other origins embed it.
      'cache-control': 'public, max-age=300',
      'cross-origin-resource-policy': 'cross-origin',
      'access-control-allow-origin': '*',
    });
  });

  // Relative links in the shop need the trailing slash.
  app.get('/demo', (c) => c.redirect('/demo/', 301));
  const serveShop = async (c: Context<AppEnv>, name: string) => {
    if (!sources.shop || !SAFE_NAME.test(name)) return c.notFound();
    const ext = name.slice(name.lastIndexOf('.') + 1);
    const type = TYPES[ext];
    if (!type) return c.notFound();
    const body = await sources.shop(name);
    if (!body) return c.notFound();
    const headers = { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
    if (ext !== 'html') return c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
    const site = await findDemoSite(c.get('store'));
    if (!site) {
      return c.html(
        '<!doctype html><meta charset="utf-8"><title>No demo site</title><p>No demo site in this database. Run <code>omnitrail start</code> to create one with demo data.</p>',
        404,
      );
    }
    const html = new TextDecoder()
      .decode(body)
      .split('%OMNITRAIL_WRITE_KEY%')
      .join(site.writeKey.replace(/[^A-Za-z0-9_-]/g, ''))
      .split('%OMNITRAIL_SDK_URL%')
      .join('/sdk/omnitrail.min.js');
    return c.body(html, 200, headers);
  };
  app.get('/demo/', (c) => serveShop(c, 'index.html'));
  app.get('/demo/:file', (c) => serveShop(c, c.req.param('file')));

  return app;
}
