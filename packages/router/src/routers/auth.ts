import { randomBytes } from 'node:crypto';
import { newId } from '@flotilla/db';
import { hashPassword, hashToken, verifyPassword } from '@flotilla/secrets';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { Context } from '../context.ts';
import {
  acceptInviteInput,
  authStatusOutput,
  loginInput,
  meOutput,
  registerInput,
  sessionOutput,
} from '../schemas/index.ts';
import { issueToken, sessionLifetimeMs } from '../tokens.ts';
import { authedProcedure, publicProcedure, router } from '../trpc.ts';

function slugFor(name: string): string {
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${base || 'org'}-${randomBytes(3).toString('hex')}`;
}

const userOut = (user: { id: string; email: string; name: string; createdAt: Date }) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  createdAt: user.createdAt.toISOString(),
});

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === 'P2002';
}

function tooMany(ctx: Context, wait: number): never {
  ctx.resHeaders['retry-after'] = String(wait);
  throw new TRPCError({
    code: 'TOO_MANY_REQUESTS',
    message: `Too many attempts from this address; try again in ${wait} s`,
  });
}

// Every endpoint that hashes a password spends ~60 ms of CPU: each counts against the
// address's window, so none of them is a cheap way to burn the server or guess passwords.
function limitAddress(ctx: Context): void {
  const wait = ctx.loginPerIp.hit(ctx.req.ip);
  if (wait > 0) tooMany(ctx, wait);
}

export const authRouter = router({
  // Public: the sign-in page uses it to offer "create the first account" only on a fresh install.
  status: publicProcedure
    .meta({ http: { method: 'GET' }, summary: 'Who may register now', public: true })
    .output(authStatusOutput)
    .query(async ({ ctx }) => {
      if (ctx.openSignup) return { signup: 'open' as const };
      const anyone = await ctx.db.user.findFirst({ select: { id: true } });
      return { signup: anyone ? ('invitation-only' as const) : ('first-user' as const) };
    }),

  register: publicProcedure
    .meta({
      http: { method: 'POST', status: 201 },
      summary: 'Create an account and its organization',
      public: true,
    })
    .input(registerInput)
    .output(sessionOutput)
    .mutation(async ({ ctx, input }) => {
      limitAddress(ctx);
      const passwordHash = await hashPassword(input.password);
      try {
        const result = await ctx.db.$transaction(async (tx) => {
          // Serialises concurrent sign-ups so "only the first user" cannot be raced.
          await tx.$executeRaw`select pg_advisory_xact_lock(hashtext('flotilla.register'))`;
          if (!ctx.openSignup && (await tx.user.count()) > 0) {
            throw new TRPCError({
              code: 'FORBIDDEN',
              message: 'Sign-up is closed: ask an organization admin for an invitation',
            });
          }
          const user = await tx.user.create({
            data: { id: newId('usr'), email: input.email, name: input.name, passwordHash },
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
          const expiresAt = new Date(Date.now() + sessionLifetimeMs);
          const { token } = await issueToken(tx, user.id, 'session', 'login', expiresAt);
          return { user, organization, token, expiresAt };
        });
        Object.assign(ctx.audit, {
          actorId: result.user.id,
          organizationId: result.organization.id,
          targetType: 'user',
          targetId: result.user.id,
        });
        return {
          token: result.token,
          expiresAt: result.expiresAt.toISOString(),
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
    }),

  login: publicProcedure
    .meta({
      http: { method: 'POST' },
      summary: 'Exchange email and password for a session token',
      public: true,
    })
    .input(loginInput)
    .output(sessionOutput)
    .mutation(async ({ ctx, input }) => {
      limitAddress(ctx);
      const wait = ctx.loginPerAccount.hit(input.email);
      if (wait > 0) tooMany(ctx, wait);
      const user = await ctx.db.user.findUnique({ where: { email: input.email } });
      // verifyPassword hashes against a decoy when there is no such user: same time either way.
      const valid = await verifyPassword(input.password, user?.passwordHash);
      if (!user || !valid) {
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Invalid email or password' });
      }
      ctx.loginPerAccount.reset(input.email);
      ctx.audit.actorId = user.id;
      const expiresAt = new Date(Date.now() + sessionLifetimeMs);
      const { token, row } = await issueToken(ctx.db, user.id, 'session', 'login', expiresAt);
      ctx.audit.tokenId = row.id;
      return { token, expiresAt: expiresAt.toISOString(), user: userOut(user) };
    }),

  acceptInvite: publicProcedure
    .meta({
      http: { method: 'POST' },
      summary: 'Join an organization with an invitation token (creates the account if needed)',
      public: true,
    })
    .input(acceptInviteInput)
    .output(sessionOutput)
    .mutation(async ({ ctx, input }) => {
      limitAddress(ctx);
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
        const expiresAt = new Date(Date.now() + sessionLifetimeMs);
        const { token } = await issueToken(tx, user.id, 'session', 'login', expiresAt);
        return { user, token, expiresAt };
      });
      Object.assign(ctx.audit, {
        actorId: result.user.id,
        organizationId: invitation.organizationId,
        targetType: 'invitation',
        targetId: invitation.id,
      });
      return {
        token: result.token,
        expiresAt: result.expiresAt.toISOString(),
        user: userOut(result.user),
        organization: {
          id: invitation.organization.id,
          name: invitation.organization.name,
          slug: invitation.organization.slug,
          role: invitation.role,
        },
      };
    }),

  me: authedProcedure
    .meta({ http: { method: 'GET' }, summary: 'The caller and their organizations' })
    .output(meOutput)
    .query(async ({ ctx }) => {
      const user = await ctx.db.user.findUniqueOrThrow({
        where: { id: ctx.principal.userId },
        include: {
          memberships: { include: { organization: true }, orderBy: { createdAt: 'asc' } },
        },
      });
      return {
        ...userOut(user),
        organizations: user.memberships.map((m) => ({
          id: m.organization.id,
          name: m.organization.name,
          slug: m.organization.slug,
          role: m.role,
        })),
      };
    }),

  logout: authedProcedure
    .meta({ http: { method: 'POST' }, summary: 'Revoke the token this request was made with' })
    .output(z.object({ revoked: z.boolean() }))
    .mutation(async ({ ctx }) => {
      await ctx.db.apiToken.update({
        where: { id: ctx.principal.tokenId },
        data: { revokedAt: new Date() },
      });
      ctx.sessions.forgetToken(ctx.principal.tokenId);
      return { revoked: true };
    }),
});
