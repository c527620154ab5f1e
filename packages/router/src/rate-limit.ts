// Login attempts, limited per client address and per account. In memory, per process: with
// several API processes the effective limit is multiplied by their number (acceptable for a
// brute-force brake; a shared Redis window would be the next step).

export interface SlidingWindow {
  /** Records a hit; returns how many seconds to wait when the limit is exceeded, else 0. */
  hit(key: string): number;
  reset(key: string): void;
}

export function createSlidingWindow(limit: number, windowMs: number): SlidingWindow {
  const hits = new Map<string, number[]>();
  let lastSweep = Date.now();

  function sweep(now: number) {
    if (now - lastSweep < windowMs) return;
    lastSweep = now;
    for (const [key, times] of hits) {
      if ((times.at(-1) ?? 0) <= now - windowMs) hits.delete(key);
    }
  }

  return {
    hit(key) {
      const now = Date.now();
      sweep(now);
      const recent = (hits.get(key) ?? []).filter((time) => time > now - windowMs);
      if (recent.length >= limit) {
        hits.set(key, recent);
        return Math.max(1, Math.ceil(((recent[0] ?? now) + windowMs - now) / 1000));
      }
      recent.push(now);
      hits.set(key, recent);
      return 0;
    },
    reset(key) {
      hits.delete(key);
    },
  };
}

export interface LoginLimits {
  perIp: { limit: number; windowMs: number };
  perAccount: { limit: number; windowMs: number };
}

export const defaultLoginLimits: LoginLimits = {
  perIp: { limit: 20, windowMs: 60_000 },
  perAccount: { limit: 10, windowMs: 15 * 60_000 },
};
