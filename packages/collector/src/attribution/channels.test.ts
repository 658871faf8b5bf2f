import { describe, expect, it } from 'vitest';
import { CHANNELS, DEFAULT_CHANNEL_RULES, createClassifier, hostOf, touchFields } from './channels';
import type { Touch } from './journey';
import { REGEX_INPUT_MAX, RuleError, parseChannelRules, regexInput } from './rules';
import { inSourceCategory, sourceKeys } from './sources';

const session = (p: Partial<Touch>): Touch => ({ ts: 0, kind: 'session', messageId: 'm', pageHost: 'shop.example', ...p });
const utm = (source?: string, medium?: string, campaign?: string): Touch => session({ utm: { source, medium, campaign } });

// Golden table: one or more cases per default rule, in rule order. [description, touch, channel].
const GOLDEN: [string, Touch, string][] = [
  ['personalised QR scan → Direct Mail', { ts: 0, kind: 'qr', messageId: 'q', qr: { code: 'AB', campaignId: 'c1', personalised: true } }, 'Direct Mail'],
  ['campaign QR scan → Print/QR', { ts: 0, kind: 'qr', messageId: 'q', qr: { code: 'AB', campaignId: 'c1', personalised: false } }, 'Print/QR'],
  ['phone call → Phone', { ts: 0, kind: 'offline', messageId: 'o', offline: { type: 'phone_call' } }, 'Phone'],
  ['store visit → Store', { ts: 0, kind: 'offline', messageId: 'o', offline: { type: 'store_visit', location: 'Berlin' } }, 'Store'],
  ['consultation → Store', { ts: 0, kind: 'offline', messageId: 'o', offline: { type: 'consultation' } }, 'Store'],
  ['appointment → Store', { ts: 0, kind: 'offline', messageId: 'o', offline: { type: 'appointment' } }, 'Store'],
  ['custom offline touch → Offline Other', { ts: 0, kind: 'offline', messageId: 'o', offline: { type: 'custom' } }, 'Offline Other'],
  ['utm_medium=direct_mail → Direct Mail', utm('letter-2024', 'direct_mail'), 'Direct Mail'],
  ['utm_medium=qr (QR redirect landing) → Print/QR', utm('flyer', 'qr', 'spring'), 'Print/QR'],
  ['utm_medium=print → Print/QR', utm('magazine', 'print'), 'Print/QR'],
  ['no referrer, no utm → Direct', session({}), 'Direct'],
  ['self-referral → Direct', session({ referrer: 'https://www.shop.example/cart' }), 'Direct'],
  ['campaign contains cross-network → Cross-network', utm('google', 'cpc', 'pmax-cross-network-q3'), 'Cross-network'],
  ['shopping site + cpc → Paid Shopping', utm('amazon', 'cpc'), 'Paid Shopping'],
  ['shop campaign + paid medium → Paid Shopping', utm('google', 'paid', 'summer-shop'), 'Paid Shopping'],
  ['"workshop" campaign is not shop (GA4 regex [^a-df-z]) → Paid Search', utm('google', 'cpc', 'workshop'), 'Paid Search'],
  ['google / cpc → Paid Search', utm('google', 'cpc'), 'Paid Search'],
  ['bing / ppc → Paid Search', utm('bing', 'ppc'), 'Paid Search'],
  ['gclid without utm → Paid Search', session({ clickIds: { gclid: 'x' } }), 'Paid Search'],
  ['gbraid → Paid Search', session({ clickIds: { gbraid: 'x' } }), 'Paid Search'],
  ['wbraid → Paid Search', session({ clickIds: { wbraid: 'x' } }), 'Paid Search'],
  ['gclid overrides manual utm (GA4 auto-tagging) → Paid Search', session({ clickIds: { gclid: 'x' }, utm: { source: 'newsletter', medium: 'email' } }), 'Paid Search'],
  ['msclkid → Paid Search', session({ clickIds: { msclkid: 'x' } }), 'Paid Search'],
  ['facebook / paid_social → Paid Social', utm('facebook', 'paid_social'), 'Paid Social'],
  ['ttclid → Paid Social', session({ clickIds: { ttclid: 'x' } }), 'Paid Social'],
  ['li_fat_id → Paid Social', session({ clickIds: { li_fat_id: 'x' } }), 'Paid Social'],
  ['youtube / cpv → Paid Video', utm('youtube', 'cpv'), 'Paid Video'],
  ['medium banner → Display', utm('partner-network', 'banner'), 'Display'],
  ['medium cpm → Display (cpm is listed before Paid Other… but matches .*cp.*: Display is earlier)', utm('dsp', 'cpm'), 'Display'],
  ['dclid → Display', session({ clickIds: { dclid: 'x' } }), 'Display'],
  ['unknown source / cpc → Paid Other', utm('some-network', 'cpc'), 'Paid Other'],
  ['retargeting medium → Paid Other', utm('criteo-like', 'retargeting'), 'Paid Other'],
  ['ebay referral → Organic Shopping', session({ referrer: 'https://www.ebay.de/itm/1' }), 'Organic Shopping'],
  ['facebook referral → Organic Social', session({ referrer: 'https://l.facebook.com/' }), 'Organic Social'],
  ['fbclid without utm → Organic Social (fbclid also marks organic links)', session({ clickIds: { fbclid: 'x' } }), 'Organic Social'],
  ['medium social-media → Organic Social', utm('club', 'social-media'), 'Organic Social'],
  ['youtube referral → Organic Video', session({ referrer: 'https://www.youtube.com/watch?v=1' }), 'Organic Video'],
  ['medium video → Organic Video', utm('blog', 'video'), 'Organic Video'],
  ['google.de referrer → Organic Search', session({ referrer: 'https://www.google.de/' }), 'Organic Search'],
  ['yahoo search subdomain → Organic Search', session({ referrer: 'https://de.search.yahoo.com/search?p=x' }), 'Organic Search'],
  ['google.co.uk → Organic Search', session({ referrer: 'https://www.google.co.uk/' }), 'Organic Search'],
  ['medium organic → Organic Search', utm('someengine', 'organic'), 'Organic Search'],
  ['other site → Referral', session({ referrer: 'https://blog.example.org/post' }), 'Referral'],
  ['medium app → Referral', utm('partner-app', 'app'), 'Referral'],
  ['medium email → Email', utm('newsletter', 'email'), 'Email'],
  ['source e-mail → Email', utm('e-mail', 'weekly'), 'Email'],
  ['email touch kind without utm → Email', { ts: 0, kind: 'email', messageId: 'e' }, 'Email'],
  ['medium affiliate → Affiliates', utm('awin', 'affiliate'), 'Affiliates'],
  ['medium audio → Audio', utm('spotify', 'audio'), 'Audio'],
  ['source sms → SMS', utm('sms', 'text'), 'SMS'],
  ['medium sms → SMS', utm('gateway', 'sms'), 'SMS'],
  ['medium web-push → Mobile Push Notifications', utm('onesignal', 'web-push'), 'Mobile Push Notifications'],
  ['medium mobile → Mobile Push Notifications', utm('app', 'mobile'), 'Mobile Push Notifications'],
  ['source firebase → Mobile Push Notifications', utm('firebase', 'inapp'), 'Mobile Push Notifications'],
  ['nothing matches → Unassigned', utm('partner', 'whatever'), 'Unassigned'],
  ['source without medium → Unassigned (medium (not set))', utm('partner'), 'Unassigned'],
  ['case-insensitive: Google / CPC → Paid Search', utm('Google', 'CPC'), 'Paid Search'],
];

describe('default channel rules (golden)', () => {
  const classify = createClassifier();
  it.each(GOLDEN)('%s', (_d, touch, channel) => {
    expect(classify(touch).channel).toBe(channel);
  });

  it('every default rule is hit by at least one golden case', () => {
    const hit = new Set(GOLDEN.map(([, t]) => classify(t).rule));
    const missing = DEFAULT_CHANNEL_RULES.map((_, i) => `default[${i}]`).filter((r) => !hit.has(r));
    expect(missing).toEqual([]);
    expect(hit.has('fallback')).toBe(true);
  });

  it('every rule channel is a known channel name', () => {
    for (const r of DEFAULT_CHANNEL_RULES) expect(CHANNELS).toContain(r.channel);
  });

  it('memoised answers equal fresh answers', () => {
    const again = createClassifier();
    for (const [, t] of GOLDEN) expect(again(t)).toEqual(classify(t));
    for (const [, t] of GOLDEN) expect(again(t)).toEqual(classify(t));
  });
});

describe('touchFields', () => {
  it('derives source/medium from the referrer like GA4', () => {
    expect(touchFields(session({ referrer: 'https://www.google.de/search?q=x' }))).toMatchObject({ source: 'google.de', medium: 'organic' });
    expect(touchFields(session({ referrer: 'https://blog.example.org/' }))).toMatchObject({ source: 'blog.example.org', medium: 'referral' });
    expect(touchFields(session({}))).toMatchObject({ source: '(direct)', medium: '(none)' });
  });
  it('keeps the utm campaign when gclid overrides source/medium', () => {
    expect(touchFields(session({ clickIds: { gclid: '1' }, utm: { source: 'x', medium: 'y', campaign: 'Brand' } }))).toMatchObject({ source: 'google', medium: 'cpc', campaign: 'brand' });
  });
  it('uses the QR campaign as campaign', () => {
    // A scan recorded before its event carried the campaign UTM: the redirect's defaults (slug of the name).
    expect(touchFields({ ts: 0, kind: 'qr', messageId: 'q', qr: { code: 'A', campaignId: 'c9', campaignName: 'Spring Flyer', personalised: false } })).toMatchObject({ source: 'qr', medium: 'print', campaign: 'spring-flyer' });
    // The campaign's own UTM, as the redirect added it to the landing URL.
    expect(touchFields({ ts: 0, kind: 'qr', messageId: 'q', utm: { source: 'qr', medium: 'flyer', campaign: 'nov-25' }, qr: { code: 'A', campaignId: 'c9', campaignName: 'Spring Flyer', personalised: false } })).toMatchObject({ source: 'qr', medium: 'flyer', campaign: 'nov-25' });
  });
  it('hostOf handles ports, credentials and junk', () => {
    expect(hostOf('https://user:pw@Example.COM:8080/x')).toBe('example.com');
    expect(hostOf('android-app://com.google.android.gm/')).toBe('com.google.android.gm');
    expect(hostOf('not a url')).toBe('');
    expect(hostOf(undefined)).toBe('');
  });
});

describe('source lists', () => {
  it.each([
    ['www.google.co.uk', 'search', true],
    ['news.google.com', 'search', true],
    ['duckduckgo.com', 'search', true],
    ['t.co', 'social', true],
    ['lnkd.in', 'social', true],
    ['m.youtube.com', 'video', true],
    ['amazon.de', 'shopping', true],
    ['example.com', 'search', false],
    ['googleexample.com', 'search', false],
  ] as const)('%s in %s → %s', (s, cat, yes) => {
    expect(inSourceCategory(s, cat)).toBe(yes);
  });
  it('sourceKeys strips www and finds the registrable name', () => {
    expect(sourceKeys('www.google.co.uk')).toEqual(['www.google.co.uk', 'google.co.uk', 'google']);
  });
});

describe('custom rules', () => {
  it('are evaluated before the defaults', () => {
    const rules = parseChannelRules([
      { channel: 'Partners', when: { source: ['partner-a', 'partner-b'] } },
      { channel: 'Brand Search', when: { source: { category: 'search' }, medium: 'cpc', campaign: { startsWith: 'brand' } } },
      { channel: 'Berlin Store', when: { kind: 'offline', location: 'berlin' } },
      { channel: 'Not Google', when: { not: { source: 'google' }, medium: 'cpc' } },
    ]);
    const c = createClassifier(rules);
    expect(c(utm('partner-a', 'cpc')).channel).toBe('Partners');
    expect(c(utm('google', 'cpc', 'Brand-DE')).channel).toBe('Brand Search');
    expect(c(utm('google', 'cpc', 'generic')).channel).toBe('Paid Search');
    expect(c(utm('bing', 'cpc')).channel).toBe('Not Google');
    expect(c({ ts: 0, kind: 'offline', messageId: 'o', offline: { type: 'store_visit', location: 'Berlin' } })).toMatchObject({ channel: 'Berlin Store', rule: 'custom[2]' });
    expect(c({ ts: 0, kind: 'offline', messageId: 'o', offline: { type: 'store_visit', location: 'Hamburg' } }).channel).toBe('Store');
  });
  it('can match click IDs', () => {
    const c = createClassifier(parseChannelRules([{ channel: 'Meta Ads', when: { clickIds: 'fbclid', medium: { regex: '^(cpc|paid)$' } } }]));
    expect(c(session({ clickIds: { fbclid: '1' }, utm: { source: 'facebook', medium: 'paid' } })).channel).toBe('Meta Ads');
    expect(c(session({ clickIds: { fbclid: '1' } })).channel).toBe('Organic Social');
  });
  it.each([
    [{}, 'must be a JSON array'],
    [[{ when: { source: 'x' } }], 'rules[0].channel'],
    [[{ channel: 'X', when: { sauce: 'x' } }], 'unknown field "sauce"'],
    [[{ channel: 'X', when: { source: { regex: '(' } } }], 'not a valid regular expression'],
    [[{ channel: 'X', when: { source: { like: 'x' } } }], 'unknown operator "like"'],
    [[{ channel: 'X', when: { source: { category: 'news' } } }], 'category must be'],
    [[{ channel: 'X', when: {} }], 'is empty'],
    [[{ channel: 'X', when: { any: [] } }], 'non-empty list'],
    [[{ channel: 'X', when: { source: [1] } }], 'strings only'],
  ])('rejects invalid rules %#', (json, msg) => {
    expect(() => parseChannelRules(json)).toThrow(RuleError);
    expect(() => parseChannelRules(json)).toThrow(msg);
  });
});

describe('regex rules on hostile values (sent by anyone with the write key)', () => {
  it('read line breaks as spaces: a medium with a line break is still "cpc"', () => {
    const c = createClassifier();
    expect(c(utm('google', 'cpc\nx')).channel).toBe('Paid Search');
    expect(c(utm('newsletter', 'x\r\nshopping', 'spring')).channel).toBe(c(utm('newsletter', 'x shopping', 'spring')).channel);
  });

  it('read at most REGEX_INPUT_MAX characters', () => {
    expect(regexInput('a'.repeat(REGEX_INPUT_MAX + 50))).toHaveLength(REGEX_INPUT_MAX);
    expect(regexInput('a\u2028b\u2029c')).toBe('a b c');
  });

  it('classify 300 000-character values with line breaks in linear time (they took minutes)', () => {
    // Every default regex rule sees these: a test timeout is what catches a regression.
    const c = createClassifier();
    const long = (unit: string) => `${unit.repeat(300_000 / unit.length)}\nx`;
    expect(c(utm('someblog', long('cp'), long(' shop'))).channel).toBe('Paid Shopping');
    expect(c(utm('someblog', long('video'))).channel).toBe('Organic Video');
    expect(c(utm(long('cp'), long('paid'), long('shopping'))).channel).toBe('Paid Shopping');
  });
});
