import type { CloudProvider, Plan } from './catalog.ts';
import type { RateBudgets } from './rate-budget.ts';

export type ServerStatus = 'pending' | 'running' | 'off' | 'gone';

export interface Server {
  /** The provider's id for the machine (droplet id, server id, instance id), as a string. */
  id: string;
  name: string;
  status: ServerStatus;
  publicIpv4: string | undefined;
  clusterId: string | undefined;
  nodeId: string | undefined;
}

/** What a lookup says about a machine the provider no longer knows. */
export function goneServer(id: string): Server {
  return {
    id,
    name: '',
    status: 'gone',
    publicIpv4: undefined,
    clusterId: undefined,
    nodeId: undefined,
  };
}

export interface CreateServerInput {
  nodeId: string;
  /**
   * The machine's name (a hostname: letters, digits, `-`), e.g. the node's own name. Cosmetic:
   * the machine is found again by its node tag, never by name. Default `flt-<nodeId>`.
   */
  name?: string | undefined;
  clusterId: string;
  region: string;
  plan: Plan;
  /** What `ensureSshKey` returned. */
  sshKeyRef: string;
  userData?: string | undefined;
}

export type CredentialProblem =
  | 'bad-token'
  | 'read-only'
  | 'wrong-region'
  | 'unreachable'
  | 'provider-error';

export type CredentialCheck =
  | { ok: true; message: string }
  | { ok: false; problem: CredentialProblem; message: string };

/** Anything with pino's shape; the clients log retries and deletions, never credentials. */
export interface ProviderLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  attempts: number;
  baseDelayMs: number;
  /** Upper bound for one wait, even when the provider asks for longer. */
  maxDelayMs: number;
  /** One request that takes longer than this is abandoned (and retried if that is safe). */
  requestTimeoutMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  requestTimeoutMs: 30_000,
};

export interface CloudClientOptions {
  /** API root, e.g. `DIGITALOCEAN_API_URL` / `HETZNER_API_URL` / `AWS_ENDPOINT_URL_EC2`. */
  baseUrl?: string | undefined;
  fetch?: typeof fetch;
  log?: ProviderLog;
  retry?: Partial<RetryPolicy>;
  /** How often `waitForServer` asks; tests shorten it. */
  pollIntervalMs?: number;
  /**
   * The request budgets every request spends from (shared by all workers when kept in Redis:
   * `createRedisRateBudgets`). None: requests are sent at once, and only a 429 slows them.
   */
  rateBudgets?: RateBudgets;
}

/**
 * One cloud account, seen through the few operations Flotilla needs. Every operation is safe to
 * repeat: a job that died half-way runs it again and gets the same machine, never a second.
 */
export interface CloudClient {
  readonly provider: CloudProvider;
  /** Says in words what is wrong with the credentials (bad token, read-only, wrong region). */
  verifyCredentials(): Promise<CredentialCheck>;
  /**
   * Registers the public key once (looked up by fingerprint or name first); returns the reference
   * createServer wants. AWS key pairs are regional: pass the cluster's region (default: the
   * credentials' region); DigitalOcean and Hetzner keys are account-wide and ignore it.
   */
  ensureSshKey(name: string, publicKey: string, region?: string): Promise<string>;
  /**
   * Returns the node's machine if one exists already (found by its node tag/label), otherwise
   * creates it under the deterministic name `flt-<nodeId>`.
   */
  createServer(input: CreateServerInput): Promise<Server>;
  getServer(id: string): Promise<Server>;
  /** Polls until the machine runs and has a public address; throws a ProviderError on timeout. */
  waitForServer(id: string, options: { timeoutMs: number }): Promise<Server>;
  /** Every machine carrying Flotilla's marker (all pages), optionally only one cluster's. */
  findServers(filter?: { clusterId?: string; nodeId?: string }): Promise<Server[]>;
  /** Deletes the machine; a machine that is already gone counts as deleted. */
  deleteServer(id: string): Promise<void>;
  /** Removes what `createServer` set up per cluster (AWS security group); no-op elsewhere. */
  removeClusterResources(clusterId: string): Promise<void>;
}
