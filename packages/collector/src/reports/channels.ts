/**
 * `channels` report: the channel rule table in force for the site — its custom rules first,
 * then the versioned defaults — so anyone can see why a touch got its channel (`explain`
 * names the matching rule as `custom[i]` / `default[i]`).
 */
import { CHANNEL_RULES_VERSION, DEFAULT_CHANNEL_RULES } from '../attribution/channels';
import type { ChannelRule } from '../attribution/rules';
import type { ReportParams } from './params';
import type { ReportSite, ReportSource } from './source';

export interface ChannelsReport {
  report: 'channels';
  siteId: string;
  version: string;
  /** In evaluation order; `id` is what `explain` shows as the matching rule. */
  rules: ({ id: string } & ChannelRule)[];
}

/**
 * The rule table of a site (reads no events).
 *
 * @example
 * (await channelsReport(store, site, params)).rules[0] // { id: 'custom[0]', channel: 'Partners', when: { … } }
 */
export async function channelsReport(_src: ReportSource, site: ReportSite, _p: ReportParams): Promise<ChannelsReport> {
  return {
    report: 'channels',
    siteId: site.id,
    version: CHANNEL_RULES_VERSION,
    rules: [
      ...site.rules.map((r, i) => ({ id: `custom[${i}]`, ...r })),
      ...DEFAULT_CHANNEL_RULES.map((r, i) => ({ id: `default[${i}]`, ...r })),
    ],
  };
}
