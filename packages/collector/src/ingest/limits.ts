/**
 * Ingest limits. The byte limits are Segment's (HTTP Tracking API), so a client that works
 * against Segment works here unchanged.
 *
 * @example
 * if (events.length > LIMITS.maxBatchEvents) throw new HTTPException(413, { message: '…' });
 */
export const LIMITS = {
  /** Bytes of one serialised event. */
  maxEventBytes: 32 * 1024,
  /** Bytes of one request body (`/v1/batch`). */
  maxBodyBytes: 500 * 1024,
  /** Events in one batch. */
  maxBatchEvents: 2500,
  /** Characters of `messageId` (the idempotency key). */
  maxMessageId: 100,
  /** Characters of `anonymousId`, `userId`, `previousId`, `groupId`. */
  maxId: 256,
  /** Characters of an event or page name. */
  maxName: 256,
  /** Characters of an object key anywhere in an event. */
  maxKey: 256,
  /** Nesting depth of an event (the event object itself is depth 1; `properties.products[0].x` is 4). */
  maxDepth: 16,
} as const;
