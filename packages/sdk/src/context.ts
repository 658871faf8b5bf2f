import type { CampaignContext } from '@omnitrail/schema';

/**
 * UTM parameters (→ Segment's `context.campaign` keys, `utm_campaign` as `name`) and the
 * advertising click IDs kept from the landing URL (gclid, gbraid, wbraid, fbclid, msclkid, ttclid,
 * li_fat_id, twclid): one pattern, so the query string is walked once.
 */
const PARAM = /^(?:utm_(source|medium|campaign|term|content)|gclid|gbraid|wbraid|fbclid|msclkid|ttclid|li_fat_id|twclid)$/;

/** Campaign and click IDs of a query string, and a key that changes when either does ('' when both are empty). */
export function campaignOf(search: string): [campaign: CampaignContext, clickIds: Record<string, string>, key: string] {
  const c: Record<string, string> = {};
  const ids: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(search)) {
    const m = v && PARAM.exec(k);
    // `??=`: the first value of a repeated parameter wins, as with URLSearchParams.get().
    if (m) (m[1] ? c : ids)[m[1] == 'campaign' ? 'name' : m[1] || k] ??= v;
  }
  const key = JSON.stringify([c, ids]);
  return [c, ids, key != '[{},{}]' ? key : ''];
}
