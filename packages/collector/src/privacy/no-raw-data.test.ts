import { describe, expect } from 'vitest';
import { eachTransport } from '../test-utils/harness';

const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

describe('what is never stored', () => {
  eachTransport('no raw IP, no raw user agent, no raw e-mail or phone — in any table or column', async (fx) => {
    const res = await fx.post(
      '/v1/batch',
      {
        batch: [
          { type: 'identify', messageId: 'm1', anonymousId: 'a-1', userId: 'C-1', traits: { email: 'Jane.Doe@Example.com', phone: '+49 30 9876543', name: 'Jane' }, context: { ip: '198.51.100.23', userAgent: UA } },
          { type: 'track', messageId: 'm2', anonymousId: 'a-1', event: 'Signed Up', context: { ip: '198.51.100.23', userAgent: UA } },
        ],
      },
      { headers: { 'x-forwarded-for': '198.51.100.23', 'user-agent': UA, origin: 'https://shop.example' } },
    );
    expect((await res.json()).accepted).toBe(2);
    const tables = fx.store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
    const dump = tables.map((t) => JSON.stringify(fx.store.db.prepare(`SELECT * FROM "${t}"`).all())).join('\n');
    expect(dump).not.toContain('198.51.100.23');
    expect(dump).not.toContain('127.0.0.1');
    expect(dump).not.toContain('Intel Mac OS X 14_5');
    expect(dump.toLowerCase()).not.toContain('jane.doe@example.com');
    expect(dump).not.toContain('9876543');
    // The classes survive for reports.
    const row = fx.store.db.prepare("SELECT ua_browser, ua_os, ua_device FROM events WHERE message_id = 'm2'").get() as Record<string, string>;
    expect(row).toMatchObject({ ua_browser: 'Safari', ua_device: 'desktop' });
  });

  eachTransport('a batch-level denied consent survives an event that has its own context.omnitrail: stored denied, never stitched', async (fx) => {
    const res = await fx.post('/v1/batch', {
      context: { omnitrail: { consent: 'denied' } },
      batch: [{ type: 'identify', messageId: 'bc1', anonymousId: 'anon-bc', userId: 'user-bc', traits: { email: 'bc@example.org' }, context: { omnitrail: { sessionStart: true } } }],
    });
    expect((await res.json()).accepted).toBe(1);
    expect(fx.store.db.prepare("SELECT consent FROM events WHERE message_id = 'bc1'").pluck().get()).toBe('denied');
    expect(await fx.store.personOf(fx.site.id, { kind: 'user', value: 'user-bc' })).toBeNull();
  });
});
