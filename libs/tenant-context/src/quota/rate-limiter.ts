interface Bucket {
  tokens: number;
  updatedAt: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Token buckets per tenant, in this process: `limit` requests per second sustained, bursts up to
 * `limit`. Per process on purpose (no shared store on the request path): with N replicas a
 * tenant gets up to N× the limit, which is why limits are a safety valve, not billing.
 */
export class TenantRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  take(tenantId: string, limitPerSecond: number): RateDecision {
    const now = this.now();
    const bucket = this.buckets.get(tenantId) ?? { tokens: limitPerSecond, updatedAt: now };
    bucket.tokens = Math.min(
      limitPerSecond,
      bucket.tokens + ((now - bucket.updatedAt) / 1_000) * limitPerSecond,
    );
    bucket.updatedAt = now;
    this.buckets.set(tenantId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return {
      allowed: false,
      retryAfterMs: Math.ceil(((1 - bucket.tokens) / limitPerSecond) * 1_000),
    };
  }
}
