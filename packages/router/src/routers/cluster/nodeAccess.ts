// Procedures on one node, named by `nodeId` alone (the /api/v1/nodes/{id} paths) or with its
// `clusterId`: the node's cluster decides who may (access.ts), like `clusterProcedure`. A node
// the caller may not see answers 404 as one that does not exist; a node named with another
// cluster than its own is a 400 naming `nodeId`.
import type { Node } from '@flotilla/db';
import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { type ClusterAccess, type ClusterPermission, requireCluster } from '../../access.ts';
import { fieldError } from '../../errors.ts';
import { authedProcedure } from '../../trpc.ts';

const nodeNotFound = () => new TRPCError({ code: 'NOT_FOUND', message: 'Node not found' });

export function nodeProcedure<I extends z.ZodType<{ clusterId?: string; nodeId: string }>>(
  needs: ClusterPermission,
  input: I,
) {
  return authedProcedure.input(input).use(async ({ ctx, input, next }) => {
    const { clusterId, nodeId } = input as { clusterId?: string; nodeId: string };
    let access: ClusterAccess;
    let node: Node | null;
    if (clusterId !== undefined) {
      access = await requireCluster(ctx, clusterId, needs);
      node = await ctx.db.node.findFirst({ where: { id: nodeId, clusterId } });
      if (!node) throw fieldError('nodeId', `is not a node of cluster "${access.cluster.name}"`);
    } else {
      node = await ctx.db.node.findUnique({ where: { id: nodeId } });
      if (!node) throw nodeNotFound();
      try {
        access = await requireCluster(ctx, node.clusterId, needs);
      } catch (error) {
        // Its cluster's 404 would name a cluster the caller never asked about.
        if (error instanceof TRPCError && error.code === 'NOT_FOUND') throw nodeNotFound();
        throw error;
      }
    }
    ctx.audit.targetType = 'node';
    ctx.audit.targetId = node.id;
    return next({ ctx: { cluster: access.cluster, node } });
  });
}
