import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../store/core';
import { prng } from '../demo/random';
import { seededScanToken } from '../qr/token';
import { eventIdentity, mayStitch, offlineIdentifiers } from './derive';

const H = 'ab'.repeat(32);
/** A real scan token (as /q/<code> mints) valid for an hour after the test events (ts 1000). */
const TOK = seededScanToken(prng(1), 1000 + 3_600_000);
function ev(p: Partial<StoredEvent>): StoredEvent {
  return {
    siteId: 's', messageId: 'm1', type: 'track', event: 'Clicked', anonymousId: 'a1', userId: null, timestamp: 1000,
    originalTimestamp: null, receivedAt: 1000, sentAt: null, consent: 'granted', bot: false, ua: null, country: null,
    context: {}, properties: {}, traits: {}, ...p,
  };
}

describe('eventIdentity', () => {
  it.each<[string, Partial<StoredEvent>, { register: string[]; sets: string[]; touch: string | null }]>([
    ['SDK page view within a session: registered, no link, no touch', { type: 'page', event: null, context: { omnitrail: { v: 1, sessionId: 's1' } } }, { register: ['anon:a1'], sets: [], touch: null }],
    ['page view without the SDK session marker: a session candidate', { type: 'page', event: null }, { register: ['anon:a1'], sets: [], touch: 'session@anon:a1' }],
    ['track event without the marker: no touch', { type: 'track', event: 'Clicked' }, { register: ['anon:a1'], sets: [], touch: null }],
    ['session start is a touch on the browser', { type: 'page', event: null, context: { omnitrail: { sessionStart: true } } }, { register: ['anon:a1'], sets: [], touch: 'session@anon:a1' }],
    ['anon + user on any event', { userId: 'C1' }, { register: ['anon:a1', 'user:C1'], sets: ['anon-user:user:C1,anon:a1'], touch: null }],
    ['identify with hashed traits and loyalty card', { type: 'identify', event: null, userId: 'C1', traits: { email_sha256: H, loyalty_id: 'l-9', name: 'x' } }, { register: ['anon:a1', 'user:C1'], sets: [`identify:user:C1,anon:a1,email:${H},loyalty:L-9`], touch: null }],
    ['identify with a placeholder user id links nothing', { type: 'identify', event: null, userId: 'anonymous' }, { register: ['anon:a1'], sets: [], touch: null }],
    ['alias: previousId is the earlier anonymous id', { type: 'alias', event: null, anonymousId: null, userId: 'C1', properties: { previousId: 'a0' } }, { register: ['user:C1'], sets: ['alias:user:C1,anon:a0'], touch: null }],
    ['scan token echoed by the SDK', { type: 'page', event: null, context: { omnitrail: { scanToken: TOK, sessionStart: true } } }, { register: ['anon:a1'], sets: [`scan-token:anon:a1,scan:${TOK}`], touch: 'session@anon:a1' }],
    ['scan token echoed at its expiry still links', { type: 'page', event: null, timestamp: 1000 + 3_600_000, context: { omnitrail: { sessionId: 's1', scanToken: TOK } } }, { register: ['anon:a1'], sets: [`scan-token:anon:a1,scan:${TOK}`], touch: null }],
    ['expired scan token (a forwarded landing URL) links nothing', { type: 'page', event: null, timestamp: 1000 + 3_601_000, context: { omnitrail: { scanToken: TOK, sessionStart: true } } }, { register: ['anon:a1'], sets: [], touch: 'session@anon:a1' }],
    ['forged scan token links nothing', { type: 'page', event: null, context: { omnitrail: { scanToken: 'tok1', sessionStart: true } } }, { register: ['anon:a1'], sets: [], touch: 'session@anon:a1' }],
    ['scan token with a forged far expiry but a foreign alphabet links nothing', { type: 'page', event: null, context: { omnitrail: { sessionId: 's1', scanToken: `${'O'.repeat(16)}.zzzzzz` } } }, { register: ['anon:a1'], sets: [], touch: null }],
    ['personalised QR scan: token ↔ recipient, a qr touch', { event: 'QR Code Scanned', anonymousId: 'x', properties: { scan_token: 'tok1', campaign_id: 'c1', recipient_ref: 'R-1', personalised: true } }, { register: ['scan:tok1'], sets: ['qr-recipient:scan:tok1,recipient:c1/R-1'], touch: 'qr@scan:tok1' }],
    ['shared QR scan: touch only', { event: 'QR Code Scanned', properties: { scan_token: 'tok2', campaign_id: 'c1', recipient_ref: null, personalised: false } }, { register: ['scan:tok2'], sets: [], touch: 'qr@scan:tok2' }],
    ['handoff code issued', { event: 'Handoff Code Issued', properties: { code: 'k7m-2qx' } }, { register: ['anon:a1'], sets: ['handoff-issued:anon:a1,handoff:K7M2QX'], touch: null }],
    ['web order', { event: 'Order Completed', userId: 'C1', properties: { order_id: 'W-1' } }, { register: ['anon:a1', 'user:C1'], sets: ['anon-user:user:C1,anon:a1', 'web-order:order:W-1,user:C1,anon:a1'], touch: null }],
    ['offline touchpoint', { event: 'Offline Touchpoint', anonymousId: null, properties: { touchpoint_type: 'store_visit', identifiers: { loyaltyId: 'L-1', email_sha256: H } } }, { register: [`email:${H}`, 'loyalty:L-1'], sets: [`touchpoint:email:${H},loyalty:L-1`], touch: `offline@email:${H}` }],
    ['denied consent: nothing', { consent: 'denied', userId: 'C1' }, { register: [], sets: [], touch: null }],
    ['pending consent: nothing', { consent: 'pending', userId: 'C1' }, { register: [], sets: [], touch: null }],
    ['cookieless: nothing', { consent: null, context: { omnitrail: { cookieless: true } } }, { register: [], sets: [], touch: null }],
    ['bot: nothing', { bot: true, userId: 'C1' }, { register: [], sets: [], touch: null }],
  ])('%s', (_name, input, want) => {
    const got = eventIdentity(ev(input));
    const k = (i: { kind: string; value: string }) => `${i.kind}:${i.value}`;
    expect({
      register: got.register.map(k),
      sets: got.sets.map((s) => `${s.rule}:${s.ids.map(k).join(',')}`),
      touch: got.touch ? `${got.touch.kind}@${k(got.touch.id)}` : null,
    }).toEqual(want);
  });

  it('stitches events without any consent statement (Segment server libraries)', () => {
    expect(mayStitch({ consent: null, context: {} })).toBe(true);
  });
});

describe('offlineIdentifiers', () => {
  it('maps every offline field to its kind and drops placeholders', () => {
    expect(
      offlineIdentifiers({ order_id: 'B-1', userId: 'n/a', loyaltyId: 'l-4711', handoffCode: 'k7m-2qx', email_sha256: H, externalIds: { CRM: 'C-17', bad: '0' }, qrRecipient: { campaignId: 'c', recipientRef: 'R' } }),
    ).toEqual([
      { kind: 'order', value: 'B-1' },
      { kind: 'email', value: H },
      { kind: 'loyalty', value: 'L-4711' },
      { kind: 'handoff', value: 'K7M2QX' },
      { kind: 'recipient', value: 'c/R' },
      { kind: 'ext:crm', value: 'C-17' },
    ]);
  });
});
