// Bearer tokens → users. Session tokens (auth.login) and API tokens (token.create) are the same
// kind of secret, stored as a SHA-256 hash; a lookup is by hash, so no secret is ever compared.
// Hits are cached for a few seconds: the hot read path then costs no token query. A token
// revoked in this process leaves the cache at once; in another API process it may be honoured
// for up to `ttlMs` longer.
import type { Db } from '@flotilla/db';
import { hashToken } from '@flotilla/secrets';

export interface Principal {
  userId: string;
  email: string;
  name: string;
  tokenId: string;
  tokenKind: 'session' | 'api';
}

interface Entry {
  principal: Principal;
  expiresAt: number;
}

export interface SessionCache {
  resolve(token: string): Promise<Principal | null>;
  forgetToken(tokenId: string): void;
}

export function createSessionCache(db: Db, ttlMs = 5_000): SessionCache {
  const cache = new Map<string, Entry>();

  return {
    async resolve(token) {
      if (token.length < 10 || token.length > 200) return null;
      const hash = hashToken(token);
      const now = Date.now();
      const hit = cache.get(hash);
      if (hit && hit.expiresAt > now) return hit.principal;
      cache.delete(hash);
      const row = await db.apiToken.findUnique({
        where: { tokenHash: hash },
        select: {
          id: true,
          kind: true,
          expiresAt: true,
          revokedAt: true,
          user: { select: { id: true, email: true, name: true } },
        },
      });
      if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= now)) return null;
      const principal: Principal = {
        userId: row.user.id,
        email: row.user.email,
        name: row.user.name,
        tokenId: row.id,
        tokenKind: row.kind,
      };
      // Never cache past the token's own expiry.
      const until = Math.min(now + ttlMs, row.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY);
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { principal, expiresAt: until });
      // Best effort and off the request's path; once per cache refresh at most.
      void db.apiToken
        .update({ where: { id: row.id }, data: { lastUsedAt: new Date() } })
        .catch(() => {});
      return principal;
    },
    forgetToken(tokenId) {
      for (const [hash, entry] of cache) {
        if (entry.principal.tokenId === tokenId) cache.delete(hash);
      }
    },
  };
}
