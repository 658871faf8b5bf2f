import type { CampaignContext } from '@omnitrail/schema';

/** Advertising click IDs kept from the landing URL. */
export const CLICK_IDS = ['gclid', 'gbraid', 'wbraid', 'fbclid', 'msclkid', 'ttclid', 'li_fat_id', 'twclid'];

/** UTM parameters → Segment's `context.campaign` keys (`utm_campaign` is `name`). */
const UTM = ['source', 'medium', 'campaign', 'term', 'content'];

/** Campaign and click IDs of a query string, and a key that changes when either does. */
export function campaignOf(search: string): [campaign: CampaignContext | undefined, clickIds: Record<string, string> | undefined, key: string] {
  const p = new URLSearchParams(search);
  const c: Record<string, string> = {};
  const ids: Record<string, string> = {};
  for (const k of UTM) {
    const v = p.get('utm_' + k);
    if (v) c[k == 'campaign' ? 'name' : k] = v;
  }
  for (const k of CLICK_IDS) {
    const v = p.get(k);
    if (v) ids[k] = v;
  }
  const key = JSON.stringify([c, ids]);
  return key != '[{},{}]' ? [c, ids, key] : [undefined, undefined, ''];
}

/**
 * Reads the QR scan token (`ot_scan`) from the URL and strips it from the visible URL with
 * `history.replaceState`, so it is neither bookmarked nor shared, nor sent twice.
 */
export function takeScanToken(): string | undefined {
  const u = new URL(location.href);
  const t = u.searchParams.get('ot_scan');
  if (t) {
    u.searchParams.delete('ot_scan');
    history.replaceState(history.state, '', u.href);
    return t;
  }
}
