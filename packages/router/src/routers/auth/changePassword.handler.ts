import { hashPassword, verifyPassword } from '@flotilla/secrets';
import { fieldError } from '../../errors.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { changePasswordInput, changePasswordOutput } from './changePassword.schema.ts';
import { limitAccount, limitAddress } from './sessions.ts';

export const meta = {
  summary: 'Change your password; every other dashboard session of yours ends',
  http: { method: 'POST' },
  input: changePasswordInput,
  output: changePasswordOutput,
} satisfies Meta;

// API tokens are left alone: they are separate credentials, each revoked on its own
// (token.revoke); a password change is about who can sign in.
export const procedure = authedProcedure
  .meta(meta)
  .input(changePasswordInput)
  .output(changePasswordOutput)
  .mutation(async ({ ctx, input }) => {
    const { principal } = ctx;
    Object.assign(ctx.audit, { targetType: 'user', targetId: principal.userId });
    // A stolen session must not become a free password-guessing oracle.
    await limitAddress(ctx);
    await limitAccount(ctx, principal.email);
    const user = await ctx.db.user.findUniqueOrThrow({ where: { id: principal.userId } });
    if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
      throw fieldError('currentPassword', 'is not your current password');
    }
    await ctx.loginPerAccount.reset(principal.email);
    const passwordHash = await hashPassword(input.newPassword);
    const ended = await ctx.db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
      const others = await tx.apiToken.findMany({
        where: {
          userId: user.id,
          kind: 'session',
          revokedAt: null,
          id: { not: principal.tokenId },
        },
        select: { id: true },
      });
      await tx.apiToken.updateMany({
        where: { id: { in: others.map((row) => row.id) } },
        data: { revokedAt: new Date() },
      });
      return others.map((row) => row.id);
    });
    await ctx.sessions.revoked(ended);
    return { endedSessions: ended.length };
  });
