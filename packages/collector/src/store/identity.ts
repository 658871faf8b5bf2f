import type { PersonJourney } from '../attribution/journey';
import type { LinkStatus } from '../stitch/graph';
import type { Identifier, LinkSource } from '../stitch/types';
import type { StoredEvent } from './core';

/** One link of a person's identity graph, with its explanation (which evidence, when, which rule). */
export interface LinkExplanation {
  a: Identifier;
  b: Identifier;
  /** The earliest evidence for this pair (later repeats change nothing). */
  source: LinkSource;
  /** `linked` merged two persons, `redundant` confirmed one, `refused` was stopped by a guard. */
  status: LinkStatus;
  /** For `refused`: `user-conflict`, `cap:<kind>` or `scan-forwarded` (a second browser with a scan token). */
  reason: string | null;
}

/** A stitched person: its stable ID, identifiers and every link touching them. */
export interface PersonIdentity {
  /**
   * Stable person ID: derived from the person's smallest identifier, so it is the same
   * whatever order events were ingested in (and changes only when persons merge or split).
   */
  personId: string;
  /** Identifiers (e-mail/phone as SHA-256 hex), sorted by kind then value. */
  identifiers: Identifier[];
  /** Links between the person's identifiers, and refused links from them to other persons. */
  links: LinkExplanation[];
}

/** Options of {@link IdentityStore.journeys}. */
export interface JourneyQuery {
  /** Conversions from this time on (ms since epoch, inclusive). */
  from: number;
  /** Conversions before this time (exclusive). */
  to: number;
  /** Touches count from `from - lookbackMs` (default 30 days). */
  lookbackMs?: number;
  /** Also fill `PersonJourney.events` (named track events, bots left out; funnels). Costs one pass over the events of the range. */
  events?: boolean;
  /** With `events`: only events of these names (a funnel's steps). Default: every name. */
  eventNames?: string[];
  /** Event names that convert (goal events, value 1 unless `properties.value`); default: the site's `settings.goals`. */
  goals?: string[];
  /** Person numbers per chunk read from the database: a chunk holds at most this many persons (default 2000). */
  chunkSize?: number;
}

/** Identity graph reads (persons, journeys, profiles) and erasure. */
export interface IdentityStore {
  /**
   * The person an identifier belongs to (identifier values are normalised; pass e-mail/phone
   * hashed), or null if the identifier was never seen.
   *
   * @example
   * const p = await store.personOf(site.id, { kind: 'loyalty', value: 'L-4711' });
   *
   * `links: false` leaves `links` empty: the person's ID and identifiers only, without reading
   * every link's explanation (webhooks; a tenth of the cost for a person with a long history).
   */
  personOf(siteId: string, id: Identifier, opts?: { links?: boolean }): Promise<PersonIdentity | null>;
  /**
   * Every event of the person holding `id`, in time order (at most `limit`, default 10 000, the newest): web events of its anonymous/user IDs, QR scans of
   * its scan tokens, offline touchpoints and handoff issuances attached to its identifiers.
   */
  personEvents(siteId: string, id: Identifier, opts?: { limit?: number }): Promise<StoredEvent[]>;
  /**
   * Stitched persons with touches in `[from − lookback, to)`, conversions (orders of
   * every channel, goal events) in `[from, to)` or — with `events` — any of the named events
   * asked for, streamed per person in chunks.
   *
   * @example
   * for await (const j of store.journeys(site.id, { from, to, lookbackMs: 30 * 86_400_000 })) credit(j);
   */
  journeys(siteId: string, q: JourneyQuery): AsyncIterable<PersonJourney>;
  /**
   * Remove identifiers, their links and touch references from the graph (erasure), and
   * re-stitch what remains: persons that were joined only through them split again.
   * Resolves after COMMIT with the number of identifiers removed.
   */
  eraseIdentifiers(siteId: string, ids: Identifier[]): Promise<number>;
}
