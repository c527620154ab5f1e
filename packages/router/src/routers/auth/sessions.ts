// What the procedures that hand out sessions share: the user as answered, and the per-address
// limit on attempts.
import { TRPCError } from '@trpc/server';
import type { Context } from '../../context.ts';

export const userOut = (user: { id: string; email: string; name: string; createdAt: Date }) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  createdAt: user.createdAt.toISOString(),
});

/** The token and its ends, as every procedure that hands out a session answers them. */
export const sessionOut = (session: { token: string; expiresAt: Date; idleExpiresAt: Date }) => ({
  token: session.token,
  expiresAt: session.expiresAt.toISOString(),
  idleExpiresAt: session.idleExpiresAt.toISOString(),
});

/** Who may register now: anyone (open sign-up), the very first user, or the invited. */
export async function signupNow(ctx: Context): Promise<'open' | 'first-user' | 'invitation-only'> {
  if (ctx.openSignup) return 'open';
  const anyone = await ctx.db.user.findFirst({ select: { id: true } });
  return anyone ? 'invitation-only' : 'first-user';
}

export function tooMany(ctx: Context, wait: number): never {
  ctx.resHeaders['retry-after'] = String(wait);
  throw new TRPCError({
    code: 'TOO_MANY_REQUESTS',
    message: `Too many attempts from this address; try again in ${wait} s`,
  });
}

// Every endpoint that hashes a password spends ~60 ms of CPU: each counts against the
// address's window, so none of them is a cheap way to burn the server or guess passwords.
export async function limitAddress(ctx: Context): Promise<void> {
  const wait = await ctx.loginPerIp.hit(ctx.req.ip);
  if (wait > 0) tooMany(ctx, wait);
}

/** Attempts at one account's password (login, password change), from any address. */
export async function limitAccount(ctx: Context, email: string): Promise<void> {
  const wait = await ctx.loginPerAccount.hit(email);
  if (wait > 0) tooMany(ctx, wait);
}
