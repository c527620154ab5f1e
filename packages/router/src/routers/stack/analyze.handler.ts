import { TRPCError } from '@trpc/server';
import { clusterPermission } from '../../access.ts';
import { type AuthedContext, authedProcedure, type Meta } from '../../trpc.ts';
import { stackAnalyzeInput, stackAnalyzeOutput } from './analyze.schema.ts';
import { analyzeCompose, composeTextOf, prepareStack } from './compose.ts';
import { openVariables, servicesOf } from './rows.ts';

export const meta = {
  summary:
    'What of a docker-compose file carries over to a stack on Swarm and on Kubernetes, and what does not, each with a reason; changes nothing',
  http: { method: 'POST', upload: { field: 'file' } },
  input: stackAnalyzeInput,
  output: stackAnalyzeOutput,
} satisfies Meta;

/** A stack's stored variables and profiles, for a caller who may see the stack. */
async function storedDraft(ctx: AuthedContext, stackId: string) {
  const stack = await ctx.db.stack.findUnique({
    where: { id: stackId },
    select: { id: true, clusterId: true, profiles: true, variablesEncrypted: true },
  });
  const visible = stack ? await clusterPermission(ctx, stack.clusterId) : null;
  if (!stack || !visible?.permission) {
    throw new TRPCError({ code: 'NOT_FOUND', message: 'Stack not found' });
  }
  return {
    variables: openVariables(ctx.sealer, stack.id, stack.variablesEncrypted),
    profiles: stack.profiles,
  };
}

// Any signed-in caller: it reads only the file it is given (and, with stackId, a stack the
// caller may see).
export const procedure = authedProcedure
  .meta(meta)
  .input(stackAnalyzeInput)
  .output(stackAnalyzeOutput)
  .mutation(async ({ ctx, input }) => {
    const stored = input.stackId ? await storedDraft(ctx, input.stackId) : undefined;
    const source = {
      compose: await composeTextOf(input),
      variables: Object.keys(input.variables).length ? input.variables : (stored?.variables ?? {}),
      profiles: input.profiles.length ? input.profiles : (stored?.profiles ?? []),
    };
    const analysis = analyzeCompose(source);
    const preview = analysis.deployable.swarm
      ? servicesOf(prepareStack({ ...source, drop: true }, 'swarm').definition)
      : [];
    return { ...analysis, preview };
  });
