import { TRPCError } from '@trpc/server';
import { issueToken } from '../../tokens.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { tokenCreateInput, tokenCreateOutput } from './create.schema.ts';
import { tokenOut } from './rows.ts';

export const meta = {
  summary: 'Create an API token (shown once)',
  http: { method: 'POST', status: 201 },
  input: tokenCreateInput,
  output: tokenCreateOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .input(tokenCreateInput)
  .output(tokenCreateOutput)
  .mutation(async ({ ctx, input }) => {
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: 'expiresAt: must be in the future' });
    }
    const { token, row } = await issueToken(
      ctx.db,
      ctx.principal.userId,
      'api',
      input.name,
      expiresAt,
    );
    Object.assign(ctx.audit, { targetType: 'token', targetId: row.id });
    return { ...tokenOut(row), token };
  });
