import type { HandoffResponse, Tracker } from './types';

/**
 * Asks the collector for a short code bound to this visitor ("quote K7M-2QX at the till"), for
 * joining this browser to a phone or store purchase. Needs `granted` consent; rejects with a
 * clear error otherwise or when the collector cannot issue one.
 *
 * @example
 * const { display } = await handoffCode(ot); // "K7M-2QX"
 */
export async function handoffCode(tracker: Tracker): Promise<HandoffResponse> {
  const c = tracker._core!;
  await c._ready;
  if (!c._granted()) throw Error('[omnitrail] handoff code needs consent');
  const r = await c._send('handoff', { anonymousId: c._aid(), consent: 'granted' });
  const j = await r.json().catch(() => ({}));
  if (!r.ok) throw Error('[omnitrail] handoff code unavailable: ' + (j.message || 'HTTP ' + r.status));
  return j;
}
