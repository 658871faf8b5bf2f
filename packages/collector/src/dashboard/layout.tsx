/**
 * Page frame of the dashboard: skip link, top bar (site switcher, logout), navigation,
 * and the demo-data banner. Server-rendered with hono/jsx, which escapes every string
 * child and attribute — the dashboard never uses `raw()` on data.
 */
import type { Child } from 'hono/jsx';
import type { Site } from '../store/core';

/** Navigation entries: path under /dashboard, label, group. */
export const NAV: { path: string; label: string; group: string }[] = [
  { path: '/', label: 'Overview', group: 'Reports' },
  { path: '/attribution', label: 'Attribution', group: 'Reports' },
  { path: '/ropo', label: 'ROPO', group: 'Reports' },
  { path: '/funnel', label: 'Funnel', group: 'Reports' },
  { path: '/journeys', label: 'Top journeys', group: 'Reports' },
  { path: '/vitals', label: 'Web vitals', group: 'Reports' },
  { path: '/qr', label: 'QR campaigns', group: 'Print & QR' },
  { path: '/person', label: 'Person lookup', group: 'People' },
  { path: '/record', label: 'Record offline sale', group: 'Staff' },
  { path: '/import', label: 'Import CSV', group: 'Staff' },
  { path: '/webhooks', label: 'Webhooks', group: 'Admin' },
  { path: '/settings', label: 'Settings', group: 'Admin' },
];

export interface LayoutProps {
  title: string;
  /** Path under /dashboard of the current page (for aria-current). */
  active: string;
  site: Site | null;
  /** Sites this session may switch between (admin: all; secret-key login: one). */
  sites: Site[];
  csrf: string;
  /** The page's date range: the site switcher keeps it (a switch used to fall back to the last 30 days). */
  range?: { fromStr: string; toStr: string };
  children?: Child;
}

/**
 * `?site=` query suffix for links, so the chosen site survives navigation.
 *
 * @example
 * siteQuery(site) // '?site=st_abc'
 */
export function siteQuery(site: Site | null): string {
  return site ? `?site=${encodeURIComponent(site.id)}` : '';
}

/**
 * A whole HTML document (head with the stylesheet), for pages without the frame (login).
 *
 * @example
 * c.html(<Document title="Log in"><main>…</main></Document>)
 */
export function Document(props: { title: string; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${props.title} · Omnitrail`}</title>
        <link rel="stylesheet" href="/dashboard/assets/style.css" />
        <link rel="icon" href="data:," />
      </head>
      <body>{props.children}</body>
    </html>
  );
}

/**
 * The dashboard page frame.
 *
 * @example
 * c.html(<Layout title="Overview" active="/" site={site} sites={sites} csrf={token}>…</Layout>)
 */
export function Layout(props: LayoutProps) {
  const q = siteQuery(props.site);
  let lastGroup = '';
  return (
    <Document title={props.title}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={`/dashboard${q}`}>
          Omnitrail
        </a>
        <div class="actions">
          {props.sites.length > 1 ? (
            <form method="get" action={`/dashboard${props.active === '/' ? '' : props.active}`}>
              <label for="site-switch">Site</label>
              <select id="site-switch" name="site">
                {props.sites.map((s) => (
                  <option value={s.id} selected={s.id === props.site?.id}>
                    {s.name}
                  </option>
                ))}
              </select>
              {props.range ? (
                <>
                  <input type="hidden" name="from" value={props.range.fromStr} />
                  <input type="hidden" name="to" value={props.range.toStr} />
                </>
              ) : null}
              <button type="submit" class="secondary">
                Switch
              </button>
            </form>
          ) : props.site ? (
            <span>{props.site.name}</span>
          ) : null}
          <form method="post" action="/dashboard/logout">
            <input type="hidden" name="_csrf" value={props.csrf} />
            <button type="submit" class="secondary">
              Log out
            </button>
          </form>
        </div>
      </header>
      {props.site?.settings?.demo ? (
        <div class="demo-banner" role="note">
          <strong>Demo data.</strong> This site holds a generated demo dataset, not real customers. Remove it with <code>omnitrail demo remove</code>.
        </div>
      ) : null}
      <div class="shell">
        <nav class="side" aria-label="Dashboard">
          <ul>
            {NAV.map((n) => {
              const head = n.group !== lastGroup ? <li class="group" aria-hidden="true">{n.group}</li> : null;
              lastGroup = n.group;
              return (
                <>
                  {head}
                  <li>
                    <a href={`/dashboard${n.path === '/' ? '' : n.path}${q}`} aria-current={n.path === props.active ? 'page' : undefined}>
                      {n.label}
                    </a>
                  </li>
                </>
              );
            })}
          </ul>
        </nav>
        <main id="main" tabindex={-1}>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </div>
    </Document>
  );
}

/**
 * Plain statement that a page's backend is missing in this store — never fake numbers.
 *
 * @example
 * if (!journeysOf(store)) return c.html(<NotWired what="The overview" />);
 */
export function NotWired(props: { what: string }) {
  return (
    <p class="notice" role="status">
      {props.what} is not available in this build yet: the collector has no backend for it. This page shows real data as soon as it has.
    </p>
  );
}

/**
 * The page of a dashboard without any site yet: how to create one.
 *
 * @example
 * if (!p.site) return c.html(<Layout …><NoSite /></Layout>);
 */
export function NoSite() {
  return (
    <p class="notice">
      No site yet. Create one with <code>omnitrail site create --name … --origin …</code>; its forms and reports appear here.
    </p>
  );
}

/**
 * Empty state for a report with no data in the range.
 *
 * @example
 * {rows.length ? <Table rows={rows} /> : <Empty />}
 */
export function Empty(props: { children?: Child }) {
  return <p class="notice">{props.children ?? 'No data in this date range.'}</p>;
}
