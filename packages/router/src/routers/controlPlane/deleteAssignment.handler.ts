import { instanceSessionProcedure, type Meta } from '../../trpc.ts';
import {
  controlPlaneDeleteAssignmentInput,
  controlPlaneDeleteAssignmentOutput,
} from './deleteAssignment.schema.ts';
import { assignableEntity, moveWaitingJobs } from './entities.ts';

export const meta = {
  summary: "Unpin a cluster's or app's jobs: any worker takes them again",
  http: { method: 'DELETE' },
  input: controlPlaneDeleteAssignmentInput,
  output: controlPlaneDeleteAssignmentOutput,
} satisfies Meta;

export const procedure = instanceSessionProcedure
  .meta(meta)
  .input(controlPlaneDeleteAssignmentInput)
  .output(controlPlaneDeleteAssignmentOutput)
  .mutation(async ({ ctx, input }) => {
    const { entityType, entityId } = input;
    // The cluster-admin page's name for the event.
    ctx.audit.action = 'cluster.assignment.delete';
    await assignableEntity(ctx, entityType, entityId);
    const { count } = await ctx.db.controlPlaneAssignment.deleteMany({
      where: { entityType, entityId },
    });
    if (count > 0) await moveWaitingJobs(ctx);
    return { removed: count > 0 };
  });
