/**
 * Which backends this collector has. The dashboard is built in parallel with the stores
 * and reports it shows; a page whose backend is missing says so plainly instead of
 * showing invented numbers. Each accessor returns the real function or null.
 */
import type { PersonJourney } from '../attribution/journey';
import type { Store } from '../store/types';

/** `store.journeys` (identity engineer): stitched persons of a range. */
export type JourneysFn = (siteId: string, opts: { from: number; to: number; lookbackMs?: number }) => AsyncIterable<PersonJourney>;

/**
 * The store's journeys iterator bound to the store, or null.
 *
 * @example
 * const journeys = journeysOf(store);
 * if (journeys) for await (const p of journeys(site.id, { from, to })) …
 */
export function journeysOf(store: Store): JourneysFn | null {
  const fn = (store as unknown as { journeys?: JourneysFn }).journeys;
  return typeof fn === 'function' ? fn.bind(store) : null;
}
