import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import {
  tokenCreateInput,
  tokenCreateOutput,
  tokenListInput,
  tokenListOutput,
  tokenRevokeInput,
} from '../schemas/index.ts';
import { issueToken, toIso } from '../tokens.ts';
import { authedProcedure, router } from '../trpc.ts';

const summary = (row: {
  id: string;
  name: string;
  kind: 'session' | 'api';
  prefix: string;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}) => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
  prefix: row.prefix,
  expiresAt: toIso(row.expiresAt),
  lastUsedAt: toIso(row.lastUsedAt),
  createdAt: row.createdAt.toISOString(),
});

export const tokenRouter = router({
  create: authedProcedure
    .meta({ http: { method: 'POST', status: 201 }, summary: 'Create an API token (shown once)' })
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
      return { ...summary(row), token };
    }),

  list: authedProcedure
    .meta({ http: { method: 'GET' }, summary: "The caller's live tokens (never their secrets)" })
    .input(tokenListInput)
    .output(tokenListOutput)
    .query(async ({ ctx, input }) => {
      const where = {
        userId: ctx.principal.userId,
        revokedAt: null,
        OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }],
        ...(input.search ? { name: { contains: input.search, mode: 'insensitive' as const } } : {}),
      };
      const [rows, total] = await Promise.all([
        ctx.db.apiToken.findMany({
          where,
          orderBy: [{ [input.sort]: input.order }, { id: input.order }],
          skip: (input.page - 1) * input.limit,
          take: input.limit,
        }),
        ctx.db.apiToken.count({ where }),
      ]);
      return { items: rows.map(summary), total, page: input.page, limit: input.limit };
    }),

  revoke: authedProcedure
    .meta({ http: { method: 'DELETE', status: 204 }, summary: 'Revoke one of your tokens' })
    .input(tokenRevokeInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      Object.assign(ctx.audit, { targetType: 'token', targetId: input.tokenId });
      const revoked = await ctx.db.apiToken.updateMany({
        where: { id: input.tokenId, userId: ctx.principal.userId, revokedAt: null },
        data: { revokedAt: new Date() },
      });
      if (revoked.count === 0)
        throw new TRPCError({ code: 'NOT_FOUND', message: 'Token not found' });
      ctx.sessions.forgetToken(input.tokenId);
    }),
});
