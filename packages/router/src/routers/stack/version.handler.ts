import type { Meta } from '../../trpc.ts';
import { stackProcedure } from './access.ts';
import { openVersionDefinition, openVersionRendered, peopleOf, servicesOf } from './rows.ts';
import { stackVersionInput, stackVersionOutput } from './version.schema.ts';
import { versionOf } from './versions.ts';

export const meta = {
  summary:
    'One version of a stack: the compose file as given, its services, and (manage) the file deployed',
  http: { method: 'GET' },
  input: stackVersionInput,
  output: stackVersionOutput,
  // The rendered file holds the variables' values.
  audit: true,
} satisfies Meta;

export const procedure = stackProcedure('view', stackVersionInput)
  .meta(meta)
  .output(stackVersionOutput)
  .query(async ({ ctx, input }) => {
    const version = await versionOf(ctx.db, ctx.stack.id, input.version);
    const people = await peopleOf(ctx.db, [version.createdById]);
    const mayManage = ctx.stackPermission === 'manage';
    return {
      id: version.id,
      version: version.ordinal,
      digest: version.digest,
      services: version.services,
      variableNames: version.variableNames,
      current: version.id === ctx.stack.currentVersionId,
      createdBy: version.createdById ? (people.get(version.createdById) ?? null) : null,
      createdAt: version.createdAt.toISOString(),
      compose: version.compose,
      profiles: version.profiles,
      definition: servicesOf(openVersionDefinition(ctx.sealer, version)),
      rendered: mayManage ? openVersionRendered(ctx.sealer, version) : null,
    };
  });
