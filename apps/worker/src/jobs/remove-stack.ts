// removeStack: takes a stack off its cluster (`docker stack rm`, then waits until no service,
// task or network of it is left; on Kubernetes every object it owns), then deletes its rows.
// A removal that cannot finish gives the stack back to the user (removeRequestedAt cleared, the
// reason on the cluster's log), so stack.remove can be asked again.
import { errorMessage, isRetryable } from '@flotilla/errors';
import { appendLog } from '@flotilla/lifecycle';
import type { JobData } from '@flotilla/queue';
import { reachSwarm } from '../apps/swarm.ts';
import type { Attempt, Engine } from '../engine.ts';
import { reachKubernetes, removeStackFromKubernetes } from '../stacks/kubernetes.ts';
import { removeStackFromSwarm } from '../stacks/swarm.ts';

export async function removeStack(
  engine: Engine,
  { stackId, requestedAt }: JobData<'removeStack'>,
  attempt: Attempt,
): Promise<void> {
  const stack = await engine.db.stack.findUnique({
    where: { id: stackId },
    select: {
      id: true,
      name: true,
      stackName: true,
      clusterId: true,
      removeRequestedAt: true,
      cluster: { select: { orchestrator: true } },
    },
  });
  // Gone already, or this job is of an earlier request that was given up.
  if (stack?.removeRequestedAt?.getTime() !== requestedAt) return;
  const line = (message: string, level: 'info' | 'error' = 'info') =>
    appendLog(engine.db, {
      clusterId: stack.clusterId,
      step: 'stack.remove',
      level,
      message: `stack ${stack.name}: ${message}`,
    }).catch((error) => engine.log.warn({ stackId, err: error }, 'stack log line lost'));
  try {
    let removed: string;
    if (stack.cluster.orchestrator === 'kubernetes') {
      const kube = await reachKubernetes(engine, stack.clusterId);
      try {
        const { deleted } = await removeStackFromKubernetes(kube, stack.id, stack.stackName);
        removed = `${deleted} object(s) deleted`;
      } finally {
        await kube.close();
      }
    } else {
      const swarm = await reachSwarm(engine, stack.clusterId);
      try {
        const { services } = await removeStackFromSwarm(
          swarm.session,
          swarm.manager,
          stack.stackName,
          {
            timeoutMs: 120_000,
            pollMs: engine.settings.apps.pollMs,
          },
        );
        removed = `${services} service(s) removed, nothing of it left on the swarm`;
      } finally {
        await swarm.close();
      }
    }
    await engine.db.stack.deleteMany({ where: { id: stack.id } });
    await line(removed);
  } catch (error) {
    if (!attempt.final && isRetryable(error)) throw error;
    await engine.db.stack.updateMany({
      where: { id: stack.id, removeRequestedAt: stack.removeRequestedAt },
      data: { removeRequestedAt: null },
    });
    await line(
      `could not be removed (ask again with stack.remove): ${errorMessage(error)}`,
      'error',
    );
  }
}
