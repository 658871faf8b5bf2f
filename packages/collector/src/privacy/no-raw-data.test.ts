import { describe, expect } from 'vitest';
import { hashPii } from '../pii/index';
import { pseudonymousId } from '../pii/scrub';
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

  eachTransport('e-mail and phone under any key, at any depth, in URLs and as IDs never reach storage raw; stitching still works', async (fx) => {
    const c = { omnitrail: { consent: 'granted' } };
    const res = await fx.post('/v1/batch', {
      context: { device: { ownerEmail: 'leak0.batch@example.org' } },
      batch: [
        { type: 'identify', messageId: 'l1', anonymousId: 'anon-leak-1', userId: 'Leak1.UserId@example.org', traits: { email: 'leak1b.std@example.org', Email: 'leak2.cap@example.org', email_address: 'leak3.addr@example.org', phone_number: '+49 151 11112222', mobile: '+4915133334444', address: { email: 'leak4.nested@example.org' } }, context: { ...c, page: { url: 'https://shop.example/confirm?email=leak5.url%40example.org&phone=%2B4915155556666', referrer: 'https://mail.example/?to=leak6.ref@example.org' } } },
        { type: 'track', event: 'Order Completed', messageId: 'l2', anonymousId: 'anon-leak-1', properties: { order_id: 'W-LEAK-1', revenue: 10, customer: { email: 'leak7.prop@example.org' }, billing_email: 'leak8.bill@example.org' }, context: c },
        { type: 'track', event: 'Signed Up', messageId: 'l3', anonymousId: 'anon-leak-1', properties: { email: 'leak9.propemail@example.org' }, context: { ...c, traits: { email: 'leak10.ctx@example.org', Mobile_Phone: '+49 151 77778888' } } },
        { type: 'alias', messageId: 'l4', previousId: 'leak11.alias@example.org', userId: 'leak1.userid@example.org', context: c },
        { type: 'group', messageId: 'l5', anonymousId: 'anon-leak-1', groupId: 'leak12.group@example.org', traits: { email: 'leak13.grp@example.org' }, context: c },
        { type: 'track', event: 'Viewed', messageId: 'l6', userId: 'LEAK1.USERID@EXAMPLE.ORG', anonymousId: 'anon-leak-2', context: c },
      ],
    });
    expect(await res.json()).toMatchObject({ accepted: 6, rejected: [] });
    const tables = fx.store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
    const dump = tables.map((t) => JSON.stringify(fx.store.db.prepare(`SELECT * FROM "${t}"`).all())).join('\n').toLowerCase();
    expect(dump).not.toMatch(/leak\d+/);
    for (const digits of ['11112222', '33334444', '55556666', '77778888']) expect(dump).not.toContain(digits);
    const ctx = JSON.parse(fx.store.db.prepare("SELECT context FROM events WHERE message_id = 'l1'").pluck().get() as string);
    expect(ctx.page).toEqual({ url: 'https://shop.example/confirm?email=redacted&phone=redacted', referrer: 'https://mail.example/?to=redacted' });
    expect(ctx.device).toEqual({ ownerEmail_sha256: await hashPii('email', 'leak0.batch@example.org') });

    // The standard traits still drive the identity graph, and an e-mail userId is one pseudonymous ID
    // whatever its letter case: both browsers are one person, found by that userId and by the e-mail.
    const byUser = await fx.store.personOf(fx.site.id, { kind: 'user', value: await pseudonymousId('leak1.userid@example.org') });
    expect(byUser?.personId).toBeTruthy();
    expect((await fx.store.personOf(fx.site.id, { kind: 'anon', value: 'anon-leak-2' }))?.personId).toBe(byUser?.personId);
    expect((await fx.store.personOf(fx.site.id, { kind: 'email', value: (await hashPii('email', 'leak1b.std@example.org'))! }))?.personId).toBe(byUser?.personId);
    const profile = await fx.get(`/v1/profiles?userId=${encodeURIComponent('Leak1.UserId@example.org')}`);
    expect(profile.status).toBe(200);
  });

  eachTransport('orders and touchpoints: e-mail IDs, externalIds, coupon, location, note, staff and extra properties never hold a raw address', async (fx) => {
    const order = await fx.post('/v1/orders', { order_id: 'O-LEAK-2', revenue: 5, userId: 'Leak1.UserId@example.org', email: 'leak14.order@example.org', externalIds: { crm: 'leak16.ext@example.org', erp: 'E-1' }, coupon: 'leak17.coupon@example.org', location: 'desk of leak18.loc@example.org' }, { auth: 'secret' });
    expect(await order.json()).toMatchObject({ accepted: 1, rejected: [] });
    const tp = await fx.post('/v1/touchpoints', { type: 'phone_call', phone: '+49 30 5551234', note: 'call back leak19.note@example.org', staff: 'leak20.staff@example.org', properties: { caller: { Email: 'leak21.extra@example.org' } } }, { auth: 'secret' });
    expect(tp.status).toBe(200);
    const tables = fx.store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
    const dump = tables.map((t) => JSON.stringify(fx.store.db.prepare(`SELECT * FROM "${t}"`).all())).join('\n').toLowerCase();
    expect(dump).not.toMatch(/leak\d+/);
    expect(dump).not.toContain('5551234');
    // An e-mail userId on an order is the same pseudonymous ID as on an event, so they stitch.
    const o = await fx.store.getOrder(fx.site.id, 'O-LEAK-2');
    expect(o!.identifiers).toEqual(expect.arrayContaining([
      { kind: 'user', value: await pseudonymousId('leak1.userid@example.org') },
      { kind: 'ext:crm', value: await pseudonymousId('leak16.ext@example.org') },
      { kind: 'ext:erp', value: 'E-1' },
    ]));
  });

  eachTransport('a JSON-escaped @ (\\u0040) in the body is found too: the body-text pre-check cannot be sidestepped by escaping', async (fx) => {
    const body = '{"batch":[{"type":"track","event":"E","messageId":"esc1","anonymousId":"a-esc","properties":{"ref":"leak30.esc\\u0040example.org"}}]}';
    const res = await fx.fetch('/v1/batch', { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: fx.writeAuth } });
    expect((await res.json()).accepted).toBe(1);
    const props = fx.store.db.prepare("SELECT properties FROM events WHERE message_id = 'esc1'").pluck().get() as string;
    expect(JSON.parse(props)).toEqual({ ref: await pseudonymousId('leak30.esc@example.org') });
  });
});
