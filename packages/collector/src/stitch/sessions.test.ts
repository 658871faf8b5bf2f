import { describe, expect, it } from 'vitest';
import type { Touch } from '../attribution/journey';
import { collapseServerSessions, sessionSource } from './sessions';

const MIN = 60_000;
const t = (id: string, min: number, extra: Partial<Touch> = {}): Touch => ({ ts: min * MIN, kind: 'session', messageId: id, serverSession: true, ...extra });
const ids = (ts: Touch[]) => collapseServerSessions(ts).map((x) => x.messageId);

describe('server-side sessions', () => {
  it.each([
    ['page without omnitrail', { type: 'page', context: {} }, 'server'],
    ['screen', { type: 'screen', context: {} }, 'server'],
    ['SDK without sessions()', { type: 'page', context: { omnitrail: { v: 1, consent: 'granted' } } }, 'server'],
    ['SDK session start', { type: 'page', context: { omnitrail: { v: 1, sessionId: 's', sessionStart: true } } }, 'client'],
    ['SDK mid-session', { type: 'page', context: { omnitrail: { v: 1, sessionId: 's' } } }, 'client'],
    ['marker only', { type: 'track', context: { omnitrail: { sessionStart: true } } }, 'client'],
    ['track without marker', { type: 'track', context: {} }, null],
    ['identify', { type: 'identify', context: {} }, null],
  ] as const)('%s → %s', (_, ev, want) => {
    expect(sessionSource(ev as never)).toBe(want);
  });

  it.each([
    ['first page starts, later pages continue', [t('a', 0), t('b', 10), t('c', 39)], ['a']],
    ['30 minutes of inactivity start a new session', [t('a', 0), t('b', 31)], ['a', 'b']],
    ['exactly 30 minutes continue', [t('a', 0), t('b', 30)], ['a']],
    ['a new campaign starts a session', [t('a', 0), t('b', 1, { utm: { source: 'nl', medium: 'email' } })], ['a', 'b']],
    ['the same campaign again continues', [t('a', 0, { utm: { source: 'nl' } }), t('b', 1, { utm: { source: 'nl' } })], ['a']],
    ['new click IDs start a session', [t('a', 0, { clickIds: { gclid: '1' } }), t('b', 1, { clickIds: { gclid: '2' } })], ['a', 'b']],
    ['a referrer alone continues', [t('a', 0), t('b', 1, { referrer: 'https://pay.example/' })], ['a']],
    ['SDK session starts stay; candidates within their session continue it', [t('a', 0), { ts: 5 * MIN, kind: 'session', messageId: 's' }, t('b', 10)], ['a', 's']],
    ['a candidate 31 minutes after an SDK session start starts one', [{ ts: 0, kind: 'session', messageId: 's' }, t('b', 31)], ['s', 'b']],
    ['QR scans stay', [t('a', 0), { ts: MIN, kind: 'qr', messageId: 'q' }], ['a', 'q']],
  ] as const)('%s', (_, touches, want) => {
    expect(ids(touches as unknown as Touch[])).toEqual(want);
  });
});
