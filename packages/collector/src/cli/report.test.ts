import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withCollector } from '../test-utils/harness';
import { main } from './main';

const T0 = Date.UTC(2026, 0, 5, 12);
const iso = (ms: number) => new Date(ms).toISOString();

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('omnitrail report', () => {
  it('cookieless: page views and daily visitors per day of the site\'s zone, as a table and JSON', () =>
    withCollector(async (fx) => {
      await fx.store.updateSiteSettings(fx.site.id, { cookieless: true, timezone: 'America/St_Johns' }); // UTC−03:30 in January
      const page = (id: string, ts: number, path: string) => ({ type: 'page', messageId: id, timestamp: iso(ts), context: { omnitrail: { v: 1, consent: 'denied', cookieless: true }, page: { path } } });
      // 03:20 UTC on Jan 6 is Jan 5 23:50 in St. John's; 03:40 UTC is Jan 6 00:10 there.
      const d6 = Date.UTC(2026, 0, 6, 3, 30);
      const res = await fx.post('/v1/batch', { batch: [page('c1', d6 - 600_000, '/'), page('c2', d6 + 600_000, '/a'), page('c3', d6 + 700_000, '/a')] }, { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0' } });
      expect(await res.json()).toMatchObject({ accepted: 3, rejected: [] });
      const args = ['report', 'cookieless', '--from', '2026-01-05', '--to', '2026-01-06', '--db', fx.store.db.name, '--site', fx.site.id];
      let c = capture();
      expect(await main(args, c.io)).toBe(0);
      const text = c.out.join('\n');
      expect(text).toContain('Cookieless (no consent), 2026-01-05 – 2026-01-06 · 3 page views · 2 daily visitors');
      expect(text).toMatch(/2026-01-05\s+1\s+1\n2026-01-06\s+2\s+1/);
      expect(text).toMatch(/\/a\s+2/);
      c = capture();
      expect(await main([...args, '--json'], c.io)).toBe(0);
      expect(JSON.parse(c.out.join('\n'))).toMatchObject({ report: 'cookieless', timeZone: 'America/St_Johns', totals: { pageViews: 3, dailyVisitors: 2 } });
    }, { siteCacheMs: 0 }));

  it('prints readable tables and JSON for a real database; errors go to stderr with non-zero exit', () =>
    withCollector(async (fx) => {
      const ctx = (extra: Record<string, unknown>) => ({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0', page: { url: 'https://shop.example/', path: '/' }, omnitrail: { v: 1, consent: 'granted', sessionStart: true, sessionId: 's1' }, ...extra });
      const res = await fx.post('/v1/batch', {
        batch: [
          { type: 'page', messageId: 'p1', anonymousId: 'a1', timestamp: iso(T0), context: ctx({ campaign: { source: 'newsletter', medium: 'email', name: 'jan' } }) },
          { type: 'track', event: 'Order Completed', messageId: 'o1', anonymousId: 'a1', timestamp: iso(T0 + 60_000), properties: { order_id: 'W1', revenue: 80 }, context: { omnitrail: { v: 1, consent: 'granted' } } },
        ],
      });
      expect(res.status).toBe(200);
      const db = fx.store.db.name;
      const range = ['--from', '2026-01-01', '--to', '2026-01-31', '--db', db, '--site', fx.site.id];

      let c = capture();
      expect(await main(['report', 'attribution', ...range], c.io)).toBe(0);
      const text = c.out.join('\n');
      expect(text).toContain('Attribution by channel');
      expect(text).toMatch(/Email\s+80\s+80/);
      expect(text).toContain('Position-based');
      expect(text).toContain('Channel rules: omnitrail-2 (');

      c = capture();
      expect(await main(['report', 'attribution', ...range, '--json', '--model', 'linear', '--dimension', 'campaign'], c.io)).toBe(0);
      const json = JSON.parse(c.out.join('\n'));
      expect(json.rows).toEqual([{ key: 'jan', conversions: { linear: 1 }, revenue: { linear: 80 } }]);

      // Custom rules from a file are evaluated before the defaults.
      const rules = join(dirname(db), 'rules.json');
      writeFileSync(rules, JSON.stringify([{ channel: 'Newsletter', when: { source: 'newsletter' } }]));
      c = capture();
      expect(await main(['report', 'attribution', ...range, '--rules', rules, '--json'], c.io)).toBe(0);
      expect(JSON.parse(c.out.join('\n')).rows.map((r: { key: string }) => r.key)).toEqual(['Newsletter']);
      // The header names the custom rules in front of the default table, not the default table alone.
      c = capture();
      expect(await main(['report', 'attribution', ...range, '--rules', rules], c.io)).toBe(0);
      expect(c.out.join('\n')).toContain('Channel rules: rules.json (1) + omnitrail-2 (');
      await fx.store.updateSiteSettings(fx.site.id, { ...fx.site.settings, channelRules: [{ channel: 'Letters', when: { source: 'newsletter' } }] });
      c = capture();
      expect(await main(['report', 'attribution', ...range], c.io)).toBe(0);
      expect(c.out.join('\n')).toMatch(/Letters\s+80/);
      expect(c.out.join('\n')).toContain('Channel rules: site rules (1) + omnitrail-2 (');
      const api = await fx.get("/v1/reports/attribution?from=2026-01-01&to=2026-01-31");
      expect((await api.json()).channelRules).toMatch(/^site rules \(1\) \+ omnitrail-2 \(/);
      await fx.store.updateSiteSettings(fx.site.id, fx.site.settings);
      writeFileSync(rules, JSON.stringify([{ channel: 'X', when: { sauce: 'x' } }]));
      c = capture();
      expect(await main(['report', 'attribution', ...range, '--rules', rules], c.io)).toBe(2);
      expect(c.err.join('\n')).toContain('unknown field "sauce"');

      c = capture();
      expect(await main(['report', 'explain', ...range, '--order', 'W1'], c.io)).toBe(0);
      expect(c.out.join('\n')).toContain('Order W1');

      for (const name of ['ropo', 'funnel', 'journeys', 'qr', 'vitals']) {
        c = capture();
        expect(await main(['report', name, ...range], c.io), name).toBe(0);
      }

      c = capture();
      expect(await main(['report', 'channels', ...range, '--rules', rules], c.io)).toBe(2); // the invalid file from above
      c = capture();
      expect(await main(['report', 'channels', ...range], c.io)).toBe(0);
      expect(c.out.join('\n')).toMatch(/default\[10\]\s+Paid Search/);

      c = capture();
      expect(await main(['report', 'explain', ...range, '--order', 'NOPE'], c.io)).toBe(1);
      expect(c.err.join('\n')).toContain('not found');
      c = capture();
      expect(await main(['report', 'magic', '--db', db], c.io)).toBe(2);
      expect(c.err.join('\n')).toContain('unknown report');
      c = capture();
      expect(await main(['report', 'attribution', '--from', 'later', '--db', db], c.io)).toBe(2);
      c = capture();
      expect(await main(['report', '--help'], c.io)).toBe(0);
      expect(c.out.join('\n')).toContain('--lookback-days');
    }));
});
