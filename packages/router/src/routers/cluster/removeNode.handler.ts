import { transitionNode } from '@flotilla/lifecycle';
import { writeOutboxJob } from '@flotilla/queue';
import { TRPCError } from '@trpc/server';
import { conflict } from '../../errors.ts';
import { clusterProcedure, type Meta } from '../../trpc.ts';
import { removeNodeInput, removeNodeOutput } from './removeNode.schema.ts';
import { lockedLiveNodes, nodeOut } from './rows.ts';
import { swarmManagerRule } from './topology.ts';

export const meta = {
  summary: 'Remove a node: drained (workloads move), leaves, its machine is destroyed',
  http: { method: 'DELETE' },
  input: removeNodeInput,
  output: removeNodeOutput,
} satisfies Meta;

export const procedure = clusterProcedure('manage', removeNodeInput)
  .meta(meta)
  .output(removeNodeOutput)
  .mutation(async ({ ctx, input }) => {
    const { cluster } = ctx;
    Object.assign(ctx.audit, { targetType: 'node', targetId: input.nodeId });
    const removed = await ctx.db.$transaction(async (tx) => {
      const { live } = await lockedLiveNodes(tx, cluster.id);
      const target = await tx.node.findFirst({
        where: { id: input.nodeId, clusterId: cluster.id },
      });
      if (!target)
        throw new TRPCError({ code: 'NOT_FOUND', message: 'Node not found in this cluster' });
      if (target.status === 'deleting') return nodeOut(target);
      // Issue 17: a managed database's data lives on the node it is pinned to; removing the node
      // would take the data with it (the database is never moved to another node).
      const pinned = await tx.managedDatabase.findMany({
        where: { nodeId: target.id },
        select: { name: true },
        take: 5,
      });
      if (pinned.length > 0) {
        throw conflict(
          `${target.name} holds the data of database(s) ${pinned.map((d) => d.name).join(', ')}: back them up and remove them first (a database is never moved to another node)`,
        );
      }
      const rest = live.filter((n) => n.id !== target.id);
      const managersLeft = rest.filter((n) => n.role === 'manager').length;
      if (target.role === 'manager') {
        if (managersLeft === 0 && rest.length > 0) {
          throw conflict(
            `${target.name} is the last manager and ${rest.length} worker(s) depend on it; remove the workers first or delete the cluster`,
          );
        }
        if (rest.length === 0)
          throw conflict(`${target.name} is the last node; delete the cluster instead`);
        const rule = cluster.orchestrator === 'swarm' ? swarmManagerRule(managersLeft) : null;
        if (rule) throw conflict(`removing ${target.name} is refused: ${rule}`);
      }
      await transitionNode(
        tx,
        target.id,
        'deleting',
        `removal requested by ${ctx.principal.email}`,
      );
      await writeOutboxJob(tx, 'removeNode', { clusterId: cluster.id, nodeId: target.id });
      return nodeOut({ ...target, status: 'deleting', statusReason: 'removal requested' });
    });
    ctx.onOutboxWritten();
    return removed;
  });
