import type { Db, Sql } from '@flotilla/db';
import type { Logger } from '@flotilla/log';
import type { Sealer } from '@flotilla/secrets';
import type { EventHub } from './events.ts';
import {
  createSlidingWindow,
  defaultLoginLimits,
  type LoginLimits,
  type SlidingWindow,
} from './rate-limit.ts';
import { createSessionCache, type Principal, type SessionCache } from './session.ts';

/** Long-lived pieces, created once per process. */
export interface RouterServices {
  db: Db;
  /** postgres.js, for the hot hand-written reads. */
  sql: Sql;
  sealer: Sealer;
  log: Logger;
  /** Anyone may register (else only the very first user, then by invitation). */
  openSignup: boolean;
  sessions: SessionCache;
  loginPerIp: SlidingWindow;
  loginPerAccount: SlidingWindow;
  events: EventHub | null;
  /** Called after a transaction that wrote outbox jobs commits (the API dispatches at once). */
  onOutboxWritten: () => void;
}

export interface RouterServiceOptions {
  db: Db;
  sql: Sql;
  sealer: Sealer;
  log: Logger;
  openSignup?: boolean;
  loginLimits?: LoginLimits;
  sessionCacheMs?: number;
  events?: EventHub | null;
  onOutboxWritten?: () => void;
}

export function createRouterServices(options: RouterServiceOptions): RouterServices {
  const limits = options.loginLimits ?? defaultLoginLimits;
  return {
    db: options.db,
    sql: options.sql,
    sealer: options.sealer,
    log: options.log,
    openSignup: options.openSignup ?? false,
    sessions: createSessionCache(options.db, options.sessionCacheMs),
    loginPerIp: createSlidingWindow(limits.perIp.limit, limits.perIp.windowMs),
    loginPerAccount: createSlidingWindow(limits.perAccount.limit, limits.perAccount.windowMs),
    events: options.events ?? null,
    onOutboxWritten: options.onOutboxWritten ?? (() => {}),
  };
}

/** What the transport knows about one request. */
export interface RequestInfo {
  authorization?: string | undefined;
  idempotencyKey?: string | undefined;
  requestId: string;
  ip: string;
}

/** Filled in as a procedure learns what it acts on; the audit entry is written from it. */
export interface AuditTarget {
  actorId?: string;
  tokenId?: string;
  organizationId?: string;
  clusterId?: string;
  targetType?: string;
  targetId?: string;
  /** The caller asked for something that exists but is not theirs (answered 404). */
  denied?: boolean;
}

export interface Context extends RouterServices {
  req: RequestInfo;
  principal: Principal | null;
  audit: AuditTarget;
  /** Response headers a procedure wants sent (X-Total-Count, Retry-After…). */
  resHeaders: Record<string, string>;
}

export function createContext(services: RouterServices, req: RequestInfo): Context {
  return { ...services, req, principal: null, audit: {}, resHeaders: {} };
}
