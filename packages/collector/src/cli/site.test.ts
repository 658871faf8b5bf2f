import { expect, test } from 'vitest';
import { writeFileSync } from 'node:fs';
import { main } from './main';
import { captureIo } from '../test-utils/cli-io';
import { tempDbPath } from '../test-utils/harness';
import { openSqliteStore } from '../store/sqlite/index';
import { withCollector } from '../test-utils/harness';

test('site create --json prints exactly {id, writeKey, secretKey}; the secret key is stored hashed and works', async () => {
  const db = tempDbPath();
  const io = captureIo();
  const code = await main(['site', 'create', '--name', 'Shop', '--origin', 'https://Shop.example/', '--origin', 'http://localhost:3000', '--json', '--db', db], io);
  expect(code).toBe(0);
  expect(io.stderr).toEqual([]);
  expect(io.stdout).toHaveLength(1);
  const out = JSON.parse(io.stdout[0]);
  expect(Object.keys(out)).toEqual(['id', 'writeKey', 'secretKey']);
  const store = openSqliteStore(db);
  try {
    const site = await store.siteBySecretKey(out.secretKey);
    expect(site).toMatchObject({ id: out.id, name: 'Shop', writeKey: out.writeKey, origins: ['https://shop.example', 'http://localhost:3000'] });
    const dump = JSON.stringify(store.db.prepare('SELECT * FROM sites').all());
    expect(dump).not.toContain(out.secretKey);
  } finally {
    await store.close();
  }
});

test('site list shows sites (never secret keys), as a table or --json', async () => {
  const db = tempDbPath();
  const a = captureIo();
  await main(['site', 'create', '--name', 'A shop', '--origin', '*', '--db', db], a);
  expect(a.stdout.join('\n')).toMatch(/secret key\s+sk_/);
  const secret = /secret key\s+(\S+)/.exec(a.stdout.join('\n'))![1];
  const t = captureIo();
  expect(await main(['site', 'list', '--db', db], t)).toBe(0);
  expect(t.stdout[0]).toMatch(/^ID\s+NAME\s+WRITE KEY\s+ORIGINS\s+TIME ZONE\s+CREATED$/);
  expect(t.stdout[1]).toContain('A shop');
  const j = captureIo();
  expect(await main(['site', 'list', '--json', '--db', db], j)).toBe(0);
  const list = JSON.parse(j.stdout.join(''));
  expect(list).toHaveLength(1);
  expect(list[0]).toMatchObject({ name: 'A shop', origins: ['*'], timezone: 'UTC' });
  expect(j.stdout.join('') + t.stdout.join('')).not.toContain(secret);
});

test('a site has a reporting time zone: set at create, changed by update, used by reports', async () => {
  const db = tempDbPath();
  const a = captureIo();
  expect(await main(['site', 'create', '--name', 'Berlin shop', '--origin', '*', '--timezone', 'europe/berlin', '--default-country', 'de', '--json', '--db', db], a)).toBe(0);
  const { id, secretKey } = JSON.parse(a.stdout.join(''));
  const list = async () => {
    const j = captureIo();
    await main(['site', 'list', '--json', '--db', db], j);
    return JSON.parse(j.stdout.join(''))[0].timezone;
  };
  expect(await list()).toBe('Europe/Berlin');
  const report = async () => {
    const r = captureIo();
    expect(await main(['report', 'ropo', '--from', '2025-06-15', '--to', '2025-06-15', '--json', '--db', db], r)).toBe(0);
    return JSON.parse(r.stdout.join('')).from;
  };
  expect(await report()).toBe('2025-06-14T22:00:00.000Z');
  const text = captureIo();
  expect(await main(['report', 'ropo', '--from', '2025-06-15', '--to', '2025-06-15', '--db', db], text)).toBe(0);
  expect(text.stdout[0]).toMatch(/^ROPO, 2025-06-15 – 2025-06-15 /);
  const u = captureIo();
  expect(await main(['site', 'update', '--site', id, '--timezone', 'America/New_York', '--db', db], u)).toBe(0);
  expect(u.stdout[0]).toBe(`Site "Berlin shop" (${id}): time zone America/New_York, default country DE, cookieless off`);
  expect(await list()).toBe('America/New_York');
  const store = openSqliteStore(db);
  expect((await store.getSite(id))!.settings).toMatchObject({ timezone: 'America/New_York', defaultCountry: 'DE' });
  await store.close();
  expect(await report()).toBe('2025-06-15T04:00:00.000Z');
  expect(secretKey).toMatch(/^sk_/);
});

test('site update --cookieless on|off sets settings.cookieless (what ingest checks), keeping the other settings', async () => {
  const db = tempDbPath();
  const a = captureIo();
  expect(await main(['site', 'create', '--name', 'Shop', '--origin', '*', '--timezone', 'Europe/Berlin', '--json', '--db', db], a)).toBe(0);
  const { id } = JSON.parse(a.stdout.join(''));
  const settings = async () => {
    const store = openSqliteStore(db);
    try {
      return (await store.getSite(id))!.settings;
    } finally {
      await store.close();
    }
  };
  const on = captureIo();
  expect(await main(['site', 'update', '--cookieless', 'ON', '--db', db], on)).toBe(0);
  expect(on.stdout).toEqual([`Site "Shop" (${id}): time zone Europe/Berlin, default country none, cookieless on`, "  channel rules: none (the default channel table only)"]);
  expect(await settings()).toMatchObject({ cookieless: true, timezone: 'Europe/Berlin' });
  const j = captureIo();
  await main(['site', 'list', '--json', '--db', db], j);
  expect(JSON.parse(j.stdout.join(''))[0]).toMatchObject({ cookieless: true });
  const off = captureIo();
  expect(await main(['site', 'update', '--site', id, '--cookieless', 'off', '--db', db], off)).toBe(0);
  expect(off.stdout[0]).toMatch(/cookieless off$/);
  expect(await settings()).toMatchObject({ cookieless: false, timezone: 'Europe/Berlin' });
});

test('site update --origin replaces the allowed origins of a running collector\'s site; keys and data stay', () =>
  withCollector(
    async (fx) => {
      const send = (origin: string, messageId: string) =>
        fetch(`${fx.url}/v1/track?writeKey=${fx.writeKey}`, {
          method: 'POST',
          headers: { origin, 'content-type': 'text/plain' },
          body: JSON.stringify({ event: 'Signup', anonymousId: 'a1', messageId }),
        });
      const refused = await send('https://www.shop.example', 'm1');
      expect(refused.status).toBe(403);
      // The refusal names the command that fixes it (not "site create", which makes a new site with new keys).
      expect((await refused.json()).message).toContain('omnitrail site update --origin');

      const io = captureIo();
      const argv = ['site', 'update', '--origin', 'https://shop.example', '--origin', 'https://WWW.shop.example/', '--json', '--db', fx.dbPath];
      expect(await main(argv, io)).toBe(0);
      expect(io.stderr).toEqual([]);
      expect(JSON.parse(io.stdout.join(''))).toMatchObject({ id: fx.site.id, origins: ['https://shop.example', 'https://www.shop.example'] });

      // The running collector drops its cached site once it sees the other connection's commit.
      let res = await send('https://www.shop.example', 'm2');
      for (const until = Date.now() + 10_000; res.status === 403 && Date.now() < until; ) {
        await new Promise((r) => setTimeout(r, 50));
        res = await send('https://www.shop.example', 'm2');
      }
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://www.shop.example');
      expect((await send('https://shop.example', 'm3')).status).toBe(200);
      const site = (await fx.store.getSite(fx.site.id))!;
      expect(site).toMatchObject({ writeKey: fx.writeKey, origins: ['https://shop.example', 'https://www.shop.example'] });
      expect(await fx.store.siteBySecretKey(fx.secretKey)).toMatchObject({ id: fx.site.id });
      expect(await fx.store.countEvents(fx.site.id)).toBe(2);

      // A value that is not an origin changes nothing.
      const bad = captureIo();
      expect(await main(['site', 'update', '--origin', 'www.shop.example', '--db', fx.dbPath], bad)).toBe(2);
      expect(bad.stderr.join('')).toMatch(/is not an origin like https:\/\/shop.example/);
      expect((await fx.store.getSite(fx.site.id))!.origins).toEqual(['https://shop.example', 'https://www.shop.example']);
    },
    { transport: 'http' },
  ));

test('site remove deletes one site and all its data beside a running collector; another site keeps everything; --yes is required', () =>
  withCollector(
    async (fx) => {
      const { site: other, secretKey: otherSecret } = await fx.store.createSite({ name: 'Other shop', origins: ['*'] });
      const batch = (writeKey: string, n: number, prefix: string) =>
        fetch(`${fx.url}/v1/batch?writeKey=${writeKey}`, {
          method: 'POST',
          headers: { origin: 'https://shop.example', 'content-type': 'application/json' },
          body: JSON.stringify({ batch: Array.from({ length: n }, (_, i) => ({ type: 'track', event: 'Viewed', anonymousId: `${prefix}-a${i % 7}`, userId: i % 10 ? undefined : `${prefix}-u${i}`, messageId: `${prefix}-${i}` })) }),
        });
      expect((await batch(fx.writeKey, 600, 'x')).status).toBe(200);
      expect((await batch(other.writeKey, 30, 'y')).status).toBe(200);
      const order = (secret: string, id: string) => fetch(`${fx.url}/v1/orders`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify({ order_id: id, channel: 'store', revenue: 5, userId: 'C-1' }) });
      expect((await order(fx.secretKey, 'O-1')).status).toBe(200);
      expect((await order(otherSecret, 'O-2')).status).toBe(200);
      await fx.store.personOf(other.id, { kind: 'user', value: 'C-1' }); // stitched

      const run = async (...args: string[]) => {
        const io = captureIo();
        const code = await main(['site', 'remove', ...args, '--db', fx.dbPath], io);
        return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
      };
      expect((await run()).err).toContain('--site <id> is required');
      const dry = await run('--site', fx.site.id);
      expect(dry.code).toBe(2);
      expect(dry.err).toMatch(/this deletes site ".*" \(st_[\w-]+\) and all its data: 600 events, 1 orders, \d+ identifiers, 0 QR campaigns, 0 webhooks\. It cannot be undone: run again with --yes/);
      expect(await fx.store.countEvents(fx.site.id)).toBe(600);

      // Ingest of the other site goes on while the events go in batches.
      const during = batch(other.writeKey, 20, 'z');
      const done = await run('--site', fx.site.id, '--yes', '--json');
      expect((await during).status).toBe(200);
      expect(done.code).toBe(0);
      const { removed } = JSON.parse(done.out) as { removed: Record<string, number> };
      expect(removed).toMatchObject({ events: 600, orders: 1, sites: 1 });

      expect(await fx.store.getSite(fx.site.id)).toBeNull();
      for (const table of ['events', 'orders', 'identity_ids']) {
        expect(fx.store.db.prepare(`SELECT COUNT(*) FROM ${table} WHERE site_id = ?`).pluck().get(fx.site.id), table).toBe(0);
      }
      // Its keys stop working (the running collector's cache sees the removal within 0.25 s, and
      // a second sweep took what it accepted meanwhile); the other site keeps every row.
      expect((await batch(fx.writeKey, 1, 'after')).status).toBe(401);
      expect(await fx.store.countEvents(other.id)).toBe(50);
      expect(await fx.store.getOrder(other.id, 'O-2')).toMatchObject({ orderId: 'O-2' });
      expect((await fx.store.personOf(other.id, { kind: 'user', value: 'C-1' }))?.identifiers.length).toBeGreaterThan(0);
      expect((await run('--site', fx.site.id, '--yes')).err).toContain(`no site with the id "${fx.site.id}"`);
      expect((await run('--site', 'Other shop', '--yes')).err).toContain('remove takes the id, not the name');
      expect(await fx.store.getSite(other.id)).not.toBeNull();
    },
    { transport: 'http' },
  ));

test.each([
  [['site', 'update', '--cookieless', 'yes'], /--cookieless "yes" must be "on" or "off"/],
  [['site', 'create', '--name', 'X', '--origin', '*', '--cookieless', 'on'], /--cookieless belongs to "site update"/],
  [['site', 'create', '--origin', 'https://a.example'], /--name is required/],
  [['site', 'create', '--name', 'X'], /at least one --origin is required/],
  [['site', 'create', '--name', 'X', '--origin', 'shop.example'], /is not an origin like https:\/\/shop.example/],
  [['site', 'delete'], /unknown action "delete"/],
  [['site', 'create', '--name', 'X', '--origin', '*', '--timezone', 'Mars/Olympus'], /--timezone "Mars\/Olympus" is not a time zone/],
  [['site', 'update'], /nothing to update/],
  [['site', 'update', '--default-country', 'Germany'], /--default-country "Germany" is not a country code/],
  [['site', 'list', '--timezone', 'UTC'], /belong to "site create"/],
  [['site'], /missing action/],
  [['site', 'list', '--bogus'], /Unknown option '--bogus'/],
  [['nope'], /unknown command "nope"/],
])('errors go to stderr with a non-zero exit: %j', async (argv, msg) => {
  const io = captureIo();
  const code = await main([...argv, '--db', tempDbPath()], io);
  expect(code).not.toBe(0);
  expect(io.stdout).toEqual([]);
  expect(io.stderr.join('\n')).toMatch(msg);
});

test('every command has --help (exit 0, usage on stdout)', async () => {
  const top = captureIo();
  expect(await main(['--help'], top)).toBe(0);
  const names = top.stdout.join('\n').match(/^ {2}(\S+)/gm)!.map((s) => s.trim());
  expect(names).toEqual(expect.arrayContaining(['serve', 'site']));
  for (const name of names) {
    const io = captureIo();
    expect(await main([name, '--help'], io), name).toBe(0);
    expect(io.stdout.join('\n'), name).toMatch(/Usage/i);
    expect(io.stderr, name).toEqual([]);
  }
});

test('a --db that cannot be opened is one clear line on stderr (path and reason), exit 1, no stack trace', async () => {
  const notSqlite = tempDbPath();
  writeFileSync(notSqlite, 'order_id,revenue\nA-1,10\n'.repeat(200));
  for (const [db, reason] of [
    ['/nonexistent-dir/omnitrail.db', /directory does not exist/],
    [notSqlite, /not a database/],
  ] as const) {
    const io = captureIo();
    expect(await main(['site', 'list', '--db', db], io)).toBe(1);
    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).toContain(`omnitrail site: cannot open the database ${db}: `);
    expect(io.stderr[0]).toMatch(reason);
    expect(io.stderr[0]).not.toMatch(/\n\s+at /);
  }
});
