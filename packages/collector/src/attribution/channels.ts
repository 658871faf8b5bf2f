/**
 * Channel classification: an ordered, versioned rule table, first match wins.
 *
 * The web part follows Google's published GA4 default channel group
 * ("[GA4] Default channel group", support.google.com/analytics/answer/9756891, the
 * revision with Cross-network, Paid Other, Paid/Organic Shopping/Video, Audio, SMS and
 * Mobile Push Notifications, current since 2023/2024) — same rule order and the same
 * regular expressions. In front of it sit Omnitrail's offline channels (Print/QR, Direct
 * Mail, Store, Phone), and in front of everything the site's own custom rules. (Version 2
 * dropped the Handoff channel: issuing a handoff code is identity evidence, not a touch.)
 */
import { defaultUtm } from '../qr/url';
import type { Touch } from './journey';
import { compileCondition, type ChannelRule, type CompiledCondition, type TouchFields } from './rules';

/** Bump when a default rule changes: reports state which table produced them. */
export const CHANNEL_RULES_VERSION = 'omnitrail-2 (GA4 default channel group, 2024 revision)';

/**
 * The rule table a report used, as its header states it: custom rules sit in front of the
 * default table, so naming only the default version would hide why rows show custom channels.
 *
 * @example
 * channelRulesLabel(2, 'rules.json') // 'rules.json (2) + omnitrail-2 (GA4 default channel group, 2024 revision)'
 * channelRulesLabel(0)               // 'omnitrail-2 (GA4 default channel group, 2024 revision)'
 */
export function channelRulesLabel(customCount: number, source = 'site rules'): string {
  return customCount > 0 ? `${source} (${customCount}) + ${CHANNEL_RULES_VERSION}` : CHANNEL_RULES_VERSION;
}

/** Default channel names, in rule order. */
export const CHANNELS = [
  'Direct Mail', 'Print/QR', 'Phone', 'Store', 'Offline Other',
  'Direct', 'Cross-network', 'Paid Shopping', 'Paid Search', 'Paid Social', 'Paid Video', 'Display',
  'Paid Other', 'Organic Shopping', 'Organic Social', 'Organic Video', 'Organic Search', 'Referral',
  'Email', 'Affiliates', 'Audio', 'SMS', 'Mobile Push Notifications', 'Unassigned',
] as const;

// GA4's shared regular expressions (verbatim from the published definition).
const PAID = { regex: '^(.*cp.*|ppc|retargeting|paid.*)$' };
const SHOP_CAMPAIGN = { regex: '^(.*(([^a-df-z]|^)shop|shopping).*)$' };
const EMAIL = ['email', 'e-mail', 'e_mail', 'e mail'];

/**
 * The default table. Offline rules first (they look at the touch kind, which web traffic
 * never has), then GA4's rules in GA4's order.
 */
export const DEFAULT_CHANNEL_RULES: readonly ChannelRule[] = [
  { channel: 'Direct Mail', name: 'personalised QR code (mailing)', when: { kind: 'qr', personalised: 'true' } },
  { channel: 'Print/QR', name: 'campaign QR code', when: { kind: 'qr' } },
  { channel: 'Phone', name: 'phone call', when: { kind: 'offline', offlineType: 'phone_call' } },
  { channel: 'Store', name: 'store visit / consultation / appointment', when: { kind: 'offline', offlineType: ['store_visit', 'consultation', 'appointment'] } },
  { channel: 'Offline Other', name: 'custom offline touchpoint', when: { kind: 'offline' } },
  // Landing sessions tagged by our QR redirect or by hand for print and mail media.
  { channel: 'Direct Mail', name: 'utm_medium for mailings', when: { medium: ['direct_mail', 'direct-mail', 'mailing', 'letter', 'postcard'] } },
  { channel: 'Print/QR', name: 'utm_medium for print / QR', when: { medium: ['qr', 'qr_code', 'qrcode', 'print', 'flyer', 'poster', 'offline'] } },
  // GA4 default channel group, in order.
  { channel: 'Direct', when: { source: '(direct)', medium: ['(not set)', '(none)'] } },
  { channel: 'Cross-network', when: { campaign: { contains: 'cross-network' } } },
  { channel: 'Paid Shopping', when: { any: [{ source: { category: 'shopping' } }, { campaign: SHOP_CAMPAIGN }], medium: PAID } },
  { channel: 'Paid Search', when: { source: { category: 'search' }, medium: PAID } },
  { channel: 'Paid Social', when: { source: { category: 'social' }, medium: PAID } },
  { channel: 'Paid Video', when: { source: { category: 'video' }, medium: PAID } },
  { channel: 'Display', when: { medium: ['display', 'banner', 'expandable', 'interstitial', 'cpm'] } },
  { channel: 'Paid Other', when: { medium: PAID } },
  { channel: 'Organic Shopping', when: { any: [{ source: { category: 'shopping' } }, { campaign: SHOP_CAMPAIGN }] } },
  { channel: 'Organic Social', when: { any: [{ source: { category: 'social' } }, { medium: ['social', 'social-network', 'social-media', 'sm', 'social network', 'social media'] }] } },
  { channel: 'Organic Video', when: { any: [{ source: { category: 'video' } }, { medium: { regex: '^(.*video.*)$' } }] } },
  { channel: 'Organic Search', when: { any: [{ source: { category: 'search' } }, { medium: 'organic' }] } },
  { channel: 'Referral', when: { medium: ['referral', 'app', 'link'] } },
  { channel: 'Email', when: { any: [{ source: EMAIL }, { medium: EMAIL }] } },
  { channel: 'Affiliates', when: { medium: 'affiliate' } },
  { channel: 'Audio', when: { medium: 'audio' } },
  { channel: 'SMS', when: { any: [{ source: 'sms' }, { medium: 'sms' }] } },
  { channel: 'Mobile Push Notifications', when: { any: [{ medium: { endsWith: 'push' } }, { medium: { contains: 'mobile' } }, { medium: { contains: 'notification' } }, { source: 'firebase' }] } },
];

/**
 * Click IDs and the source/medium they imply. Google's auto-tagging IDs win over UTM
 * (GA4 default unless "manual tagging override" is on); the others only fill in when the
 * landing URL has no utm_source/utm_medium. fbclid is added by Facebook to organic links
 * too, so it means Facebook referral (→ Organic Social), not paid.
 */
const CLICK_IDS: Record<string, { source: string; medium: string; overridesUtm: boolean }> = {
  gclid: { source: 'google', medium: 'cpc', overridesUtm: true },
  gbraid: { source: 'google', medium: 'cpc', overridesUtm: true },
  wbraid: { source: 'google', medium: 'cpc', overridesUtm: true },
  dclid: { source: 'dv360', medium: 'cpm', overridesUtm: true },
  msclkid: { source: 'bing', medium: 'cpc', overridesUtm: false },
  fbclid: { source: 'facebook.com', medium: 'referral', overridesUtm: false },
  ttclid: { source: 'tiktok', medium: 'cpc', overridesUtm: false },
  li_fat_id: { source: 'linkedin', medium: 'cpc', overridesUtm: false },
  twclid: { source: 'twitter', medium: 'cpc', overridesUtm: false },
  epik: { source: 'pinterest', medium: 'cpc', overridesUtm: false },
  sccid: { source: 'snapchat', medium: 'cpc', overridesUtm: false },
};
const CLICK_ID_ORDER = Object.keys(CLICK_IDS);

/** Host of a URL without `new URL` (hot path: one call per touch). */
export function hostOf(url: string | undefined): string {
  if (!url) return '';
  const start = url.indexOf('//');
  if (start < 0) return '';
  let end = start + 2;
  while (end < url.length) {
    const ch = url.charCodeAt(end);
    // stop at / ? #
    if (ch === 47 || ch === 63 || ch === 35) break;
    end++;
  }
  let host = url.slice(start + 2, end);
  const at = host.lastIndexOf('@');
  if (at >= 0) host = host.slice(at + 1);
  const colon = host.indexOf(':');
  if (colon >= 0 && !host.startsWith('[')) host = host.slice(0, colon);
  return host.toLowerCase();
}

const lc = (s: string | undefined) => (s ? s.trim().toLowerCase() : '');

/**
 * Derive the fields rules look at (source, medium, campaign, …) from a touch, the way GA4
 * derives session source/medium: UTM, else click ID, else referrer (search engines →
 * organic), else `(direct) / (none)`. A referrer on the landing page's own host is a
 * self-referral and counts as direct.
 *
 * @example
 * touchFields({ ts: 0, kind: 'session', messageId: 'm', referrer: 'https://www.google.de/' })
 * // → { source: 'google.de', medium: 'organic', … }
 */
export function touchFields(t: Touch): TouchFields {
  const utm = t.utm ?? {};
  const ids = t.clickIds ? CLICK_ID_ORDER.filter((k) => t.clickIds![k]) : [];
  const referrerHost = hostOf(t.referrer).replace(/^www\./, '');
  const f: TouchFields = {
    kind: t.kind,
    source: lc(utm.source),
    medium: lc(utm.medium),
    campaign: lc(utm.campaign),
    term: lc(utm.term),
    content: lc(utm.content),
    referrerHost,
    clickIds: ids,
    qrCampaign: lc(t.qr?.campaignName ?? t.qr?.campaignId),
    personalised: t.qr ? String(t.qr.personalised) : '',
    offlineType: lc(t.offline?.type),
    location: lc(t.offline?.location),
  };
  if (t.kind === 'qr') {
    // The campaign's UTM as the redirect adds it to the landing URL (stored with the scan; for
    // scans recorded before, the defaults: qr / print / slug of the name), so the scan and its
    // landing session fall in one campaign and one source/medium row.
    if (!t.utm) {
      const d = defaultUtm(t.qr?.campaignName ?? t.qr?.campaignId ?? '', {});
      f.source = lc(d.utm_source);
      f.medium = lc(d.utm_medium);
      f.campaign = lc(d.utm_campaign);
    }
    if (!f.source) f.source = 'qr';
    if (!f.medium) f.medium = t.qr?.personalised ? 'direct_mail' : 'qr';
    if (!f.campaign) f.campaign = f.qrCampaign;
    return f;
  }
  if (t.kind === 'offline') {
    if (!f.source) f.source = f.location || 'offline';
    if (!f.medium) f.medium = f.offlineType || 'offline';
    return f;
  }
  if (t.kind === 'handoff') {
    if (!f.source) f.source = 'handoff';
    if (!f.medium) f.medium = 'handoff';
    return f;
  }
  if (t.kind === 'email' && !f.medium) f.medium = 'email';
  const google = ids.find((k) => CLICK_IDS[k].overridesUtm);
  if (google) {
    f.source = CLICK_IDS[google].source;
    f.medium = CLICK_IDS[google].medium;
  } else if (!f.source && !f.medium && ids.length > 0) {
    f.source = CLICK_IDS[ids[0]].source;
    f.medium = CLICK_IDS[ids[0]].medium;
  }
  if (!f.source && !f.medium) {
    const self = t.pageHost ? t.pageHost.toLowerCase().replace(/^www\./, '') : '';
    if (referrerHost && referrerHost !== self) {
      f.source = referrerHost;
      // GA4 records search-engine referrals as medium "organic".
      f.medium = compiledSearch(f) ? 'organic' : 'referral';
    } else {
      f.source = '(direct)';
      f.medium = '(none)';
    }
  } else if (!f.medium) {
    f.medium = '(not set)';
  } else if (!f.source) {
    f.source = '(not set)';
  }
  return f;
}

const compiledSearch = compileCondition({ source: { category: 'search' } });

/** A classification: the channel and the fields it was derived from. */
export interface Classified {
  channel: string;
  source: string;
  medium: string;
  campaign: string;
  /** Which rule matched: `custom[i]`, `default[i]` or `fallback`. */
  rule: string;
}

/** Classifies touches; memoised per distinct field combination (cheap at millions of touches). */
export type Classifier = (t: Touch) => Classified;

/**
 * Build a classifier from the site's custom rules (evaluated first) and the defaults.
 *
 * @example
 * const classify = createClassifier([{ channel: 'Partners', when: { source: 'partner-a' } }]);
 * classify({ ts: 0, kind: 'session', messageId: 'm', utm: { source: 'partner-a', medium: 'cpc' } }).channel // 'Partners'
 */
export function createClassifier(custom: readonly ChannelRule[] = []): Classifier {
  const compiled: { channel: string; test: CompiledCondition; rule: string }[] = [
    ...custom.map((r, i) => ({ channel: r.channel, test: compileCondition(r.when, `custom[${i}].when`), rule: `custom[${i}]` })),
    ...DEFAULT_CHANNEL_RULES.map((r, i) => ({ channel: r.channel, test: compileCondition(r.when), rule: `default[${i}]` })),
  ];
  const memo = new Map<string, Classified>();
  return (t) => {
    // Cheap key from the raw touch (only the fields its kind uses); touchFields and the
    // rules run once per distinct key.
    let key: string;
    if (t.kind === 'qr') key = t.qr ? 'q\u0001' + t.qr.campaignId + '\u0001' + t.qr.campaignName + '\u0001' + t.qr.personalised : 'q';
    else if (t.kind === 'offline') key = t.offline ? 'o\u0001' + t.offline.type + '\u0001' + t.offline.location : 'o';
    else {
      const u = t.utm;
      key = t.kind + '\u0001' + (u ? u.source + '\u0001' + u.medium + '\u0001' + u.campaign + '\u0001' + u.term + '\u0001' + u.content + '\u0001' + u.source_platform : '') + '\u0001' + (t.referrer ? hostOf(t.referrer) : '') + '\u0001' + (t.pageHost ?? '');
      if (t.clickIds) for (const k in t.clickIds) if (t.clickIds[k]) key += '\u0001' + k;
    }
    if (t.utm && (t.kind === 'qr' || t.kind === 'offline')) key += '\u0002' + t.utm.source + '\u0001' + t.utm.medium + '\u0001' + t.utm.campaign;
    let c = memo.get(key);
    if (c) return c;
    const f = touchFields(t);
    let channel = 'Unassigned';
    let rule = 'fallback';
    for (const r of compiled) {
      if (r.test(f)) {
        channel = r.channel;
        rule = r.rule;
        break;
      }
    }
    c = { channel, source: f.source, medium: f.medium, campaign: f.campaign, rule };
    if (memo.size < 100_000) memo.set(key, c);
    return c;
  };
}
