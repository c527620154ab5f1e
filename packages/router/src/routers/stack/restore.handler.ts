import type { Prisma } from '@flotilla/db';
import { stackDefinitionContext } from '@flotilla/secrets';
import type { Meta } from '../../trpc.ts';
import { stackProcedure } from './access.ts';
import { stackRestoreInput, stackRestoreOutput } from './restore.schema.ts';
import { openVersionDefinition, peopleOf, runOut, runSelect } from './rows.ts';
import { lockStack, queueRun } from './runs.ts';
import { versionOf } from './versions.ts';

export const meta = {
  summary:
    'Deploy a stored version again, its images pinned by the digests it last ran with (no re-resolve); it becomes the draft too',
  http: { method: 'POST', status: 201 },
  input: stackRestoreInput,
  output: stackRestoreOutput,
} satisfies Meta;

/** service → image as the version's newest successful run recorded it. */
function pinnedImagesOf(services: Prisma.JsonValue | undefined): Record<string, string> {
  if (!Array.isArray(services)) return {};
  const pinned: Record<string, string> = {};
  for (const entry of services as { name?: unknown; image?: unknown }[]) {
    if (typeof entry?.name === 'string' && typeof entry.image === 'string') {
      pinned[entry.name] = entry.image;
    }
  }
  return pinned;
}

export const procedure = stackProcedure('manage', stackRestoreInput)
  .meta(meta)
  .output(stackRestoreOutput)
  .mutation(async ({ ctx, input }) => {
    const { stack } = ctx;
    const result = await ctx.db.$transaction(async (tx) => {
      await lockStack(tx, stack.id, 'deploy');
      const version = await versionOf(tx, stack.id, input.version);
      const ran = await tx.stackRun.findFirst({
        where: { versionId: version.id, status: 'succeeded' },
        orderBy: { ordinal: 'desc' },
        select: { services: true },
      });
      // The draft follows, so the next stack.deploy does not bring the newer definition back.
      const definition = openVersionDefinition(ctx.sealer, version);
      await tx.stack.update({
        where: { id: stack.id },
        data: {
          compose: version.compose,
          profiles: version.profiles,
          definitionEncrypted: ctx.sealer.seal(
            JSON.stringify(definition),
            stackDefinitionContext(stack.id),
          ),
        },
      });
      const id = await queueRun(tx, {
        stackId: stack.id,
        clusterId: stack.clusterId,
        versionId: version.id,
        trigger: 'restore',
        pinnedImages: pinnedImagesOf(ran?.services),
        createdById: ctx.principal.userId,
      });
      const row = await tx.stackRun.findUniqueOrThrow({ where: { id }, select: runSelect });
      return runOut(row, await peopleOf(tx, [row.createdById]));
    });
    ctx.audit.details = `Restoring version ${input.version} of stack ${stack.name}`;
    ctx.onOutboxWritten();
    return result;
  });
