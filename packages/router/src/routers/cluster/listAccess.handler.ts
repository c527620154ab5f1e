import { clusterProcedure, type Meta } from '../../trpc.ts';
import { listAccessInput, listAccessOutput } from './listAccess.schema.ts';

export const meta = {
  summary: 'Who has been granted access to the cluster',
  http: { method: 'GET' },
  input: listAccessInput,
  output: listAccessOutput,
} satisfies Meta;

export const procedure = clusterProcedure('manage', listAccessInput)
  .meta(meta)
  .output(listAccessOutput)
  .query(async ({ ctx }) => {
    const rows = await ctx.db.clusterAccess.findMany({
      where: { clusterId: ctx.cluster.id },
      include: { user: true },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((row) => ({
      userId: row.userId,
      email: row.user.email,
      name: row.user.name,
      permission: row.permission,
      createdAt: row.createdAt.toISOString(),
    }));
  });
