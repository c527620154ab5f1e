import type { Prisma, TokenKind } from '@flotilla/db';
import { newId } from '@flotilla/db';
import { generateToken, hashToken } from '@flotilla/secrets';

export const sessionLifetimeMs = 7 * 24 * 3600_000;

const prefixes: Record<TokenKind, string> = { api: 'flt', session: 'fls' };

/** Creates a bearer token; the secret is returned here once and only its hash is stored. */
export async function issueToken(
  tx: Prisma.TransactionClient,
  userId: string,
  kind: TokenKind,
  name: string,
  expiresAt: Date | null,
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
    },
  });
  return { token, row };
}

export function toIso(date: Date): string;
export function toIso(date: Date | null): string | null;
export function toIso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}
