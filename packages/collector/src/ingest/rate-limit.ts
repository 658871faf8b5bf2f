/** A token-bucket rate: `rate` requests per second on average, bursts up to `burst`. */
export interface RateSpec {
  rate: number;
  burst: number;
}

/** A set of token buckets keyed by a string (client IP, write key). */
export interface RateLimiter {
  /**
   * Take one token for `key`. Returns 0 when allowed, otherwise the seconds to wait
   * before a token is available (for `Retry-After`, at least 1).
   */
  take(key: string): number;
  /** Number of tracked keys (tests, memory bound). */
  readonly size: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * In-memory token buckets. Per collector instance (edge-safe, no I/O): behind a load balancer
 * each instance enforces its own share, which is what a flood guard needs. Memory stays bounded:
 * when more than `maxKeys` keys are tracked, buckets that have refilled completely (and so carry
 * no state worth keeping) are dropped; if that is not enough, all are dropped.
 *
 * @example
 * const perIp = createRateLimiter({ rate: 100, burst: 400 });
 * const wait = perIp.take('203.0.113.7'); // 0 → allowed; else seconds for Retry-After
 */
export function createRateLimiter(spec: RateSpec, opts: { maxKeys?: number; now?: () => number } = {}): RateLimiter {
  const now = opts.now ?? Date.now;
  const maxKeys = opts.maxKeys ?? 50_000;
  const perMs = spec.rate / 1000;
  const buckets = new Map<string, Bucket>();

  function sweep(t: number) {
    for (const [k, b] of buckets) if (b.tokens + (t - b.at) * perMs >= spec.burst) buckets.delete(k);
    if (buckets.size >= maxKeys) buckets.clear();
  }

  return {
    take(key) {
      const t = now();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= maxKeys) sweep(t);
        b = { tokens: spec.burst, at: t };
        buckets.set(key, b);
      } else {
        b.tokens = Math.min(spec.burst, b.tokens + (t - b.at) * perMs);
        b.at = t;
      }
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
    },
    get size() {
      return buckets.size;
    },
  };
}
