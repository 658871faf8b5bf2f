import { describe, expect, it } from 'vitest';
import { tempDbPath } from '../test-utils/harness';
import { storedEvents } from '../test-utils/stored-event';
import { openSqliteStore } from '../store/sqlite/index';
import { run as startRun, startFirstRun, generatePassword } from './start';
import { run as demoRun } from './demo';
import { createDemoSite, isSeededDemoSite } from './demo-seed';
import type { CliIo } from './io';

function capture(): CliIo & { lines: string[]; errs: string[] } {
  const lines: string[] = [];
  const errs: string[] = [];
  return { lines, errs, out: (l) => lines.push(l), err: (l) => errs.push(l) };
}

/** Log into the dashboard with a password over real HTTP; returns the session cookie. */
async function login(url: string, password: string): Promise<string> {
  const page = await fetch(`${url}/dashboard/login`);
  const loginCookie = page.headers.getSetCookie()[0].split(';')[0];
  const nonce = (await page.text()).match(/name="_login" value="([^"]+)"/)![1];
  const res = await fetch(`${url}/dashboard/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: loginCookie, origin: url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _login: nonce, password }),
  });
  expect(res.status).toBe(303);
  return res.headers.getSetCookie().find((c) => c.startsWith('ot_session='))!.split(';')[0];
}

describe('omnitrail start', () => {
  it('first run: seeds a labelled demo site through the real APIs, prints URLs and a one-time password; demo remove deletes it all', async () => {
    const db = tempDbPath();
    const io = capture();
    const srv = await startFirstRun({ port: 0, host: '127.0.0.1', dbPath: db, persons: 120 }, io);
    let password: string;
    try {
      const text = io.lines.join('\n');
      expect(text).toContain(`Dashboard   http://localhost:${srv.port}/dashboard`);
      expect(text).toContain(`Demo shop   http://localhost:${srv.port}/demo/`);
      expect(text).toContain(`SDK         http://localhost:${srv.port}/sdk/omnitrail.min.js`);
      expect(text).toContain('omnitrail demo remove');
      password = text.match(/admin password: (\S+)/)![1];
      expect(password.length).toBeGreaterThanOrEqual(16);

      const sites = await srv.store.listSites();
      expect(sites).toHaveLength(1);
      expect(sites[0].name).toBe('Demo shop (generated data)');
      expect(sites[0].settings).toMatchObject({ demo: true, timezone: 'Europe/Berlin' });
      expect(await srv.store.countEvents(sites[0].id)).toBeGreaterThan(1000);
      expect(await srv.store.countOrders(sites[0].id)).toBeGreaterThan(10);

      const cookie = await login(srv.url, password);
      const overview = await (await fetch(`${srv.url}/dashboard`, { headers: { cookie } })).text();
      expect(overview).toContain('Demo data.');
      expect(overview).not.toMatch(/<div class="v">0<\/div><div class="l">Orders, all channels/);
      const qr = await (await fetch(`${srv.url}/dashboard/qr`, { headers: { cookie } })).text();
      expect(qr).toContain('Loyalty mailing');

      const shop = await (await fetch(`${srv.url}/demo/`)).text();
      expect(shop).toContain(`data-write-key="${sites[0].writeKey}"`);
    } finally {
      await srv.close();
    }

    // Second start: nothing reseeded, no new password printed.
    const io2 = capture();
    const again = await startFirstRun({ port: 0, host: '127.0.0.1', dbPath: db, persons: 120 }, io2);
    try {
      expect(await again.store.listSites()).toHaveLength(1);
      expect(io2.lines.join('\n')).not.toContain('admin password:');
      expect(io2.lines.join('\n')).toContain('set at first start');
      await login(again.url, password);
      // The demo shop keeps working on another port: its events are accepted from the new origin.
      const [demo] = await again.store.listSites();
      const ev = await fetch(`${again.url}/v1/track`, {
        method: 'POST',
        headers: { origin: `http://localhost:${again.port}`, 'content-type': 'application/json', authorization: `Basic ${btoa(`${demo.writeKey}:`)}` },
        body: JSON.stringify({ type: 'track', event: 'Product Viewed', messageId: 'second-start-1', anonymousId: 'v2' }),
      });
      expect(ev.status).toBe(200);
    } finally {
      await again.close();
    }

    const io3 = capture();
    expect(await demoRun(['remove', '--db', db], io3)).toBe(0);
    expect(io3.lines[0]).toMatch(/Removed demo site "Demo shop \(generated data\)"/);
    const store = openSqliteStore(db);
    try {
      expect(await store.listSites()).toHaveLength(0);
      // Every table with site rows is empty again (events, orders, identity, QR, …).
      const tables = (store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((t) => t.name);
      for (const t of tables) {
        // Installation-wide tables: the login, the dedup filter snapshot (a cache of hashes, no site
        // data), the stitching, vitals and track-rows cursors and the sealed-generation count of the event keys (one number each).
        if (['dashboard_auth', 'dedup_filter', 'stitch_state', 'vitals_state', 'track_rows_state', 'event_keys_state'].includes(t)) continue;
        const n = (store.db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n;
        expect(n, `rows left in ${t}`).toBe(0);
      }
    } finally {
      await store.close();
    }
  });

  it('a demo seed interrupted by an earlier start is removed and seeded again: one complete demo site', async () => {
    const db = tempDbPath();
    // What Ctrl+C during the first start's seed leaves: a demo site with some events and no demoSeededAt.
    const store = openSqliteStore(db);
    const partial = await createDemoSite(store);
    // A site an older `serve` marked demo on an empty database: it may hold real data and stays.
    const older = await store.createSite({ name: 'Demo shop', origins: ['*'], settings: { demo: true } });
    const ev = storedEvents({ prefix: 'partial-', t0: Date.now(), anonymousId: 'anon-partial' });
    await store.appendEvents(Array.from({ length: 5 }, () => ev(partial.site.id)));
    await store.close();
    const io = capture();
    const srv = await startFirstRun({ port: 0, host: '127.0.0.1', dbPath: db, persons: 60, quiet: true }, io);
    try {
      const demos = (await srv.store.listSites()).filter(isSeededDemoSite);
      expect(demos).toHaveLength(1);
      expect(demos[0].id).not.toBe(partial.site.id);
      expect(demos[0].settings.demoSeededAt).toBeTruthy();
      expect(await srv.store.countEvents(partial.site.id)).toBe(0);
      expect(await srv.store.getSite(older.site.id)).not.toBeNull();
    } finally {
      await srv.close();
    }
  });

  it('--metrics-token reaches the server: /metrics needs the bearer token', async () => {
    const srv = await startFirstRun({ port: 0, host: '127.0.0.1', dbPath: tempDbPath(), demo: false, quiet: true, metricsToken: 'start-token-0123456789' }, capture());
    try {
      expect((await fetch(srv.url + '/metrics')).status).toBe(401);
      expect((await fetch(srv.url + '/metrics', { headers: { authorization: 'Bearer start-token-0123456789' } })).status).toBe(200);
    } finally {
      await srv.close();
    }
    await expect(startRun(['--metrics-token', 'has spaces in it ok'], capture())).rejects.toThrow(/--metrics-token: the metrics token may hold only/);
  });

  it('--help for start and demo; demo without an action is a usage error', async () => {
    const io = capture();
    expect(await startRun(['--help'], io)).toBe(0);
    expect(io.lines.join('\n')).toContain('Usage: omnitrail start');
    const io2 = capture();
    expect(await demoRun(['--help'], io2)).toBe(0);
    expect(io2.lines.join('\n')).toContain('demo remove');
    await expect(demoRun(['nope', '--db', tempDbPath()], capture())).rejects.toThrow(/demo seed" or "demo remove/);
  });

  it('generated passwords are 4 groups of 4 from an unambiguous alphabet, never repeated', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const pw = generatePassword();
      expect(pw).toMatch(/^[a-km-np-zA-HJ-NP-Z2-9]{4}(-[a-km-np-zA-HJ-NP-Z2-9]{4}){3}$/);
      seen.add(pw);
    }
    expect(seen.size).toBe(200);
  });
});
