import { fieldError } from '../../errors.ts';
import { instanceSessionProcedure, type Meta } from '../../trpc.ts';
import { assignableEntity, moveWaitingJobs } from './entities.ts';
import { assignmentOut } from './rows.ts';
import {
  controlPlaneSetAssignmentInput,
  controlPlaneSetAssignmentOutput,
} from './setAssignment.schema.ts';

export const meta = {
  summary: "Pin a cluster's, app's or database's jobs to a worker node (strict, or preferred)",
  http: { method: 'PUT' },
  input: controlPlaneSetAssignmentInput,
  output: controlPlaneSetAssignmentOutput,
} satisfies Meta;

export const procedure = instanceSessionProcedure
  .meta(meta)
  .input(controlPlaneSetAssignmentInput)
  .output(controlPlaneSetAssignmentOutput)
  .mutation(async ({ ctx, input }) => {
    const { entityType, entityId, nodeName, mode } = input;
    // The cluster-admin page's name for the event.
    Object.assign(ctx.audit, {
      action: 'cluster.assignment.set',
      details: `Pinned to ${nodeName} (${mode})`,
    });
    const keys = await assignableEntity(ctx, entityType, entityId);
    const processes = await ctx.db.controlPlaneNode.findMany({
      where: { name: nodeName },
      select: { role: true },
    });
    if (!processes.some((p) => p.role === 'worker')) {
      throw fieldError(
        'nodeName',
        processes.length > 0
          ? `${nodeName} runs no worker (only the API): jobs can be pinned to worker nodes only`
          : `no node named ${nodeName} has registered: controlPlane.overview lists the nodes`,
      );
    }
    const row = await ctx.db.$transaction(async (tx) => {
      // From now on its queues may hold jobs: they are among those searched when jobs move.
      await tx.controlPlaneNode.updateMany({
        where: { name: nodeName, role: 'worker', pinnedAt: null },
        data: { pinnedAt: new Date() },
      });
      return tx.controlPlaneAssignment.upsert({
        where: { entityType_entityId: { entityType, entityId } },
        create: {
          entityType,
          entityId,
          ...keys,
          nodeName,
          mode,
          updatedById: ctx.principal.userId,
        },
        update: { nodeName, mode, updatedById: ctx.principal.userId },
      });
    });
    await moveWaitingJobs(ctx);
    return { assignment: assignmentOut(row) };
  });
