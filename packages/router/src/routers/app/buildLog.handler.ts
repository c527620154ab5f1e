import { fieldError } from '../../errors.ts';
import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { appBuildLogInput, appBuildLogOutput } from './buildLog.schema.ts';

export const meta = {
  summary:
    "A build's output as it was written (the latest build unless named); page on with afterId",
  http: { method: 'GET' },
  input: appBuildLogInput,
  output: appBuildLogOutput,
} satisfies Meta;

export const procedure = appProcedure('view', appBuildLogInput)
  .meta(meta)
  .output(appBuildLogOutput)
  .query(async ({ ctx, input }) => {
    const build = await ctx.db.build.findFirst({
      where: { appId: ctx.app.id, ...(input.buildId ? { id: input.buildId } : {}) },
      orderBy: { createdAt: 'desc' },
    });
    if (!build) {
      if (input.buildId) throw fieldError('buildId', 'no build with this id for this app');
      return { build: null, lines: [] };
    }
    const lines = await ctx.db.buildLog.findMany({
      where: { buildId: build.id, ...(input.afterId ? { id: { gt: BigInt(input.afterId) } } : {}) },
      orderBy: { id: 'asc' },
      take: input.limit,
    });
    return {
      build: {
        id: build.id,
        deploymentId: build.deploymentId,
        source: build.source,
        status: build.status,
        reason: build.reason,
        commit: build.commit,
        image: build.image,
        startedAt: build.startedAt?.toISOString() ?? null,
        finishedAt: build.finishedAt?.toISOString() ?? null,
        createdAt: build.createdAt.toISOString(),
      },
      lines: lines.map((line) => ({
        id: line.id.toString(),
        level: line.level,
        message: line.message,
        at: line.createdAt.toISOString(),
      })),
    };
  });
