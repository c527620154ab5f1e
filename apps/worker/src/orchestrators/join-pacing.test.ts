import { describe, expect, it } from 'vitest';
import { createJoinPacing } from './join-pacing.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `count` joins through one manager, each taking `tookMs(n)` where n is how many run. */
async function joins(
  pacing: ReturnType<typeof createJoinPacing>,
  count: number,
  tookMs: (inFlight: number) => number,
  role: (i: number) => 'manager' | 'worker' = () => 'worker',
) {
  let running = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      pacing.run('m', role(i), async () => {
        order.push(i);
        running++;
        most = Math.max(most, running);
        await sleep(tookMs(running));
        running--;
      }),
    ),
  );
  return { most, order };
}

describe('join pacing', () => {
  it('never has more joins in flight through a manager than its limit', async () => {
    const pacing = createJoinPacing({ initial: 3, max: 3 });
    const { most } = await joins(pacing, 12, () => 20);
    expect(most).toBe(3);
  });

  it('raises the limit while joins stay fast, up to the maximum', async () => {
    const pacing = createJoinPacing({ initial: 2, max: 6 });
    // A manager that is not loaded: a join takes as long however many run.
    const { most } = await joins(pacing, 40, () => 20);
    expect(most).toBe(6);
    expect(pacing.limit('m')).toBe(6);
  });

  it('starts slow and doubles: eight fast joins take a limit of 2 to 10', async () => {
    const pacing = createJoinPacing({ initial: 2, max: 10 });
    await joins(pacing, 8, () => 5);
    expect(pacing.limit('m')).toBe(10);
  });

  it('after the first slow join, grows by one per limit’s worth of fast joins', async () => {
    const pacing = createJoinPacing({ initial: 9, max: 10, slowMs: 50 });
    await pacing.run('m', 'worker', () => sleep(80));
    expect(pacing.limit('m')).toBe(6);
    await joins(pacing, 6, () => 5);
    expect(pacing.limit('m')).toBe(7);
  });

  it('backs off when joins take longer than a manager should need', async () => {
    const pacing = createJoinPacing({ initial: 8, max: 10, slowMs: 100 });
    // A manager that slows down sharply past 3 joins at once, as an overloaded one does.
    await joins(pacing, 40, (n) => (n <= 3 ? 20 : 30 * n));
    expect(pacing.limit('m')).toBeLessThanOrEqual(4);
  });

  it('keeps its limit while joins take longer only because more run at once', async () => {
    const pacing = createJoinPacing({ initial: 10, max: 10, slowMs: 1_000 });
    // Each join slower the more run at once, all well within what a manager should need.
    const { most } = await joins(pacing, 30, (n) => 10 * n);
    expect(most).toBe(10);
    expect(pacing.limit('m')).toBe(10);
  });

  it('lets managers join first', async () => {
    const pacing = createJoinPacing({ initial: 1, max: 1 });
    const { order } = await joins(
      pacing,
      6,
      () => 5,
      (i) => (i === 4 || i === 5 ? 'manager' : 'worker'),
    );
    // The first worker started before the managers were queued; they go next.
    expect(order.slice(0, 3)).toEqual([0, 4, 5]);
  });

  it('counts a failed join as a slow one and lets the next one start', async () => {
    const pacing = createJoinPacing({ initial: 4, max: 4 });
    await expect(
      pacing.run('m', 'worker', async () => {
        throw new Error('join refused');
      }),
    ).rejects.toThrow('join refused');
    expect(pacing.limit('m')).toBe(2);
    await expect(pacing.run('m', 'worker', async () => 'ok')).resolves.toBe('ok');
  });
});
