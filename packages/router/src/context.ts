import type { Config } from '@flotilla/config';
import type { Db, Sql } from '@flotilla/db';
import type { Logger } from '@flotilla/log';
import {
  createNetworkPolicy,
  type NetworkPolicy,
  type NetworkPolicyConfig,
  networkPolicyFromConfig,
} from '@flotilla/network-policy';
import {
  type CloudClientOptions,
  type CloudProvider,
  createRedisRateBudgets,
  type RateLimits,
} from '@flotilla/providers';
import type { Sealer } from '@flotilla/secrets';
import { loadTemplates, type TemplateCatalog } from '@flotilla/templates';
import type { Redis } from 'ioredis';
import { type ClusterConnections, createClusterConnections } from './cluster-connections.ts';
import type { EventHub } from './events.ts';
import {
  builtinQuotaDefaults,
  type QuotaConfig,
  type QuotaLimits,
  quotaDefaultsFromConfig,
} from './quota.ts';
import {
  defaultLoginLimits,
  type LoginLimits,
  type LoginWindow,
  memoryLoginWindow,
  redisLoginWindow,
} from './rate-limit.ts';
import { createRedisRevocationBus } from './revocation.ts';
import { createRunningTaskCounter, type RunningTaskCounter } from './running-tasks.ts';
import {
  createSessionCache,
  defaultSessionLifetimes,
  type Principal,
  type SessionCache,
  type SessionLifetimes,
} from './session.ts';

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
  sessionLifetimes: SessionLifetimes;
  loginPerIp: LoginWindow;
  loginPerAccount: LoginWindow;
  /** Which addresses users may make Flotilla contact (node hosts, git and registry URLs). */
  networkPolicy: NetworkPolicy;
  /** The instance's quota defaults (FLOTILLA_QUOTA_*); overrides are in OrganizationQuota. */
  quotaDefaults: QuotaLimits;
  events: EventHub | null;
  /** Called after a transaction that wrote outbox jobs commits (the API dispatches at once). */
  onOutboxWritten: () => void;
  /** How provider clients reach their APIs (see RouterServiceOptions). */
  cloudClientOptions: (provider: CloudProvider) => CloudClientOptions;
  /** Live reads from clusters' servers (app tasks, logs, metrics): see RouterServiceOptions. */
  clusterConnections: ClusterConnections;
  /** The largest source tarball `app.build` takes. */
  uploadMaxBytes: number;
  /** This process's node name (FLOTILLA_NODE_NAME), null when it did not register. */
  nodeName: string | null;
  /** Moves waiting jobs whose routing changed (a pin set or removed) into their new queues. */
  rebalanceJobs: () => Promise<void>;
  /** Issue 17: the one-click templates, read and checked once (template.*). */
  templates: TemplateCatalog;
  /** Issue 17: tasks running on clusters' servers, counted with a short cache (platform.*). */
  runningTasks: RunningTaskCounter;
  /** Issue 17: what platform.config tells anyone (no secrets, nothing per organization). */
  platform: PlatformSettings;
}

export interface PlatformSettings {
  /** This build's version. */
  version: string;
  /** APP_PUBLISH_MODE: how apps' ports are published on Swarm. */
  appPublishMode: 'ingress' | 'host';
  /** FLOTILLA_TEMPLATE_REGISTRY: the templates' `registry` default; else the organization's. */
  templateRegistry: string | null;
}

export interface RouterServiceOptions {
  db: Db;
  sql: Sql;
  sealer: Sealer;
  log: Logger;
  openSignup?: boolean;
  loginLimits?: LoginLimits;
  sessionCacheMs?: number;
  /** FLOTILLA_SESSION_IDLE_TIMEOUT and FLOTILLA_SESSION_MAX_AGE; 12 h and 7 days by default. */
  sessionLifetimes?: SessionLifetimes;
  /**
   * Redis shared by the API processes: token revocations reach all of them at once and login
   * limits count for all of them. Without it (unit tests), each process is on its own.
   */
  redis?: {
    /** The process's command connection. */
    client: Redis;
    /** A connection for the revocation subscription alone. */
    subscriber: Redis;
    /** QUEUE_PREFIX: the channel and keys are named under it. */
    prefix: string;
  };
  /** `networkPolicyFromConfig(config)`; without it the built-in rules, no lists. */
  networkPolicy?: NetworkPolicy;
  quotaDefaults?: QuotaLimits;
  events?: EventHub | null;
  onOutboxWritten?: () => void;
  /**
   * How provider clients reach their APIs: the base URLs from config (DIGITALOCEAN_API_URL,
   * HETZNER_API_URL, AWS_ENDPOINT_URL_EC2), or the stand-ins in tests. Unset: the public APIs.
   */
  cloudClientOptions?: (provider: CloudProvider) => CloudClientOptions;
  /**
   * The providers' request budgets (HETZNER_RATE_LIMIT, DIGITALOCEAN_RATE_LIMIT; published limits
   * otherwise). With `redis`, every provider client spends from its account's budget there,
   * shared with the workers.
   */
  providerRateLimits?: Partial<RateLimits>;
  /**
   * How the API reaches clusters' managers for live reads; by default over SSH with each node's
   * pinned host key, one connection per server for the whole process.
   */
  clusterConnections?: ClusterConnections;
  /** Default 100 MiB (config APP_UPLOAD_MAX_BYTES). */
  uploadMaxBytes?: number;
  /** This process's registered node name. */
  nodeName?: string | null;
  /** Default: nothing, the workers move waiting jobs within a heartbeat. */
  rebalanceJobs?: () => Promise<void>;
  /** The version platform.config reports (default 0.0.0). */
  version?: string;
  /** APP_PUBLISH_MODE (default ingress). */
  appPublishMode?: 'ingress' | 'host';
  /** FLOTILLA_TEMPLATE_REGISTRY. */
  templateRegistry?: string | undefined;
  /** Default: the shipped templates (templates/*.yaml), checked now. */
  templates?: TemplateCatalog;
  /** Default: counted through `clusterConnections`, each count kept 15 s. */
  runningTasks?: RunningTaskCounter;
}

/** The services' settings an API process reads from its configuration. */
export function routerSettingsFromConfig(
  config: QuotaConfig &
    NetworkPolicyConfig &
    Pick<
      Config,
      | 'FLOTILLA_OPEN_SIGNUP'
      | 'FLOTILLA_SESSION_IDLE_TIMEOUT'
      | 'FLOTILLA_SESSION_MAX_AGE'
      | 'APP_UPLOAD_MAX_BYTES'
      | 'HETZNER_RATE_LIMIT'
      | 'DIGITALOCEAN_RATE_LIMIT'
      | 'APP_PUBLISH_MODE'
      | 'FLOTILLA_TEMPLATE_REGISTRY'
    >,
): Pick<
  RouterServiceOptions,
  | 'openSignup'
  | 'sessionLifetimes'
  | 'networkPolicy'
  | 'quotaDefaults'
  | 'uploadMaxBytes'
  | 'providerRateLimits'
  | 'appPublishMode'
  | 'templateRegistry'
> {
  return {
    openSignup: config.FLOTILLA_OPEN_SIGNUP,
    sessionLifetimes: {
      idleMs: config.FLOTILLA_SESSION_IDLE_TIMEOUT,
      maxAgeMs: config.FLOTILLA_SESSION_MAX_AGE,
    },
    networkPolicy: networkPolicyFromConfig(config),
    quotaDefaults: quotaDefaultsFromConfig(config),
    uploadMaxBytes: config.APP_UPLOAD_MAX_BYTES,
    providerRateLimits: {
      hetzner: { api: config.HETZNER_RATE_LIMIT },
      digitalocean: { api: config.DIGITALOCEAN_RATE_LIMIT },
    },
    appPublishMode: config.APP_PUBLISH_MODE,
    templateRegistry: config.FLOTILLA_TEMPLATE_REGISTRY,
  };
}

export function createRouterServices(options: RouterServiceOptions): RouterServices {
  const limits = options.loginLimits ?? defaultLoginLimits;
  const { redis, log } = options;
  const sessionLifetimes = options.sessionLifetimes ?? defaultSessionLifetimes;
  const loginWindow = (name: string, { limit, windowMs }: { limit: number; windowMs: number }) =>
    redis
      ? redisLoginWindow({
          redis: redis.client,
          keyPrefix: `${redis.prefix}:login:${name}`,
          limit,
          windowMs,
          log,
        })
      : memoryLoginWindow(limit, windowMs);
  // One budget store per process: provider requests made here (provider.test) count against
  // the same account budgets as the workers' machine creations.
  const rateBudgets =
    redis &&
    createRedisRateBudgets({
      redis: redis.client,
      prefix: redis.prefix,
      ...(options.providerRateLimits ? { limits: options.providerRateLimits } : {}),
      log,
    });
  const cloudClientOptions = options.cloudClientOptions ?? (() => ({}));
  const clusterConnections =
    options.clusterConnections ??
    createClusterConnections({ db: options.db, sealer: options.sealer });
  return {
    db: options.db,
    sql: options.sql,
    sealer: options.sealer,
    log,
    openSignup: options.openSignup ?? false,
    sessions: createSessionCache({
      db: options.db,
      log,
      ...(options.sessionCacheMs === undefined ? {} : { ttlMs: options.sessionCacheMs }),
      lifetimes: sessionLifetimes,
      bus:
        redis &&
        createRedisRevocationBus({
          publisher: redis.client,
          subscriber: redis.subscriber,
          channel: `${redis.prefix}:revoked-tokens`,
          log,
        }),
    }),
    sessionLifetimes,
    loginPerIp: loginWindow('ip', limits.perIp),
    loginPerAccount: loginWindow('account', limits.perAccount),
    networkPolicy: options.networkPolicy ?? createNetworkPolicy(),
    quotaDefaults: options.quotaDefaults ?? builtinQuotaDefaults,
    events: options.events ?? null,
    onOutboxWritten: options.onOutboxWritten ?? (() => {}),
    cloudClientOptions: rateBudgets
      ? (provider) => ({ ...cloudClientOptions(provider), rateBudgets })
      : cloudClientOptions,
    clusterConnections,
    uploadMaxBytes: options.uploadMaxBytes ?? 100 * 1024 * 1024,
    nodeName: options.nodeName ?? null,
    rebalanceJobs: options.rebalanceJobs ?? (async () => {}),
    templates:
      options.templates ??
      loadTemplates(options.templateRegistry ? { defaultRegistry: options.templateRegistry } : {}),
    runningTasks:
      options.runningTasks ?? createRunningTaskCounter({ connections: clusterConnections }),
    platform: {
      version: options.version ?? '0.0.0',
      appPublishMode: options.appPublishMode ?? 'ingress',
      templateRegistry: options.templateRegistry ?? null,
    },
  };
}

/** What the transport knows about one request. */
export interface RequestInfo {
  authorization?: string | undefined;
  /** The client's User-Agent, kept with a session it signs in (auth.sessions shows it). */
  userAgent?: string | undefined;
  idempotencyKey?: string | undefined;
  requestId: string;
  ip: string;
  /** Came over HTTPS (to this process, or to a proxy saying so): cookies are set `Secure`. */
  secure?: boolean | undefined;
  /** `X-Flotilla-Organization`: the organization meant when a request names none (apps). */
  organizationId?: string | undefined;
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
  /** What was done, in words a reader of the log understands ("Deployed image api:v2"). */
  details?: string;
  /** The event's name when not the procedure's ("cluster.assignment.set", as a page names it). */
  action?: string;
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
