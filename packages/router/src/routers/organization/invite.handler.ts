import { newId } from '@flotilla/db';
import { generateToken, hashToken } from '@flotilla/secrets';
import { TRPCError } from '@trpc/server';
import { type Meta, organizationProcedure } from '../../trpc.ts';
import { inviteInput, inviteOutput } from './invite.schema.ts';

export const meta = {
  summary: 'Invite someone by email; the token (shown once) goes to auth.acceptInvite',
  http: { method: 'POST', status: 201 },
  input: inviteInput,
  output: inviteOutput,
} satisfies Meta;

const invitationLifetimeMs = 7 * 24 * 3600_000;

export const procedure = organizationProcedure('admin', inviteInput)
  .meta(meta)
  .output(inviteOutput)
  .mutation(async ({ ctx, input }) => {
    if (input.role === 'owner' && ctx.organizationRole !== 'owner') {
      throw new TRPCError({ code: 'FORBIDDEN', message: 'Only an owner can invite an owner' });
    }
    const token = generateToken('fli');
    const invitation = await ctx.db.invitation.create({
      data: {
        id: newId('inv'),
        organizationId: input.organizationId,
        email: input.email,
        role: input.role,
        tokenHash: hashToken(token),
        invitedById: ctx.principal.userId,
        expiresAt: new Date(Date.now() + invitationLifetimeMs),
      },
    });
    Object.assign(ctx.audit, { targetType: 'invitation', targetId: invitation.id });
    return {
      id: invitation.id,
      email: invitation.email,
      role: invitation.role,
      expiresAt: invitation.expiresAt.toISOString(),
      token,
    };
  });
