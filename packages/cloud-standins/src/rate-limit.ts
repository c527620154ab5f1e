// The budget a provider keeps per account, enforced: a token bucket per window (`limit`
// requests, refilled continuously at limit/window). A request finding any bucket empty is
// refused; the first window is the one the provider announces in its RateLimit-* headers.

export interface RateLimitWindow {
  limit: number;
  windowSeconds: number;
}

export class RateBudget {
  private readonly buckets: { window: RateLimitWindow; tokens: number; at: number }[];

  constructor(windows: RateLimitWindow[]) {
    if (windows.length === 0) throw new Error('a rate budget needs at least one window');
    const now = Date.now();
    this.buckets = windows.map((window) => ({ window, tokens: window.limit, at: now }));
  }

  private refill(now: number) {
    for (const bucket of this.buckets) {
      const rate = bucket.window.limit / (bucket.window.windowSeconds * 1000);
      bucket.tokens = Math.min(bucket.window.limit, bucket.tokens + (now - bucket.at) * rate);
      bucket.at = now;
    }
  }

  /** Spends one request; false (nothing spent) when a bucket has no whole token left. */
  take(now = Date.now()): boolean {
    this.refill(now);
    if (this.buckets.some((bucket) => bucket.tokens < 1)) return false;
    for (const bucket of this.buckets) bucket.tokens -= 1;
    return true;
  }

  /** Seconds until a refused request would be accepted. */
  retryAfterSeconds(now = Date.now()): number {
    this.refill(now);
    const waits = this.buckets.map(
      (bucket) =>
        (Math.max(0, 1 - bucket.tokens) * bucket.window.windowSeconds) / bucket.window.limit,
    );
    return Math.max(1, Math.ceil(Math.max(...waits)));
  }

  /** `RateLimit-Limit/-Remaining/-Reset` of the first window; Reset is when it is full again. */
  headers(now = Date.now()): Record<string, string> {
    this.refill(now);
    const { window, tokens } = this.buckets[0]!;
    const fullInSeconds = ((window.limit - tokens) * window.windowSeconds) / window.limit;
    return {
      'RateLimit-Limit': String(window.limit),
      'RateLimit-Remaining': String(Math.floor(tokens)),
      'RateLimit-Reset': String(Math.ceil(now / 1000 + fullInSeconds)),
    };
  }
}
