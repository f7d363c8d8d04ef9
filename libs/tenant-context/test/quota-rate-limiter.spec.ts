import { TenantRateLimiter } from '../src';

describe('TenantRateLimiter: token bucket per tenant', () => {
  it('allows a burst up to the limit, then refills at the limit per second, per tenant', () => {
    let now = 1_000_000;
    const limiter = new TenantRateLimiter(() => now);
    const a = 'tenant-a';
    expect([1, 2, 3].map(() => limiter.take(a, 3).allowed)).toEqual([true, true, true]);
    expect(limiter.take(a, 3)).toEqual({ allowed: false, retryAfterMs: 334 });
    // Another tenant has its own bucket.
    expect(limiter.take('tenant-b', 3).allowed).toBe(true);
    now += 340;
    expect(limiter.take(a, 3).allowed).toBe(true);
    expect(limiter.take(a, 3).allowed).toBe(false);
    now += 10_000;
    expect([1, 2, 3, 4].map(() => limiter.take(a, 3).allowed)).toEqual([true, true, true, false]);
  });

  it('refuses everything when the plan allows zero requests', () => {
    const limiter = new TenantRateLimiter(() => 0);
    expect(limiter.take('t', 0).allowed).toBe(false);
  });
});
