import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSlidingWindow } from '../src/rate-limit.ts';

afterEach(() => vi.useRealTimers());

describe('createSlidingWindow', () => {
  it('allows `limit` hits per window per key, then says how long to wait', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const window = createSlidingWindow(3, 60_000);
    expect([window.hit('a'), window.hit('a'), window.hit('a')]).toEqual([0, 0, 0]);
    expect(window.hit('a')).toBe(60);
    expect(window.hit('b')).toBe(0);
    vi.advanceTimersByTime(30_000);
    expect(window.hit('a')).toBe(30);
    vi.advanceTimersByTime(30_001);
    expect(window.hit('a')).toBe(0);
  });

  it('forgets a key on reset (a successful login)', () => {
    const window = createSlidingWindow(1, 60_000);
    window.hit('a');
    expect(window.hit('a')).toBeGreaterThan(0);
    window.reset('a');
    expect(window.hit('a')).toBe(0);
  });
});
