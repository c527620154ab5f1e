// The readiness board's bookkeeping, with a driver whose node list the test writes: how many
// reads serve how many waiting nodes, deadlines, failing reads. Against real managers it runs in
// test/shared-connections.test.ts.
import type { SshSession } from '@flotilla/ssh';
import { describe, expect, it } from 'vitest';
import type { OrchestratorDriver, OrchestratorNode } from './driver.ts';
import { createReadinessBoard } from './readiness.ts';

const manager = {} as SshSession;

/** A driver whose manager reports Ready the nodes in `ready`; counts its reads. */
function listing(ready: Set<string>, listed: Set<string>, fail = () => false) {
  const reads: number[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const driver = {
    async readyNodes(_manager, wanted) {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      reads.push(wanted.length);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      if (fail()) throw new Error('manager busy');
      const node = (id: string): OrchestratorNode => ({
        id,
        hostname: id,
        ready: ready.has(id),
        manager: false,
      });
      return {
        nodes: [...listed].map(node),
        ready: wanted.filter((w) => ready.has(w.memberId)).map((w) => node(w.memberId)),
      };
    },
  } as Pick<OrchestratorDriver, 'readyNodes'> as OrchestratorDriver;
  return { driver, reads, mostAtOnce: () => mostAtOnce };
}

const request = (driver: OrchestratorDriver, memberId: string, timeoutMs = 5_000) => ({
  clusterId: 'cls_1',
  driver,
  manager,
  memberId,
  flotillaNodeId: `node_${memberId}`,
  timeoutMs,
});

describe('the readiness board', () => {
  it('serves twenty waiting nodes with one read at a time, and stops reading when none wait', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `n${i}`);
    const ready = new Set<string>();
    const { driver, reads, mostAtOnce } = listing(ready, new Set(ids));
    const board = createReadinessBoard({ intervalMs: 10 });
    const waits = ids.map((id) => board.wait(request(driver, id)));
    expect(board.readers()).toBe(1);
    // They become Ready a few at a time, as joins through a paced manager do.
    for (let i = 0; i < ids.length; i += 5) {
      for (const id of ids.slice(i, i + 5)) ready.add(id);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    const nodes = await Promise.all(waits);
    expect(nodes.map((n) => n.id)).toEqual(ids);
    expect(mostAtOnce()).toBe(1);
    // One read per interval for all of them, not one per node per interval.
    expect(reads.length).toBeLessThan(20);
    expect(reads[0]).toBe(20);
    expect(board.readers()).toBe(0);
  });

  it('gathers the nodes that start waiting within its first 100 ms into one read', async () => {
    const ready = new Set<string>(['a', 'b']);
    const { driver, reads } = listing(ready, new Set(['a', 'b']));
    const board = createReadinessBoard({ intervalMs: 10 });
    const first = board.wait(request(driver, 'a'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await Promise.all([first, board.wait(request(driver, 'b'))]);
    expect(reads).toEqual([2]);
  });

  it('reads at once for a node that starts waiting while the reader pauses', async () => {
    const ready = new Set<string>();
    const { driver, reads } = listing(ready, new Set(['a', 'b']));
    const board = createReadinessBoard({ intervalMs: 10_000, gatherMs: 0 });
    const started = Date.now();
    const first = board.wait(request(driver, 'a'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads).toEqual([1]);
    // Both joined meanwhile; the second's wait starts a read now, not 10 s later.
    ready.add('a').add('b');
    const nodes = await Promise.all([first, board.wait(request(driver, 'b'))]);
    expect(nodes.map((n) => n.id)).toEqual(['a', 'b']);
    expect(reads).toEqual([1, 2]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reads again at once when a node started waiting during a read', async () => {
    const ready = new Set<string>(['a', 'b']);
    const { driver, reads } = listing(ready, new Set(['a', 'b']));
    const board = createReadinessBoard({ intervalMs: 10_000, gatherMs: 0 });
    const started = Date.now();
    const first = board.wait(request(driver, 'a'));
    // While the first read runs (it takes 5 ms): not in it, read right after it.
    await new Promise((resolve) => setTimeout(resolve, 2));
    const second = board.wait(request(driver, 'b'));
    await Promise.all([first, second]);
    expect(reads).toEqual([1, 1]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('fails a node that is not Ready by its deadline, saying whether the managers list it', async () => {
    const { driver } = listing(new Set(), new Set(['listed']));
    const board = createReadinessBoard({ intervalMs: 10 });
    await expect(board.wait(request(driver, 'listed', 100))).rejects.toThrow(
      'node listed was still not Ready after 100 ms',
    );
    await expect(board.wait(request(driver, 'missing', 100))).rejects.toMatchObject({
      code: 'commandTimedOut',
      message: 'the managers did not list node missing within 100 ms',
    });
  });

  it('rides out failing reads, and at the deadline says what they ran into', async () => {
    let failures = 4;
    const ready = new Set(['a']);
    const flaky = listing(ready, ready, () => failures-- > 0);
    const board = createReadinessBoard({ intervalMs: 10 });
    await expect(board.wait(request(flaky.driver, 'a'))).resolves.toMatchObject({ id: 'a' });
    expect(flaky.reads).toHaveLength(5);

    const broken = listing(ready, ready, () => true);
    await expect(board.wait(request(broken.driver, 'a', 300))).rejects.toThrow(
      'the managers did not list node a within 300 ms; reading the node list failed: manager busy',
    );
    // Fewer reads while they fail: the pause between them grows.
    expect(broken.reads.length).toBeLessThan(300 / 10);
  });
});
