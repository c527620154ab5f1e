// cluster.drainNode, activateNode and evacuateNode (issue 17): the availability asked for is
// written on the node row with a new generation and a setNodeAvailability job in the same
// transaction; the job puts it on the servers through a manager and reads it back. Asking again
// for what the servers already have writes nothing.
import { appendLog } from '@flotilla/lifecycle';
import { writeOutboxJob } from '@flotilla/queue';
import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import type { ClusterAccess } from '../../access.ts';
import { conflict } from '../../errors.ts';
import type { AuthedContext } from '../../trpc.ts';
import { nodeOut } from './rows.ts';
import type { nodeAvailabilitySchema } from './schema.ts';

type Availability = z.infer<typeof nodeAvailabilitySchema>;

const asked = {
  pause: 'drain (no new work; running work stays)',
  active: 'activation (takes new work)',
  drain: 'evacuation (its work moves to other nodes)',
} as const satisfies Record<Availability, string>;

export async function requestAvailability(
  ctx: AuthedContext & { cluster: ClusterAccess['cluster'] },
  nodeIdValue: string,
  wanted: Availability,
) {
  const { cluster } = ctx;
  const result = await ctx.db.$transaction(async (tx) => {
    const [clusterRow] = await tx.$queryRaw<{ status: string }[]>`
      select status::text from "Cluster" where id = ${cluster.id} for share`;
    if (!clusterRow) throw new TRPCError({ code: 'NOT_FOUND', message: 'Cluster not found' });
    if (clusterRow.status === 'deleting') throw conflict('The cluster is being deleted');
    const [locked] = await tx.$queryRaw<{ id: string }[]>`
      select id from "Node" where id = ${nodeIdValue} for update`;
    if (!locked) throw new TRPCError({ code: 'NOT_FOUND', message: 'Node not found' });
    const row = await tx.node.findUniqueOrThrow({ where: { id: nodeIdValue } });
    if (row.status === 'deleting') throw conflict(`${row.name} is being removed`);
    if (!row.orchestratorNodeId || (row.status !== 'running' && row.status !== 'down')) {
      throw conflict(`${row.name} has not joined the cluster (status ${row.status})`);
    }
    // Already so on the servers, or already asked for and on its way: nothing more to do.
    const settled = row.availabilityApplied >= row.availabilityGeneration;
    if (row.availability === wanted && (!settled || row.reportedAvailability === wanted)) {
      return { row, changed: false };
    }
    if (wanted === 'drain') {
      // Its work must have somewhere to go: evacuating the only node that takes work would
      // stop it, not move it.
      const others = await tx.node.findMany({
        where: { clusterId: cluster.id, id: { not: row.id }, status: 'running' },
      });
      if (!others.some((n) => nodeOut(n).availability === 'active')) {
        throw conflict(
          `No other node of the cluster takes work, so ${row.name}'s work has nowhere to go; activate another node first`,
        );
      }
    }
    const generation = row.availabilityGeneration + 1;
    const updated = await tx.node.update({
      where: { id: row.id },
      data: { availability: wanted, availabilityGeneration: generation },
    });
    await writeOutboxJob(tx, 'setNodeAvailability', {
      clusterId: cluster.id,
      nodeId: row.id,
      generation,
    });
    await appendLog(tx, {
      clusterId: cluster.id,
      nodeId: row.id,
      step: 'node.availability',
      message: `${asked[wanted]} of ${row.name} requested by ${ctx.principal.email}`,
    });
    return { row: updated, changed: true };
  });
  if (result.changed) ctx.onOutboxWritten();
  ctx.audit.details = `${result.changed ? 'Asked for' : 'Already done:'} ${asked[wanted]} of node ${result.row.name}`;
  return nodeOut(result.row);
}
