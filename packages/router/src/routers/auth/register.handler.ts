import { randomBytes } from 'node:crypto';
import { isUniqueViolation, newId } from '@flotilla/db';
import { hashPassword } from '@flotilla/secrets';
import { TRPCError } from '@trpc/server';
import { issueSession } from '../../tokens.ts';
import { type Meta, publicProcedure } from '../../trpc.ts';
import { registerInput, registerOutput } from './register.schema.ts';
import { limitAddress, sessionOut, userOut } from './sessions.ts';

export const meta = {
  summary: 'Create an account and its organization',
  http: { method: 'POST', status: 201 },
  public: true,
  input: registerInput,
  output: registerOutput,
} satisfies Meta;

function slugFor(name: string): string {
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${base || 'org'}-${randomBytes(3).toString('hex')}`;
}

export const procedure = publicProcedure
  .meta(meta)
  .input(registerInput)
  .output(registerOutput)
  .mutation(async ({ ctx, input }) => {
    await limitAddress(ctx);
    const passwordHash = await hashPassword(input.password);
    try {
      const result = await ctx.db.$transaction(async (tx) => {
        // Serialises concurrent sign-ups so "only the first user" cannot be raced.
        await tx.$executeRaw`select pg_advisory_xact_lock(hashtext('flotilla.register'))`;
        const first = (await tx.user.count()) === 0;
        if (!ctx.openSignup && !first) {
          throw new TRPCError({
            code: 'FORBIDDEN',
            message: 'Sign-up is closed: ask an organization admin for an invitation',
          });
        }
        const user = await tx.user.create({
          // The first user administers the instance (quotas; issue 19's control plane).
          data: {
            id: newId('usr'),
            email: input.email,
            name: input.name,
            passwordHash,
            instanceAdmin: first,
          },
        });
        const orgName = input.organizationName ?? `${input.name}'s organization`;
        const organization = await tx.organization.create({
          data: { id: newId('org'), name: orgName, slug: slugFor(orgName) },
        });
        await tx.membership.create({
          data: {
            id: newId('mem'),
            organizationId: organization.id,
            userId: user.id,
            role: 'owner',
          },
        });
        const session = await issueSession(tx, ctx, user.id);
        return { user, organization, session };
      });
      Object.assign(ctx.audit, {
        actorId: result.user.id,
        organizationId: result.organization.id,
        targetType: 'user',
        targetId: result.user.id,
      });
      return {
        ...sessionOut(result.session),
        user: userOut(result.user),
        organization: {
          id: result.organization.id,
          name: result.organization.name,
          slug: result.organization.slug,
          role: 'owner' as const,
        },
      };
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new TRPCError({ code: 'CONFLICT', message: 'An account with this email exists' });
      }
      throw error;
    }
  });
