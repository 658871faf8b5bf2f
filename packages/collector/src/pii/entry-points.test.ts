import { describe, expect } from 'vitest';
import { normaliseRecipients } from '../qr/recipients';
import { eachTransport } from '../test-utils/harness';
import { hashPii } from './index';

const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
const T = Date.UTC(2026, 2, 1, 10);

// The same person typed three ways, entering through the three doors of product.md:
// SDK identify traits, a server order, and a QR mailing recipient list.
describe('PII hashing is identical wherever it enters', () => {
  eachTransport('identify traits, orders and recipient lists yield the same hashes and one person', async (fx) => {
    const email = await hashPii('email', 'jane.doe@shop.de');
    const phone = await hashPii('phone', '+49301234567');

    // 1. SDK identify (traits hashed at ingest)
    const identify = {
      type: 'identify', messageId: 'id-1', anonymousId: 'anon-jane', timestamp: new Date(T).toISOString(),
      traits: { email: '  Jane.Doe@SHOP.de ', phone: '+49 30 1234567', name: 'Jane' },
    };
    const r1 = await fx.post('/v1/identify', identify, { headers: { origin: 'https://shop.example', 'user-agent': UA } });
    expect(r1.status).toBe(200);
    const stored = fx.store.db.prepare("SELECT traits FROM events WHERE message_id = 'id-1'").pluck().get() as string;
    expect(JSON.parse(stored)).toEqual({ email_sha256: email, phone_sha256: phone, name: 'Jane' });

    // 2. A store order typed by staff, national phone format
    const r2 = await fx.post(
      '/v1/orders?defaultCountry=DE',
      { order_id: 'POS-1', channel: 'store', revenue: 20, timestamp: new Date(T + 3600_000).toISOString(), email: 'JANE.DOE@shop.de', phone: '030/123 45 67' },
      { auth: 'secret' },
    );
    expect(await r2.json()).toMatchObject({ accepted: 1, rejected: [], warnings: [] });
    const order = await fx.store.getOrder(fx.site.id, 'POS-1');
    expect(order!.identifiers).toEqual(expect.arrayContaining([{ kind: 'email', value: email }, { kind: 'phone', value: phone }]));

    // 3. A mailing list for personalised QR codes
    const { recipients } = await normaliseRecipients([{ ref: 'R-1', email: 'jane.doe@shop.de ', phone: '0049 30 1234567' }], { defaultCountry: 'DE' });
    expect(recipients[0]).toMatchObject({ ref: 'R-1', emailSha256: email, phoneSha256: phone });
    const campaign = await fx.store.createQrCampaign(fx.site.id, {
      name: 'Spring letter', targetUrl: 'https://shop.example/spring', utm: { utm_source: 'letter', utm_medium: 'print' }, baseUrl: 'https://c.example',
    });
    const { codes } = await fx.store.createPersonalQrCodes(fx.site.id, campaign.id, recipients);

    // the browser, the store order and the letter's recipient are one person
    const viaAnon = await fx.store.personOf(fx.site.id, { kind: 'anon', value: 'anon-jane' });
    const viaOrder = await fx.store.personOf(fx.site.id, { kind: 'order', value: 'POS-1' });
    const viaRecipient = await fx.store.personOf(fx.site.id, { kind: 'recipient', value: `${campaign.id}/R-1` });
    expect(viaAnon?.personId).toBeTruthy();
    expect(viaOrder?.personId).toBe(viaAnon?.personId);
    expect(viaRecipient?.personId).toBe(viaAnon?.personId);

    // an order quoting the letter's personalised code joins the recipient; an unknown code is refused
    const r3 = await fx.post(
      '/v1/orders',
      { orders: [{ order_id: 'POS-2', revenue: 5, timestamp: new Date(T + 7200_000).toISOString(), qrCode: codes[0].code.toLowerCase() }, { order_id: 'POS-3', revenue: 5, qrCode: 'ZZZZZZZZ' }] },
      { auth: 'secret' },
    );
    expect(await r3.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1, order_id: 'POS-3', reason: expect.stringMatching(/QR code/) }] });
    expect((await fx.store.personOf(fx.site.id, { kind: 'order', value: 'POS-2' }))?.personId).toBe(viaAnon?.personId);
  });
});
