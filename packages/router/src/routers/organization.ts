import { newId } from '@flotilla/db';
import { generateToken, hashToken } from '@flotilla/secrets';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { requireOrgAdmin, requireOrgMember } from '../access.ts';
import {
  inviteInput,
  inviteOutput,
  membersInput,
  membersOutput,
  organization,
  organizationOneInput,
} from '../schemas/index.ts';
import { authedProcedure, router } from '../trpc.ts';

const invitationLifetimeMs = 7 * 24 * 3600_000;

const orgOut = (
  org: { id: string; name: string; slug: string; createdAt: Date },
  role: 'owner' | 'admin' | 'member',
) => ({
  id: org.id,
  name: org.name,
  slug: org.slug,
  role,
  createdAt: org.createdAt.toISOString(),
});

export const organizationRouter = router({
  all: authedProcedure
    .meta({ http: { method: 'GET' }, summary: 'Organizations the caller belongs to' })
    .output(z.array(organization))
    .query(async ({ ctx }) => {
      const memberships = await ctx.db.membership.findMany({
        where: { userId: ctx.principal.userId },
        include: { organization: true },
        orderBy: { createdAt: 'asc' },
      });
      return memberships.map((m) => orgOut(m.organization, m.role));
    }),

  one: authedProcedure
    .meta({ http: { method: 'GET' }, summary: 'One organization' })
    .input(organizationOneInput)
    .output(organization)
    .query(async ({ ctx, input }) => {
      const role = await requireOrgMember(ctx, input.organizationId);
      const org = await ctx.db.organization.findUniqueOrThrow({
        where: { id: input.organizationId },
      });
      return orgOut(org, role);
    }),

  members: authedProcedure
    .meta({ http: { method: 'GET' }, summary: 'Members of an organization and their roles' })
    .input(membersInput)
    .output(membersOutput)
    .query(async ({ ctx, input }) => {
      await requireOrgMember(ctx, input.organizationId);
      const search = input.search
        ? {
            user: {
              OR: [
                { email: { contains: input.search, mode: 'insensitive' as const } },
                { name: { contains: input.search, mode: 'insensitive' as const } },
              ],
            },
          }
        : {};
      const where = { organizationId: input.organizationId, ...search };
      const orderBy =
        input.sort === 'createdAt'
          ? [{ createdAt: input.order }, { id: input.order }]
          : [{ user: { [input.sort]: input.order } }, { id: input.order }];
      const [rows, total] = await Promise.all([
        ctx.db.membership.findMany({
          where,
          include: { user: true },
          orderBy,
          skip: (input.page - 1) * input.limit,
          take: input.limit,
        }),
        ctx.db.membership.count({ where }),
      ]);
      return {
        items: rows.map((m) => ({
          userId: m.userId,
          email: m.user.email,
          name: m.user.name,
          role: m.role,
          joinedAt: m.createdAt.toISOString(),
        })),
        total,
        page: input.page,
        limit: input.limit,
      };
    }),

  invite: authedProcedure
    .meta({
      http: { method: 'POST', status: 201 },
      summary: 'Invite someone by email; the token (shown once) goes to auth.acceptInvite',
    })
    .input(inviteInput)
    .output(inviteOutput)
    .mutation(async ({ ctx, input }) => {
      const role = await requireOrgAdmin(ctx, input.organizationId);
      if (input.role === 'owner' && role !== 'owner') {
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
    }),
});
