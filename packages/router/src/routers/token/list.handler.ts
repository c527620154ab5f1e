import { nameSearch, sortedPage } from '../../paging.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { tokenListInput, tokenListOutput } from './list.schema.ts';
import { tokenOut } from './rows.ts';

export const meta = {
  summary: "The caller's live tokens (never their secrets)",
  http: { method: 'GET' },
  input: tokenListInput,
  output: tokenListOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .input(tokenListInput)
  .output(tokenListOutput)
  .query(async ({ ctx, input }) => {
    const where = {
      userId: ctx.principal.userId,
      revokedAt: null,
      OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }],
      ...nameSearch(input.search),
    };
    const [rows, total] = await Promise.all([
      ctx.db.apiToken.findMany({ where, ...sortedPage(input) }),
      ctx.db.apiToken.count({ where }),
    ]);
    return { items: rows.map(tokenOut), total, page: input.page, limit: input.limit };
  });
