import { expect } from 'vitest';
import { eachTransport } from '../test-utils/harness';

const DAY = 86_400_000;

eachTransport("ingest rejects events older than the site's retention instead of acknowledging what the purge deletes", async (fx) => {
  await fx.store.updateSiteSettings(fx.site.id, { ...fx.site.settings, retentionDays: 30 });
  const at = (days: number) => new Date(Date.now() - days * DAY).toISOString();
  const res = await fx.post('/v1/import', {
    batch: [
      { type: 'track', event: 'Old', anonymousId: 'a', messageId: 'old', timestamp: at(40) },
      { type: 'track', event: 'Recent', anonymousId: 'a', messageId: 'recent', timestamp: at(20) },
    ],
  });
  expect(await res.json()).toEqual({
    accepted: 1,
    duplicates: 0,
    rejected: [{ index: 0, messageId: 'old', reason: `timestamp is older than the site's retention (30 days): it would be deleted at once; raise it with "omnitrail retention set --days"` }],
  });
  // What the purge keeps is exactly what ingest acknowledged.
  await fx.store.runRetention(fx.site.id);
  expect(await fx.store.countEvents(fx.site.id)).toBe(1);
});
