import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDbPath } from '../test-utils/harness';
import { openSqliteStore } from '../store/sqlite/index';
import { decodeQrPng } from '../qr/testing';
import { main } from './main';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

async function setup() {
  const db = tempDbPath();
  const store = openSqliteStore(db);
  const { site } = await store.createSite({ name: 'Shop', origins: ['https://shop.example'] });
  await store.close();
  return { db, dir: dirname(db), site };
}

describe('omnitrail qr', () => {
  test('campaign → shared code → render PNG/SVG → sheet → export', async () => {
    const { db, dir } = await setup();
    const run = async (...args: string[]) => {
      const c = capture();
      const code = await main(['qr', ...args, '--db', db], c.io);
      return { code, ...c };
    };
    const noBase = await run('campaign', 'create', '--name', 'Poster', '--target', 'https://shop.example/p');
    expect(noBase.code).toBe(2);
    expect(noBase.err.join('\n')).toMatch(/--base-url is required/);
    const offSite = await run('campaign', 'create', '--name', 'Poster', '--target', 'https://evil.com/', '--base-url', 'https://t.shop.example');
    expect(offSite.code).toBe(2);
    expect(offSite.err.join('\n')).toMatch(/not one of the site's origins/);

    const created = await run('campaign', 'create', '--name', 'Poster', '--target', 'https://shop.example/p', '--utm', 'medium=poster', '--base-url', 'https://t.shop.example', '--json');
    expect(created.code).toBe(0);
    const campaign = JSON.parse(created.out[0]);
    expect(campaign.utm).toMatchObject({ utm_medium: 'poster', utm_source: 'qr' });

    const codes = await run('code', 'create', '--campaign', campaign.id, '--count', '2', '--label', 'A1');
    expect(codes.code).toBe(0);
    expect(codes.out).toHaveLength(2);
    const [code, url] = codes.out[0].split(/\s+/);
    expect(url).toBe(`https://t.shop.example/q/${code}`);

    const png = join(dir, 'c.png');
    expect((await run('render', code.toLowerCase(), '--png', '--size', '300', '--out', png)).code).toBe(0);
    expect(decodeQrPng(readFileSync(png))).toBe(url);
    const svg = join(dir, 'c.svg');
    expect((await run('render', code, '--svg', '--out', svg)).code).toBe(0);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg/);
    expect((await run('render', code, '--out', svg)).code).toBe(2);

    const sheet = join(dir, 'sheet.html');
    expect((await run('sheet', '--campaign', campaign.id, '--out', sheet)).code).toBe(0);
    expect(readFileSync(sheet, 'utf8').match(/<figure/g)).toHaveLength(2);

    const csv = await run('export-csv', '--campaign', campaign.id);
    expect(csv.out[0].split('\r\n')[0]).toBe('code,url,recipient_ref,kind,label,campaign_id,campaign_name');
    expect(csv.out[0]).toContain(`${code},${url},,shared,A1,${campaign.id},Poster`);

    const list = await run('campaign', 'list');
    expect(list.out[0]).toMatch(new RegExp(`${campaign.id}\\s+active\\s+codes\\s+2\\s+scans\\s+0\\s+Poster`));
    expect((await run('campaign', 'disable', campaign.id)).code).toBe(0);
    expect((await run('campaign', 'list', '--json')).out[0]).toContain('"disabled":true');
    expect((await run('nonsense')).code).toBe(2);
    expect((await run('--help')).out[0]).toMatch(/^Usage:/);
  });

  test('mailing: rejected rows reported with line numbers, good rows get codes, re-run is idempotent', async () => {
    const { db, dir } = await setup();
    const run = async (...args: string[]) => {
      const c = capture();
      const code = await main(['qr', ...args, '--db', db], c.io);
      return { code, ...c };
    };
    const campaign = JSON.parse((await run('campaign', 'create', '--name', 'Letter', '--target', 'https://shop.example/', '--base-url', 'https://t.shop.example', '--json')).out[0]);
    const list = join(dir, 'recipients.csv');
    writeFileSync(list, 'recipient_ref,customer_id,email,phone,loyalty_id\nR-1,C-1,a@example.com,+49 30 1234567,L-1\n,C-2,b@example.com,,\nR-3,,,0301234568,\n');
    const out = join(dir, 'merge.csv');
    const first = await run('mailing', list, '--campaign', campaign.id, '--default-country', 'DE', '--out', out);
    expect(first.code).toBe(1);
    expect(first.err).toContain(`${list}:3: rejected: missing recipient ref (column recipient_ref / ref / recipient / recipient_id / id)`);
    expect(first.err.join('\n')).toMatch(/2 new code\(s\), 0 already existed, 1 row\(s\) rejected/);
    const merge = readFileSync(out, 'utf8').trim().split('\r\n');
    expect(merge).toHaveLength(3);
    expect(merge[1]).toMatch(/^[2-9A-Z]{13},https:\/\/t\.shop\.example\/q\/[2-9A-Z]{13},R-1,personal,/);
    const second = await run('mailing', list, '--campaign', campaign.id, '--default-country', 'DE', '--out', out);
    expect(second.err.join('\n')).toMatch(/0 new code\(s\), 2 already existed/);
    expect(readFileSync(out, 'utf8').trim().split('\r\n')).toEqual(merge);
    expect((await run('mailing', join(dir, 'missing.csv'), '--campaign', campaign.id)).err.join('\n')).toMatch(/cannot read/);
  });

  test('mailing: spreadsheet headers map themselves; unused columns are named once, without a "(null)" recipient', async () => {
    const { db, dir } = await setup();
    const run = async (...args: string[]) => {
      const c = capture();
      const code = await main(['qr', ...args, '--db', db], c.io);
      return { code, ...c };
    };
    const campaign = JSON.parse((await run('campaign', 'create', '--name', 'Letter', '--target', 'https://shop.example/', '--base-url', 'https://t.shop.example', '--json')).out[0]);
    const list = join(dir, 'export.csv');
    writeFileSync(list, 'Recipient Ref;Customer ID;E-Mail;Phone Number;Name;Street\nR-1;C-1;a@example.com;030 1234567;Jane;Main St 1\n');
    const res = await run('mailing', list, '--campaign', campaign.id, '--default-country', 'DE', '--out', join(dir, 'merge.csv'));
    expect(res.code).toBe(0);
    const warning = res.err.find((l) => l.includes('ignored'))!;
    expect(warning).toMatch(/^.*export\.csv:1: warning: columns "Name", "Street" ignored/);
    expect(res.err.join('\n')).not.toContain('null');
    expect(res.err.join('\n')).toMatch(/1 new code\(s\), 0 already existed, 0 row\(s\) rejected/);
  });
});
