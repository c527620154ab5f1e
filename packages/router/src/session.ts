// Bearer tokens → users. Session tokens (auth.login) and API tokens (token.create) are the same
// kind of secret, stored as a SHA-256 hash; a lookup is by hash, so no secret is ever compared.
//
// Hits are cached for a few seconds: the hot read path then costs no token query. A revocation
// (logout, token.revoke, an ended session, a password change) drops the token here and is
// published on Redis, so every other API process drops it before its next request. A process
// caches only while it is subscribed: one that could miss a revocation (Redis away, not yet
// subscribed) asks the database on every request, and empties its cache when it is back.
//
// Sessions end `idleMs` after their last use and `maxAgeMs` after signing in, whichever comes
// first; API tokens end at their own expiry (scripts have no idle time).
import type { Db } from '@flotilla/db';
import type { Logger } from '@flotilla/log';
import { hashToken } from '@flotilla/secrets';
import type { RevocationBus } from './revocation.ts';

export interface Principal {
  userId: string;
  email: string;
  name: string;
  tokenId: string;
  tokenKind: 'session' | 'api';
}

export interface SessionLifetimes {
  /** A session unused this long ends (FLOTILLA_SESSION_IDLE_TIMEOUT). */
  idleMs: number;
  /** A session ends this long after signing in, used or not (FLOTILLA_SESSION_MAX_AGE). */
  maxAgeMs: number;
}

export const defaultSessionLifetimes: SessionLifetimes = {
  idleMs: 12 * 3600_000,
  maxAgeMs: 7 * 24 * 3600_000,
};

/** When a token stops counting: its expiry, and for a session also the idle and sign-in limits. */
export function tokenDeadline(
  row: {
    kind: 'session' | 'api';
    createdAt: Date;
    lastUsedAt: Date | null;
    expiresAt: Date | null;
  },
  lifetimes: SessionLifetimes,
): number {
  const expires = row.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (row.kind !== 'session') return expires;
  const idle = (row.lastUsedAt ?? row.createdAt).getTime() + lifetimes.idleMs;
  return Math.min(expires, idle, row.createdAt.getTime() + lifetimes.maxAgeMs);
}

interface Entry {
  principal: Principal;
  expiresAt: number;
  /** When "last used" was last written for the token. */
  usedWrittenAt: number;
}

export interface SessionCache {
  resolve(token: string): Promise<Principal | null>;
  /**
   * Tokens whose revocation has committed: dropped here at once and, through the bus, in every
   * other API process. A failed publish is logged; other processes then honour the token for at
   * most the cache's lifetime.
   */
  revoked(tokenIds: readonly string[]): Promise<void>;
}

export interface SessionCacheOptions {
  db: Db;
  log: Logger;
  ttlMs?: number;
  lifetimes?: SessionLifetimes;
  /** Revocations from and to the other API processes; without one, this process alone. */
  bus?: RevocationBus | undefined;
}

export function createSessionCache(options: SessionCacheOptions): SessionCache {
  const { db, log, bus } = options;
  const ttlMs = options.ttlMs ?? 5_000;
  const lifetimes = options.lifetimes ?? defaultSessionLifetimes;
  const cache = new Map<string, Entry>();
  // "Last used" is written at most this often: a small part of the idle timeout, so a session in
  // use never idles out for want of a write.
  const writeEveryMs = Math.min(ttlMs, lifetimes.idleMs / 100);

  const forget = (tokenIds: readonly string[]) => {
    const ids = new Set(tokenIds);
    for (const [hash, entry] of cache) {
      if (ids.has(entry.principal.tokenId)) cache.delete(hash);
    }
  };
  bus?.listen({ forget, forgetAll: () => cache.clear() });

  // Off the request's path: a failed write costs only the token's "last used" date (and an idle
  // session some of its time), so it is logged, not the request's failure.
  const markUsed = (tokenId: string, now: number) => {
    void db.apiToken
      .update({ where: { id: tokenId }, data: { lastUsedAt: new Date(now) } })
      .catch((error: unknown) => log.warn({ err: error, tokenId }, 'token lastUsedAt not written'));
  };

  return {
    async resolve(token) {
      if (token.length < 10 || token.length > 200) return null;
      const hash = hashToken(token);
      const now = Date.now();
      const hit = cache.get(hash);
      if (hit && hit.expiresAt > now && (!bus || bus.listening())) {
        if (now - hit.usedWrittenAt >= writeEveryMs) {
          hit.usedWrittenAt = now;
          markUsed(hit.principal.tokenId, now);
        }
        return hit.principal;
      }
      cache.delete(hash);
      const row = await db.apiToken.findUnique({
        where: { tokenHash: hash },
        select: {
          id: true,
          kind: true,
          createdAt: true,
          lastUsedAt: true,
          expiresAt: true,
          revokedAt: true,
          user: { select: { id: true, email: true, name: true } },
        },
      });
      if (!row || row.revokedAt || tokenDeadline(row, lifetimes) <= now) return null;
      const principal: Principal = {
        userId: row.user.id,
        email: row.user.email,
        name: row.user.name,
        tokenId: row.id,
        tokenKind: row.kind,
      };
      // Never cached past the token's own end (counted from this use for an idle session).
      const until = Math.min(
        now + ttlMs,
        tokenDeadline({ ...row, lastUsedAt: new Date(now) }, lifetimes),
      );
      const written = row.lastUsedAt?.getTime() ?? 0;
      const usedWrittenAt = now - written >= writeEveryMs ? now : written;
      if (usedWrittenAt === now) markUsed(row.id, now);
      if (!bus || bus.listening()) {
        if (cache.size > 10_000) cache.clear();
        cache.set(hash, { principal, expiresAt: until, usedWrittenAt });
      }
      return principal;
    },
    async revoked(tokenIds) {
      if (tokenIds.length === 0) return;
      forget(tokenIds);
      await bus
        ?.publish(tokenIds)
        .catch((error: unknown) =>
          log.warn(
            { err: error, tokens: tokenIds.length },
            'token revocation not published; other API processes honour the token until their cache expires',
          ),
        );
    },
  };
}
