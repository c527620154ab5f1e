import type { Prisma, TokenKind } from '@flotilla/db';
import { newId } from '@flotilla/db';
import { generateToken, hashToken } from '@flotilla/secrets';
import { type SessionLifetimes, tokenDeadline } from './session.ts';

const prefixes: Record<TokenKind, string> = { api: 'flt', session: 'fls' };

/** Creates a bearer token; the secret is returned here once and only its hash is stored. */
export async function issueToken(
  tx: Prisma.TransactionClient,
  userId: string,
  kind: TokenKind,
  name: string,
  expiresAt: Date | null,
  origin: { ip?: string; userAgent?: string | undefined; createdAt?: Date; lastUsedAt?: Date } = {},
) {
  const token = generateToken(prefixes[kind]);
  const row = await tx.apiToken.create({
    data: {
      id: newId('tok'),
      userId,
      kind,
      name,
      tokenHash: hashToken(token),
      prefix: token.slice(0, 8),
      expiresAt,
      ip: origin.ip ?? null,
      userAgent: origin.userAgent?.slice(0, 300) ?? null,
      ...(origin.createdAt ? { createdAt: origin.createdAt } : {}),
      ...(origin.lastUsedAt ? { lastUsedAt: origin.lastUsedAt } : {}),
    },
  });
  return { token, row };
}

/**
 * A dashboard session for `userId`, signed in from the request's address. `signedInAt` carries
 * an earlier sign-in over to a refreshed token: the absolute lifetime counts from it.
 */
export async function issueSession(
  tx: Prisma.TransactionClient,
  ctx: { req: { ip: string; userAgent?: string | undefined }; sessionLifetimes: SessionLifetimes },
  userId: string,
  signedInAt?: Date,
) {
  const now = new Date();
  const since = signedInAt ?? now;
  const expiresAt = new Date(since.getTime() + ctx.sessionLifetimes.maxAgeMs);
  const { token, row } = await issueToken(tx, userId, 'session', 'login', expiresAt, {
    ip: ctx.req.ip,
    userAgent: ctx.req.userAgent,
    createdAt: since,
    // A refreshed token is in use now, though its sign-in is older.
    ...(signedInAt ? { lastUsedAt: now } : {}),
  });
  return {
    token,
    row,
    expiresAt,
    idleExpiresAt: new Date(tokenDeadline(row, ctx.sessionLifetimes)),
  };
}

export function toIso(date: Date): string;
export function toIso(date: Date | null): string | null;
export function toIso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}
