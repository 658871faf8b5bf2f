import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../store/core';
import { tempStores } from '../test-utils/temp-store';

const { tmpPath, openStore } = tempStores('ot-replay-');
const T = Date.UTC(2026, 2, 1, 10);

function ev(siteId: string, messageId: string, p: Partial<StoredEvent> = {}): StoredEvent {
  return {
    siteId, messageId, type: 'track', event: 'Product Viewed', anonymousId: 'anon-R', userId: 'user-R',
    timestamp: T, originalTimestamp: null, receivedAt: T, sentAt: null, consent: 'granted', bot: false, ua: null,
    country: null, context: {}, properties: {}, traits: {}, ...p,
  };
}

describe('a replay of erased events', () => {
  it('is a duplicate (messageId stays a permanent key), across restarts and a rebuilt filter; new events are not', async () => {
    const path = tmpPath();
    let store = openStore(path);
    const { site } = await store.createSite({ name: 'Shop', origins: ['*'] });
    const batch = () => [ev(site.id, 'r1'), ev(site.id, 'r2', { type: 'identify', traits: { email_sha256: 'a'.repeat(64) } }), ev(site.id, 'r3')];
    expect(await store.appendEvents(batch())).toEqual(['inserted', 'inserted', 'inserted']);
    expect((await store.erasePerson(site.id, { kind: 'user', value: 'user-R' })).events).toBe(3);

    const replayed = async () => {
      expect(await store.appendEvents(batch())).toEqual(['duplicate', 'duplicate', 'duplicate']);
      expect(await store.countEvents(site.id)).toBe(0);
      expect(await store.personOf(site.id, { kind: 'user', value: 'user-R' })).toBeNull();
    };
    await replayed();
    // Not a suppression: a new event of the same person is stored.
    expect(await store.appendEvents([ev(site.id, 'r4')])).toEqual(['inserted']);
    expect((await store.erasePerson(site.id, { kind: 'user', value: 'user-R' })).events).toBe(1);

    // Restart: the filter comes from the snapshot written at close.
    await store.close();
    store = openStore(path);
    await replayed();
    // Crash-like restart: no snapshot, the filter is rebuilt from the log, which no longer holds the events.
    await store.close();
    store = openStore(path);
    store.db.prepare('DELETE FROM dedup_filter').run();
    await replayed();
    expect(store.db.prepare("SELECT count(*) FROM erased_messages WHERE mid_sha256 LIKE 'r%'").pluck().get()).toBe(0); // hashed, not raw
  });

  it('retention drops tombstones of events older than its cutoff', async () => {
    const store = openStore(tmpPath());
    const { site } = await store.createSite({ name: 'Shop', origins: ['*'] });
    await store.appendEvents([ev(site.id, 'old', { timestamp: T - 800 * 86_400_000 }), ev(site.id, 'new')]);
    await store.erasePerson(site.id, { kind: 'user', value: 'user-R' });
    expect(store.db.prepare('SELECT count(*) FROM erased_messages').pluck().get()).toBe(2);
    await store.runRetention(site.id, { now: T, retentionDays: 400 });
    expect(store.db.prepare('SELECT count(*) FROM erased_messages').pluck().get()).toBe(1);
  });
});
