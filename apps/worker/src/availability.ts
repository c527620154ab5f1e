// A node's availability as the managers report it (issue 17), written by the health check and by
// setNodeAvailability after it changed it. Both may read the servers at about the same time: a
// write keeps only a read newer than the stored one, so a slow health check cannot put back a
// value read before the job's change. An unchanged value is not written (a healthy fleet's
// passes write nothing).
import type { Node, Orchestrator } from '@flotilla/db';
import type { Engine } from './engine.ts';
import type { NodeAvailability } from './orchestrators/driver.ts';

export async function recordAvailability(
  engine: Engine,
  node: Pick<Node, 'id' | 'availability'>,
  seen: NodeAvailability,
  readAt: Date,
  orchestrator: Orchestrator,
): Promise<void> {
  // Kubernetes shows a drained node only as cordoned: while a drain is what was asked, a cordon
  // is that drain.
  const reported =
    orchestrator === 'kubernetes' && seen === 'pause' && node.availability === 'drain'
      ? 'drain'
      : seen;
  await engine.db.$executeRaw`
    update "Node"
    set "reportedAvailability" = ${reported}::"NodeAvailability", "availabilityReadAt" = ${readAt}
    where id = ${node.id}
      and ("availabilityReadAt" is null or "availabilityReadAt" < ${readAt})
      and "reportedAvailability" is distinct from ${reported}::"NodeAvailability"`;
}
