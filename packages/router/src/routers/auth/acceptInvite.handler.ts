import { newId } from '@flotilla/db';
import { hashPassword, hashToken, verifyPassword } from '@flotilla/secrets';
import { TRPCError } from '@trpc/server';
import { issueSession } from '../../tokens.ts';
import { type Meta, publicProcedure } from '../../trpc.ts';
import { acceptInviteInput, acceptInviteOutput } from './acceptInvite.schema.ts';
import { limitAddress, sessionOut, userOut } from './sessions.ts';

export const meta = {
  summary: 'Join an organization with an invitation token (creates the account if needed)',
  http: { method: 'POST' },
  public: true,
  input: acceptInviteInput,
  output: acceptInviteOutput,
} satisfies Meta;

export const procedure = publicProcedure
  .meta(meta)
  .input(acceptInviteInput)
  .output(acceptInviteOutput)
  .mutation(async ({ ctx, input }) => {
    await limitAddress(ctx);
    const invitation = await ctx.db.invitation.findUnique({
      where: { tokenHash: hashToken(input.token) },
      include: { organization: true },
    });
    if (!invitation || invitation.acceptedAt || invitation.expiresAt.getTime() <= Date.now()) {
      throw new TRPCError({ code: 'NOT_FOUND', message: 'Invitation not found or expired' });
    }
    const existing = await ctx.db.user.findUnique({ where: { email: invitation.email } });
    if (existing && !(await verifyPassword(input.password, existing.passwordHash))) {
      throw new TRPCError({
        code: 'UNAUTHORIZED',
        message: 'An account with this email exists: give its password to accept',
      });
    }
    if (!existing && !input.name) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: 'name: required for a new account' });
    }
    const passwordHash = existing ? null : await hashPassword(input.password);
    const result = await ctx.db.$transaction(async (tx) => {
      // Accept once: a second use of the same token finds it already taken.
      const claimed = await tx.invitation.updateMany({
        where: { id: invitation.id, acceptedAt: null },
        data: { acceptedAt: new Date() },
      });
      if (claimed.count !== 1) {
        throw new TRPCError({ code: 'NOT_FOUND', message: 'Invitation not found or expired' });
      }
      const user =
        existing ??
        (await tx.user.create({
          data: {
            id: newId('usr'),
            email: invitation.email,
            name: input.name ?? invitation.email,
            passwordHash: passwordHash as string,
          },
        }));
      await tx.membership.upsert({
        where: {
          organizationId_userId: { organizationId: invitation.organizationId, userId: user.id },
        },
        create: {
          id: newId('mem'),
          organizationId: invitation.organizationId,
          userId: user.id,
          role: invitation.role,
        },
        update: { role: invitation.role },
      });
      const session = await issueSession(tx, ctx, user.id);
      return { user, session };
    });
    Object.assign(ctx.audit, {
      actorId: result.user.id,
      organizationId: invitation.organizationId,
      targetType: 'invitation',
      targetId: invitation.id,
    });
    return {
      ...sessionOut(result.session),
      user: userOut(result.user),
      organization: {
        id: invitation.organization.id,
        name: invitation.organization.name,
        slug: invitation.organization.slug,
        role: invitation.role,
      },
    };
  });
