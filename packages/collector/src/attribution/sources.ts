/**
 * Source lists used by the default channel rules, kept as data (GA4 calls them
 * `SOURCE_CATEGORY_SEARCH`, `_SOCIAL`, `_VIDEO`, `_SHOPPING`). Entries are either a
 * registrable name without TLD (`google` matches google.com, google.de, google.co.uk)
 * or a full host (`t.co`, `lnkd.in`) for short domains where the name alone is ambiguous.
 *
 * A representative subset of Google's published list; sites add more through custom rules.
 */
export type SourceCategory = 'search' | 'social' | 'video' | 'shopping';

export const SOURCE_LISTS: Readonly<Record<SourceCategory, readonly string[]>> = {
  search: [
    'google', 'bing', 'yahoo', 'duckduckgo', 'ecosia', 'baidu', 'yandex', 'qwant', 'startpage',
    'naver', 'seznam', 'ask', 'aol', 'brave', 'search.brave.com', 'so.com', 'sogou', 'daum',
    'msn', 'onet', 'web.de', 'gmx', 't-online', 'metager', 'mojeek', 'kagi', 'perplexity',
    'search.yahoo.com', 'www.google', 'googleadservices', 'doubleclick', 'yahoo.co.jp', 'coccoc',
  ],
  social: [
    'facebook', 'fb', 'm.facebook.com', 'l.facebook.com', 'lm.facebook.com', 'instagram', 'ig',
    'l.instagram.com', 'twitter', 't.co', 'x', 'x.com', 'linkedin', 'lnkd.in', 'pinterest',
    'pin.it', 'reddit', 'tiktok', 'snapchat', 'xing', 'tumblr', 'quora', 'mastodon', 'threads',
    'threads.net', 'bsky', 'bsky.app', 'vk', 'weibo', 'whatsapp', 'wa.me', 'telegram', 't.me',
    'discord', 'messenger', 'line', 'meta', 'nextdoor', 'flickr', 'medium.com',
  ],
  video: [
    'youtube', 'youtu.be', 'm.youtube.com', 'vimeo', 'twitch', 'dailymotion', 'wistia',
    'netflix', 'disneyplus', 'hulu', 'primevideo', 'tv.apple.com', 'rumble',
  ],
  shopping: [
    'amazon', 'ebay', 'etsy', 'walmart', 'idealo', 'otto', 'zalando', 'aliexpress', 'alibaba',
    'shopping.google.com', 'google shopping', 'shopify', 'rakuten', 'mercadolibre', 'kaufland',
    'target', 'bestbuy', 'shopzilla', 'stripe', 'checkout.stripe.com', 'igshopping', 'billiger',
  ],
};

/** Second-level labels that sit under a country code (`co.uk`, `com.au`): the name is one label further left. */
const SLD = new Set(['co', 'com', 'org', 'net', 'ac', 'gov', 'ne', 'or', 'gv', 'edu']);

/**
 * Candidate keys a source is looked up by: the whole value, without `www.`/`m.`/`l.`, and
 * the registrable name (`news.google.co.uk` → `google`).
 *
 * @example
 * sourceKeys('www.google.co.uk') // ['www.google.co.uk', 'google.co.uk', 'google']
 */
export function sourceKeys(source: string): string[] {
  const s = source.trim().toLowerCase();
  const keys = [s];
  const bare = s.replace(/^(www|m|l|lm|mobile)\./, '');
  if (bare !== s) keys.push(bare);
  const labels = bare.split('.');
  if (labels.length >= 2) {
    let i = labels.length - 2;
    if (labels.length >= 3 && SLD.has(labels[i]) && labels[labels.length - 1].length === 2) i -= 1;
    keys.push(labels[i]);
  }
  return keys;
}

const SETS: Record<SourceCategory, Set<string>> = {
  search: new Set(SOURCE_LISTS.search),
  social: new Set(SOURCE_LISTS.social),
  video: new Set(SOURCE_LISTS.video),
  shopping: new Set(SOURCE_LISTS.shopping),
};

/**
 * True when `source` belongs to a GA4-style source category.
 *
 * @example
 * inSourceCategory('de.search.yahoo.com', 'search') // true
 * inSourceCategory('l.facebook.com', 'social') // true
 */
export function inSourceCategory(source: string | undefined, category: SourceCategory): boolean {
  if (!source) return false;
  const set = SETS[category];
  for (const k of sourceKeys(source)) if (set.has(k)) return true;
  return false;
}
