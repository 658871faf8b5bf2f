import { expect, test } from 'vitest';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { main } from './main';
import { captureIo } from '../test-utils/cli-io';
import { withCollector } from '../test-utils/harness';

const T0 = Date.UTC(2026, 2, 10, 12);
const iso = (t: number) => new Date(t).toISOString();

test('site update --channel-rules saves validated rules that reports use; bad files change nothing; none clears; --json prints JSON', () =>
  withCollector(async (fx) => {
    const dir = dirname(fx.dbPath);
    const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
    // A partner visit and an order: by default the partner's referral is "Referral".
    const batch = [
      { type: 'page', messageId: 'p1', anonymousId: 'a1', timestamp: iso(T0), context: { userAgent: 'Mozilla/5.0 Chrome/120.0', omnitrail: { v: 1, consent: 'granted', sessionStart: true, sessionId: 's1' }, campaign: { source: 'partner-a', medium: 'referral' } } },
      { type: 'track', event: 'Order Completed', messageId: 'p2', anonymousId: 'a1', timestamp: iso(T0 + 60_000), properties: { order_id: 'W-1', revenue: 40, currency: 'EUR' }, context: { userAgent: 'Mozilla/5.0 Chrome/120.0', omnitrail: { v: 1, consent: 'granted', sessionId: 's1' } } },
    ];
    expect((await fx.post('/v1/batch', { batch }, { headers: { origin: 'https://shop.example' } })).status).toBe(200);
    const channels = async () => {
      const r = await (await fx.get(`/v1/reports/attribution?from=${iso(T0 - 86_400_000)}&to=${iso(T0 + 86_400_000)}`)).json();
      return (r.rows as { key: string }[]).map((x) => x.key);
    };
    expect(await channels()).not.toContain('Partners');

    const cli = (args: string[], io = captureIo()) => main(['site', 'update', ...args, '--db', fx.dbPath], io).then((code) => ({ code, io }));
    // Refused before anything is written, each with a clear message.
    for (const [name, text, why] of [
      ['bad-field.json', '[{"channel": "Partners", "when": {"sauce": "partner-a"}}]', /--channel-rules .*bad-field\.json: rules\[0\]\.when: unknown field "sauce"/],
      ['not-array.json', '{"channel": "Partners"}', /must be a JSON array/],
      ['broken.json', '[{', /not valid JSON/],
    ] as const) {
      const { code, io } = await cli(['--channel-rules', file(name, text)]);
      expect(code, name).not.toBe(0);
      expect(io.stderr.join('\n'), name).toMatch(why);
    }
    expect((await cli(['--channel-rules', join(dir, 'missing.json')])).io.stderr.join('\n')).toMatch(/cannot read the file \(ENOENT\)/);
    expect((await fx.store.getSite(fx.site.id))!.settings.channelRules).toBeUndefined();

    const rules = [{ channel: 'Partners', when: { source: ['partner-a', 'partner-b'] }, name: 'our partners' }];
    const ok = await cli(['--channel-rules', file('rules.json', JSON.stringify(rules)), '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.io.stdout.join(''))).toEqual({ id: fx.site.id, name: fx.site.name, origins: fx.site.origins, timezone: 'UTC', defaultCountry: null, cookieless: false, currency: null, exchangeRates: {}, channelRules: rules });
    expect((await fx.store.getSite(fx.site.id))!.settings.channelRules).toEqual(rules);
    expect(await channels()).toContain('Partners');

    const text = await cli(['--timezone', 'Europe/Berlin']);
    expect(text.io.stdout.join('\n')).toContain('channel rules: 1 custom rule before the defaults (Partners)');
    expect((await fx.store.getSite(fx.site.id))!.settings.channelRules).toEqual(rules);
    const cleared = await cli(['--channel-rules', 'none']);
    expect(cleared.io.stdout.join('\n')).toContain('channel rules: none');
    expect((await fx.store.getSite(fx.site.id))!.settings.channelRules).toBeUndefined();
    expect(await channels()).not.toContain('Partners');
  }));
