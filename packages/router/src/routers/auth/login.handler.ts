import { verifyPassword } from '@flotilla/secrets';
import { TRPCError } from '@trpc/server';
import { issueSession } from '../../tokens.ts';
import { type Meta, publicProcedure } from '../../trpc.ts';
import { loginInput, loginOutput } from './login.schema.ts';
import { limitAccount, limitAddress, sessionOut, userOut } from './sessions.ts';

export const meta = {
  summary: 'Exchange email and password for a session token',
  http: { method: 'POST' },
  public: true,
  input: loginInput,
  output: loginOutput,
} satisfies Meta;

export const procedure = publicProcedure
  .meta(meta)
  .input(loginInput)
  .output(loginOutput)
  .mutation(async ({ ctx, input }) => {
    await limitAddress(ctx);
    await limitAccount(ctx, input.email);
    const user = await ctx.db.user.findUnique({ where: { email: input.email } });
    // verifyPassword hashes against a decoy when there is no such user: same time either way.
    const valid = await verifyPassword(input.password, user?.passwordHash);
    if (!user || !valid) {
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Invalid email or password' });
    }
    await ctx.loginPerAccount.reset(input.email);
    ctx.audit.actorId = user.id;
    const session = await issueSession(ctx.db, ctx, user.id);
    ctx.audit.tokenId = session.row.id;
    return { ...sessionOut(session), user: userOut(user) };
  });
