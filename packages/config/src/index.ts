// The one place that reads the environment. Everything else receives a Config.
import { z } from 'zod';

// A fixed key so a development install works out of the box; never for real secrets.
const DEVELOPMENT_MASTER_KEY = Buffer.alloc(32, 'flotilla-development-key').toString('base64');

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

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
  // Prefix for every BullMQ key, so several installs (or test runs) can share one Redis.
  QUEUE_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, _ and - only')
    .default('flotilla'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  PUBLIC_URL: z.url().optional(),
  // Cloud provider API roots: a proxy, or the local stand-ins in tests. The AWS SDK would read
  // AWS_ENDPOINT_URL_EC2 by itself; it is validated here so every setting is documented in one place.
  DIGITALOCEAN_API_URL: z.url().default('https://api.digitalocean.com'),
  HETZNER_API_URL: z.url().default('https://api.hetzner.cloud'),
  AWS_ENDPOINT_URL_EC2: z.url().optional(),
  FLOTILLA_MASTER_KEY: z.string().optional(),
  FLOTILLA_OPEN_SIGNUP: booleanString.default(false),
  // Serve the dashboard through Vite with hot reload instead of the built files (`pnpm dev`).
  FLOTILLA_WEB_DEV: booleanString.default(false),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  // Worker: how many cluster and node jobs one process runs at once (node jobs are mostly waiting on SSH).
  WORKER_CLUSTER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
  WORKER_NODE_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(16),
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

export type Config = Omit<Env, 'FLOTILLA_MASTER_KEY'> & {
  /** 32-byte key that encrypts SSH keys, provider credentials and kubeconfigs at rest. */
  masterKey: Buffer;
  /** True when the built-in development key is in use. */
  masterKeyIsDevelopmentDefault: boolean;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
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
  const { FLOTILLA_MASTER_KEY, ...rest } = parsed.data;
  if (FLOTILLA_MASTER_KEY === undefined) {
    if (rest.NODE_ENV === 'production') {
      throw new ConfigError([
        'FLOTILLA_MASTER_KEY: required in production (32 random bytes, base64 or hex; `openssl rand -base64 32`)',
      ]);
    }
    return {
      ...rest,
      masterKey: Buffer.from(DEVELOPMENT_MASTER_KEY, 'base64'),
      masterKeyIsDevelopmentDefault: true,
    };
  }
  const masterKey = decodeMasterKey(FLOTILLA_MASTER_KEY);
  if (!masterKey) {
    throw new ConfigError([
      'FLOTILLA_MASTER_KEY: must be 32 bytes, base64 or hex encoded (`openssl rand -base64 32`)',
    ]);
  }
  return { ...rest, masterKey, masterKeyIsDevelopmentDefault: false };
}

export const developmentMasterKeyWarning =
  'WARNING: FLOTILLA_MASTER_KEY is not set; secrets are encrypted with the public development key. ' +
  'Set FLOTILLA_MASTER_KEY (`openssl rand -base64 32`) before storing real SSH keys or provider tokens.';
