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
});
