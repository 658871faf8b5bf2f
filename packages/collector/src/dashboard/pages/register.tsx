/**
 * Routes of the dashboard's pages (behind the session middleware in `../index.tsx`).
 * One line per page; each page lives in its own module.
 */
import type { Context, Hono } from 'hono';
import type { DashEnv } from '../index';
import { Layout, NotWired } from '../layout';
import { overviewPage } from './overview';

/** A page whose backend has not landed: says so plainly (never invented numbers). */
function pending(title: string, active: string, what: string) {
  return (c: Context<DashEnv>) => {
    const p = c.get('page');
    return c.html(
      <Layout title={title} active={active} site={p.site} sites={p.sites} csrf={p.csrf}>
        <NotWired what={what} />
      </Layout>,
    );
  };
}

/**
 * Register every page on the dashboard sub-app.
 *
 * @example
 * registerPages(app); // GET /, /attribution, /ropo, …
 */
export function registerPages(app: Hono<DashEnv>): void {
  app.get('/', overviewPage);
  app.get('/attribution', pending('Attribution', '/attribution', 'The attribution report'));
  app.get('/ropo', pending('ROPO', '/ropo', 'The ROPO report'));
  app.get('/funnel', pending('Funnel', '/funnel', 'The funnel report'));
  app.get('/journeys', pending('Top journeys', '/journeys', 'The journeys report'));
  app.get('/vitals', pending('Web vitals', '/vitals', 'The web vitals report'));
  app.get('/qr', pending('QR campaigns', '/qr', 'QR campaign management'));
  app.get('/person', pending('Person lookup', '/person', 'Person lookup'));
  app.get('/record', pending('Record offline sale', '/record', 'Recording offline orders and touchpoints'));
  app.get('/import', pending('Import CSV', '/import', 'CSV import'));
}
