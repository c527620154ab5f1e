// The cluster watch's bookkeeping, with rows the test writes: many waiting jobs, one read.
import { describe, expect, it } from 'vitest';
import type { ClusterRecord } from './cluster-record.ts';
import { createClusterWatch } from './cluster-watch.ts';

function rows() {
  let formed = false;
  let reads = 0;
  return {
    form: () => {
      formed = true;
    },
    reads: () => reads,
    read: async (clusterId: string) => {
      reads++;
      return { id: clusterId, joinSecretsEncrypted: formed ? 'sealed' : null } as ClusterRecord;
    },
  };
}

const formedYet = (cluster: ClusterRecord | null) =>
  cluster?.joinSecretsEncrypted ? cluster.id : undefined;

describe('the cluster watch', () => {
  it('reads a cluster once per interval for all the jobs waiting on it', async () => {
    const cluster = rows();
    const watch = createClusterWatch({ read: cluster.read, intervalMs: 20 });
    const waits = Array.from({ length: 30 }, () =>
      watch.wait('cls_1', formedYet, { timeoutMs: 5_000, timeoutMessage: () => 'late' }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    cluster.form();
    expect(await Promise.all(waits)).toEqual(Array(30).fill('cls_1'));
    // About 200 / 20 reads in all, where thirty jobs polling by themselves made thirty times more.
    expect(cluster.reads()).toBeLessThan(20);
    expect(watch.watched()).toBe(0);
  });

  it('ends a wait with what its check throws, and another at its deadline', async () => {
    const cluster = rows();
    const watch = createClusterWatch({ read: cluster.read, intervalMs: 10 });
    const gone = watch.wait(
      'cls_1',
      () => {
        throw new Error('node removed');
      },
      { timeoutMs: 5_000, timeoutMessage: () => 'late' },
    );
    const late = watch.wait('cls_1', formedYet, {
      timeoutMs: 50,
      timeoutMessage: () => 'no manager within 50 ms',
    });
    await expect(gone).rejects.toThrow('node removed');
    await expect(late).rejects.toThrow('no manager within 50 ms');
  });

  it('reads again at once when woken, also when woken during a read', async () => {
    const cluster = rows();
    // An interval no test waits out: only a wake can end the waits in time.
    const watch = createClusterWatch({ read: cluster.read, intervalMs: 60_000 });
    const first = watch.wait('cls_1', formedYet, {
      timeoutMs: 5_000,
      timeoutMessage: () => 'late',
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    cluster.form();
    watch.wake('cls_1');
    expect(await first).toBe('cls_1');

    // Woken while the read that predates the write is still out.
    const slow = rows();
    let release: () => void = () => {};
    const watch2 = createClusterWatch({
      read: async (id) => {
        const row = await slow.read(id);
        if (slow.reads() === 1) await new Promise<void>((resolve) => (release = resolve));
        return row;
      },
      intervalMs: 60_000,
    });
    const second = watch2.wait('cls_2', formedYet, {
      timeoutMs: 5_000,
      timeoutMessage: () => 'late',
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    slow.form();
    watch2.wake('cls_2');
    release();
    expect(await second).toBe('cls_2');
    expect(slow.reads()).toBe(2);
  });
});
