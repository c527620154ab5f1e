// The one place that reads the environment. Everything else receives a Config.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { z } from 'zod';

// A fixed key so a development install works out of the box; never for real secrets.
const DEVELOPMENT_MASTER_KEY = Buffer.alloc(32, 'flotilla-development-key').toString('base64');

// The control plane's own nodes (issue 19): a node name also names the node's queues
// (`nodes@<name>`), hence no `:` or spaces.
const nodeNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** The hostname as a node name: other characters become `-`, at most 63. */
export function nodeNameFromHostname(host: string = hostname()): string {
  const name = host
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 63);
  return nodeNamePattern.test(name) ? name : 'flotilla';
}

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

// A list of addresses or CIDR blocks, separated by commas or spaces: "10.201.0.0/16, 203.0.113.7".
const cidrList = z
  .string()
  .default('')
  .transform((value) => value.split(/[\s,]+/).filter(Boolean))
  .refine((entries) => entries.every(isCidr), {
    error: 'must be IP addresses or CIDR blocks (10.0.0.0/8, fd00::/8), separated by commas',
  });

function isCidr(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  return (
    prefix === undefined ||
    (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))
  );
}

// A provider's request budget: "<requests>/<window>" windows separated by commas, the window in
// ms, s, m or h ("5000/1h,250/1m"); refilled continuously, limit/window per millisecond.
const windowUnits: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, context) => {
      const windows = value.split(',').map((part) => {
        const match = /^\s*(\d+)\s*\/\s*(\d+)?\s*(ms|s|m|h)\s*$/.exec(part);
        return match && Number(match[1]) > 0
          ? { limit: Number(match[1]), windowMs: Number(match[2] ?? 1) * windowUnits[match[3]!]! }
          : undefined;
      });
      if (windows.some((window) => !window || window.windowMs === 0)) {
        context.addIssue({
          code: 'custom',
          message:
            'must be <requests>/<window> with the window in ms, s, m or h, e.g. "5000/1h,250/1m"',
        });
        return z.NEVER;
      }
      return windows as { limit: number; windowMs: number }[];
    });

// A duration as operators write it: "30m", "12h", "7d" (also ms and s).
const durationUnits: Record<string, number> = { ...windowUnits, d: 86_400_000 };
const duration = (fallback: string, min: number) =>
  z
    .string()
    .default(fallback)
    .transform((value, context) => {
      const match = /^\s*(\d+)\s*(ms|s|m|h|d)\s*$/.exec(value);
      const ms = match ? Number(match[1]) * durationUnits[match[2]!]! : Number.NaN;
      if (!(ms >= min)) {
        context.addIssue({
          code: 'custom',
          message: `must be a duration of at least ${min / 1000} s with a unit (ms, s, m, h, d), e.g. "12h"`,
        });
        return z.NEVER;
      }
      return ms;
    });

// A quota: how many of a kind one organization may have.
const quota = (fallback: number) => z.coerce.number().int().min(0).max(1_000_000).default(fallback);
const optionalQuota = z.coerce.number().int().min(0).max(1_000_000).optional();

const postgresUrl = z
  .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgresql:// URL' })
  .default('postgresql://root@127.0.0.1:5432/flotilla');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: postgresUrl,
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  // How long a query waits for a pooled connection before failing (a dead database answers 503).
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
    .default('redis://127.0.0.1:6379'),
  // PEM file of the CA that signed a rediss:// server's certificate, when it is not a public CA.
  REDIS_TLS_CA_FILE: z.string().min(1).optional(),
  // Prefix for every BullMQ key, so several installs (or test runs) can share one Redis.
  QUEUE_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, _ and - only')
    .default('flotilla'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  PUBLIC_URL: z.url().optional(),
  // /metrics (the API's port and each worker's own) answers only a scraper sending this as its
  // bearer token; unset, anyone who reaches the port may read the metrics (no secrets in them).
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters (`openssl rand -hex 32`)').optional(),
  // Each worker serves /metrics on a listener of its own; loopback unless opened. 0: any free port.
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9465),
  // Cloud provider API roots: a proxy, or the local stand-ins in tests. The AWS SDK would read
  // AWS_ENDPOINT_URL_EC2 by itself; it is validated here so every setting is documented in one place.
  DIGITALOCEAN_API_URL: z.url().default('https://api.digitalocean.com'),
  HETZNER_API_URL: z.url().default('https://api.hetzner.cloud'),
  AWS_ENDPOINT_URL_EC2: z.url().optional(),
  // Each provider account's request budget, shared by every worker through Redis; the defaults
  // are the published limits (Hetzner per project, DigitalOcean per token). EC2 uses AWS's
  // published per-action buckets.
  HETZNER_RATE_LIMIT: rateLimit('3600/1h'),
  DIGITALOCEAN_RATE_LIMIT: rateLimit('5000/1h,250/1m'),
  FLOTILLA_MASTER_KEY: z.string().optional(),
  // Keys that sealed secrets before the current one (comma-separated): still opened, never used
  // to seal. `pnpm secrets:rotate` re-seals everything under FLOTILLA_MASTER_KEY. The word
  // `development` names the built-in key, for an install that started without a key of its own.
  FLOTILLA_MASTER_KEY_PREVIOUS: z.string().optional(),
  // Network policy: which addresses users may make Flotilla contact (@flotilla/network-policy).
  // Allow opens a refused range for these blocks (the testbed's in tests); deny wins over allow.
  FLOTILLA_NETWORK_ALLOW: cidrList,
  FLOTILLA_NETWORK_DENY: cidrList,
  // Refuse private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), allowed by default.
  FLOTILLA_NETWORK_REFUSE_PRIVATE: booleanString.default(false),
  // The control plane's addresses beyond this machine's own interfaces (load balancer, Postgres,
  // Redis on other machines): refused as targets.
  FLOTILLA_NETWORK_CONTROL_PLANE: cidrList,
  FLOTILLA_OPEN_SIGNUP: booleanString.default(false),
  // This process as a node of the control plane: its name (an API and a worker on one machine
  // share it; jobs are pinned to a worker's), tags shown beside it, and how often it heartbeats
  // (offline after three missed beats).
  FLOTILLA_NODE_NAME: z
    .string()
    .regex(nodeNamePattern, 'letters, digits, ., _ and - (at most 63), first a letter or digit')
    .default(() => nodeNameFromHostname()),
  FLOTILLA_NODE_TAGS: z
    .string()
    .default('')
    .transform((value) => value.split(/[\s,]+/).filter(Boolean))
    .refine((tags) => tags.length <= 20 && tags.every((tag) => /^[^\s,]{1,64}$/.test(tag)), {
      error: 'at most 20 tags of at most 64 characters, separated by commas',
    }),
  FLOTILLA_HEARTBEAT_MS: z.coerce.number().int().min(500).max(600_000).default(10_000),
  // Dashboard sessions (auth.login): ended after this long without a request, and this long
  // after signing in whatever the use (auth.refresh rotates the token, never past it).
  FLOTILLA_SESSION_IDLE_TIMEOUT: duration('12h', 60_000),
  FLOTILLA_SESSION_MAX_AGE: duration('7d', 60_000),
  // Quotas per organization, the instance's defaults (an instance administrator overrides them
  // per organization with quota.set). Machines are counted per provider: FLOTILLA_QUOTA_NODES
  // for each, unless the provider's own variable says otherwise.
  FLOTILLA_QUOTA_CLUSTERS: quota(100),
  FLOTILLA_QUOTA_NODES: quota(300),
  FLOTILLA_QUOTA_NODES_DIGITALOCEAN: optionalQuota,
  FLOTILLA_QUOTA_NODES_HETZNER: optionalQuota,
  FLOTILLA_QUOTA_NODES_AWS: optionalQuota,
  FLOTILLA_QUOTA_NODES_SSH: optionalQuota,
  FLOTILLA_QUOTA_APPS: quota(300),
  FLOTILLA_QUOTA_DATABASES: quota(100),
  // `pnpm dev`: the dashboard comes from Vite's dev server (hot reload) on FLOTILLA_WEB_DEV_PORT,
  // which proxies the API's paths here; the API sends browsers there instead of the built files.
  FLOTILLA_WEB_DEV: booleanString.default(false),
  FLOTILLA_WEB_DEV_PORT: z.coerce.number().int().min(1).max(65_535).default(5173),
  // The dashboard's built files (`pnpm build`); unset: the repository's apps/web/dist.
  FLOTILLA_WEB_DIST: z.string().min(1).optional(),
  // Where the shipped templates' images come from (host[:port][/path] of a registry the clusters
  // pull from; template.instantiate's `registry` parameter). Unset: the organization's default
  // registry.
  FLOTILLA_TEMPLATE_REGISTRY: z
    .string()
    .regex(
      /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::\d{1,5})?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
      'host[:port][/path] of a registry, e.g. registry.example.com:5000',
    )
    .optional(),
  // `pnpm start` keeps the data of the Postgres and Redis it starts itself (when none answers at
  // the default addresses) here; unset: .flotilla in the repository.
  FLOTILLA_DATA_DIR: z.string().min(1).optional(),
  // Managed databases' backups: the dumps the worker streams from a database's node are kept in
  // this directory (every worker must see the same one: a shared mount). Unset: `backups` in
  // FLOTILLA_DATA_DIR (default .flotilla).
  FLOTILLA_BACKUP_DIR: z.string().min(1).optional(),
  // The largest source tarball app.build takes (bytes; 100 MiB by default); more is a 413.
  APP_UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 ** 3)
    .default(100 * 1024 ** 2),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  // `json`: one JSON object per line; `pretty`: one coloured line per event. Unset: pretty on a
  // terminal, JSON otherwise (a file, a pipe, a log collector).
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  // Worker: how many cluster and node jobs one process runs at once. Both mostly wait on SSH: a
  // cluster job forms its first manager inline, so this bounds how many control planes form at
  // once (at 4, 100 one-node clusters created at once formed 4 at a time: 82 were running
  // after 15 minutes).
  // Node jobs: enough for a 50-node cluster's nodes to prepare at once; joins through a manager
  // are paced by themselves (at most 10 in flight), so more jobs do not load the managers more.
  WORKER_CLUSTER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(32),
  WORKER_NODE_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(64),
  // App jobs (deploys, scales, restarts, removals: mostly waiting on a rollout) and builds
  // (`docker build` on a manager: CPU-heavy) one worker process runs at once.
  WORKER_APP_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(8),
  WORKER_BUILD_CONCURRENCY: z.coerce.number().int().min(1).max(50).default(2),
  // How an app's port is published on Swarm: `ingress`, the routing mesh (every node answers and
  // balances); `host`, each node running a task answers on its own address (for a balancer in
  // front, or kernels without IPVS, where the routing mesh cannot work).
  APP_PUBLISH_MODE: z.enum(['ingress', 'host']).default('ingress'),
  // The image a build starts from when the source has no Dockerfile (the build command runs on
  // it, its entrypoint starts the app); unset, such a source fails to build with that reason.
  BUILD_BASE_IMAGE: z.string().min(1).max(512).optional(),
  // A job whose worker stopped renewing its lock (killed, frozen) is handed to another worker
  // after at most lockDuration + stalledInterval.
  WORKER_LOCK_DURATION_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).max(600_000).default(15_000),
  HEALTH_CHECK_INTERVAL_MS: z.coerce.number().int().min(500).max(3_600_000).default(30_000),
  // How many health checks in a row no manager of a cluster may miss before its managers are
  // marked down: one SSH handshake slowed by a busy server is not an outage.
  HEALTH_CHECK_MISSES: z.coerce.number().int().min(1).max(100).default(3),
  // How often cloud accounts are searched for Flotilla machines that belong to no node.
  SWEEP_ORPHANS_INTERVAL_MS: z.coerce.number().int().min(500).max(86_400_000).default(900_000),
  // Longest a single command over SSH may run before the step fails (and is retried).
  SSH_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(300_000),
  // The retry budget of a job (provisioning a node, forming a cluster, removing a node): how
  // many attempts in all, and the first pause between them (doubling each time). With the
  // defaults a server that never answers is given up after about 8 × SSH_WAIT_TIMEOUT_MS + 4 min.
  JOB_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  JOB_BACKOFF_MS: z.coerce.number().int().min(100).max(3_600_000).default(2_000),
  // How long one attempt keeps knocking on a server's SSH port (a cloud machine still booting).
  SSH_WAIT_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(120_000),
  // Where k3s comes from: the official installer (default), or a k3s binary on the worker's
  // disk that is uploaded to each server (air-gapped installs).
  K3S_INSTALL_URL: z.url().default('https://get.k3s.io'),
  K3S_ARTIFACT: z.string().min(1).optional(),
});

export type Env = z.infer<typeof envSchema>;

export type Config = Omit<
  Env,
  'FLOTILLA_MASTER_KEY' | 'FLOTILLA_MASTER_KEY_PREVIOUS' | 'REDIS_TLS_CA_FILE'
> & {
  /** 32-byte key that encrypts SSH keys, provider credentials and kubeconfigs at rest. */
  masterKey: Buffer;
  /** True when the built-in development key is in use. */
  masterKeyIsDevelopmentDefault: boolean;
  /** Earlier master keys, accepted for opening secrets until `pnpm secrets:rotate` has run. */
  previousMasterKeys: Buffer[];
  /** PEM of REDIS_TLS_CA_FILE, read at start so a wrong path stops the process at once. */
  redisTlsCa?: string;
};

// No parameter property: `pnpm start` runs its launcher with Node's own type stripping, which
// takes only TypeScript whose types can be erased.
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function decodeMasterKey(value: string): Buffer | undefined {
  const candidates = [
    /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : undefined,
    Buffer.from(value, 'base64'),
  ];
  return candidates.find((key) => key?.length === 32);
}

/** Validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(defined);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const { FLOTILLA_MASTER_KEY, FLOTILLA_MASTER_KEY_PREVIOUS, REDIS_TLS_CA_FILE, ...rest } =
    parsed.data;
  const problems: string[] = [];
  const previousMasterKeys = (FLOTILLA_MASTER_KEY_PREVIOUS ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((value, index) => {
      const key =
        value === 'development'
          ? Buffer.from(DEVELOPMENT_MASTER_KEY, 'base64')
          : decodeMasterKey(value);
      if (!key) {
        problems.push(
          `FLOTILLA_MASTER_KEY_PREVIOUS: key ${index + 1} must be 32 bytes, base64 or hex encoded`,
        );
      }
      return key;
    })
    .filter((key): key is Buffer => key !== undefined);
  let redisTlsCa: string | undefined;
  if (REDIS_TLS_CA_FILE !== undefined && !rest.REDIS_URL.startsWith('rediss:')) {
    problems.push('REDIS_TLS_CA_FILE: set, but REDIS_URL is not a rediss:// (TLS) URL');
  } else if (REDIS_TLS_CA_FILE !== undefined) {
    try {
      redisTlsCa = readFileSync(REDIS_TLS_CA_FILE, 'utf8');
      if (!redisTlsCa.includes('-----BEGIN CERTIFICATE-----')) {
        problems.push(`REDIS_TLS_CA_FILE: ${REDIS_TLS_CA_FILE} holds no PEM certificate`);
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      problems.push(`REDIS_TLS_CA_FILE: cannot read ${REDIS_TLS_CA_FILE} (${code})`);
    }
  }
  let masterKey: Buffer | undefined;
  if (FLOTILLA_MASTER_KEY === undefined) {
    if (rest.NODE_ENV === 'production') {
      problems.push(
        'FLOTILLA_MASTER_KEY: required in production (32 random bytes, base64 or hex; `openssl rand -base64 32`)',
      );
    }
  } else {
    masterKey = decodeMasterKey(FLOTILLA_MASTER_KEY);
    if (!masterKey) {
      problems.push(
        'FLOTILLA_MASTER_KEY: must be 32 bytes, base64 or hex encoded (`openssl rand -base64 32`)',
      );
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    ...rest,
    masterKey: masterKey ?? Buffer.from(DEVELOPMENT_MASTER_KEY, 'base64'),
    masterKeyIsDevelopmentDefault: masterKey === undefined,
    previousMasterKeys,
    ...(redisTlsCa === undefined ? {} : { redisTlsCa }),
  };
}

export const developmentMasterKeyWarning =
  'WARNING: FLOTILLA_MASTER_KEY is not set; secrets are encrypted with the public development key. ' +
  'Set FLOTILLA_MASTER_KEY (`openssl rand -base64 32`) before storing real SSH keys or provider tokens.';
