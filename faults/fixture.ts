// What every fault scenario starts from: a database of its own, the real API and worker
// processes on a queue prefix of their own (optionally behind cuttable proxies to Postgres and
// Redis), a user registered over HTTP, an SSH key uploaded, and a testbed whose servers
// authorize that key. Helpers read the invariants a scenario prints: rows, swarm members, jobs.
import { hetznerTestToken, startHetznerStandin } from '@flotilla/cloud-standins';
import { createTestbedBackend } from '@flotilla/cloud-standins/testbed';
import { createSql, type Sql } from '@flotilla/db';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import {
  ApiError,
  type ControlPlane,
  call,
  eventually,
  startControlPlane,
  startTcpProxy,
  type TcpProxy,
} from '@flotilla/harness';
import { createQueues, type Queues } from '@flotilla/queue';
import { createTestbed, generateKeyPair, type Testbed, type TestbedHost } from '@flotilla/testbed';

export { ApiError, call, eventually };

/** Short timings so a killed worker's jobs move on and health checks run within seconds. */
export const fastWorkerEnv: Record<string, string> = {
  NODE_ENV: 'test',
  HEALTH_CHECK_INTERVAL_MS: '1000',
  WORKER_LOCK_DURATION_MS: '4000',
  WORKER_STALLED_INTERVAL_MS: '1500',
  SSH_COMMAND_TIMEOUT_MS: '60000',
};

export interface FaultRigOptions {
  hosts: number;
  apis?: number;
  workers?: number;
  /** Put the processes' Postgres / Redis connections behind a proxy the test can cut. */
  proxyPostgres?: boolean;
  proxyRedis?: boolean;
  /**
   * Also a Hetzner stand-in (in this process) whose machines are new testbed servers, the API
   * and worker pointed at it, and the organization's Hetzner credentials stored over HTTP.
   */
  hetzner?: boolean;
  env?: Record<string, string>;
}

export interface HetznerRig {
  standin: Awaited<ReturnType<typeof startHetznerStandin>>;
  backend: ReturnType<typeof createTestbedBackend>;
  credentialId: string;
}

export interface ClusterNode {
  id: string;
  name: string;
  role: string;
  status: string;
  statusReason: string | null;
  ip: string | null;
}

export interface ClusterOut {
  id: string;
  name: string;
  status: string;
  statusReason: string | null;
  nodes: ClusterNode[];
}

export interface FaultRig {
  cp: ControlPlane;
  url: string;
  token: string;
  organizationId: string;
  sshKeyId: string;
  testbed: Testbed;
  /** Direct connection to the scenario's database (not through any proxy), for invariants. */
  sql: Sql;
  /** The scenario's queues, read directly (not through any proxy), for job counts. */
  queues: Queues;
  queuePrefix: string;
  postgresProxy?: TcpProxy;
  redisProxy?: TcpProxy;
  hetzner?: HetznerRig;
  close(): Promise<void>;
}

const redisUrl = 'redis://127.0.0.1:6379';

export async function startFaultRig(options: FaultRigOptions): Promise<FaultRig> {
  const database: TestDatabase = await createTestDatabase();
  const cleanups: (() => Promise<unknown>)[] = [() => database.drop()];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const postgresProxy = options.proxyPostgres
      ? await startTcpProxy({ host: '127.0.0.1', port: 5432 })
      : undefined;
    const redisProxy = options.proxyRedis
      ? await startTcpProxy({ host: '127.0.0.1', port: 6379 })
      : undefined;
    if (postgresProxy) cleanups.push(() => postgresProxy.close());
    if (redisProxy) cleanups.push(() => redisProxy.close());
    const sql = createSql(database.url);
    cleanups.push(() => sql.end({ timeout: 1 }));
    const keys = await generateKeyPair();
    const testbed = await createTestbed({ hosts: options.hosts, authorizedKeys: [keys.publicKey] });
    cleanups.push(() => testbed.destroy());
    let hetzner: Omit<HetznerRig, 'credentialId'> | undefined;
    if (options.hetzner) {
      const backend = createTestbedBackend(testbed);
      const standin = await startHetznerStandin({ backend, bootDelayMs: 200 });
      cleanups.push(() => standin.close());
      hetzner = { standin, backend };
    }
    const cp = await startControlPlane({
      databaseUrl: postgresProxy ? postgresProxy.wrap(database.url) : database.url,
      redisUrl: redisProxy ? redisProxy.wrap(redisUrl) : redisUrl,
      apis: options.apis ?? 1,
      workers: options.workers ?? 1,
      env: {
        ...fastWorkerEnv,
        ...(hetzner ? { HETZNER_API_URL: hetzner.standin.url } : {}),
        ...options.env,
      },
    });
    cleanups.push(() => cp.stop());
    const queues = createQueues({
      redis: { REDIS_URL: redisUrl },
      prefix: cp.env.QUEUE_PREFIX as string,
    });
    cleanups.push(() => queues.close());

    const registered = await call<{ token: string; organization: { id: string } }>(
      cp.url,
      'auth.register',
      {
        input: {
          email: 'ops@example.com',
          password: 'correct horse battery staple',
          name: 'Ops',
        },
      },
    );
    const key = await call<{ id: string }>(cp.url, 'sshKey.create', {
      token: registered.token,
      input: {
        organizationId: registered.organization.id,
        name: 'deploy',
        privateKey: keys.privateKey,
      },
    });
    const credential =
      hetzner &&
      (await call<{ id: string }>(cp.url, 'provider.setCredentials', {
        token: registered.token,
        input: {
          organizationId: registered.organization.id,
          provider: 'hetzner',
          credentials: { token: hetznerTestToken },
        },
      }));
    return {
      cp,
      url: cp.url,
      token: registered.token,
      organizationId: registered.organization.id,
      sshKeyId: key.id,
      testbed,
      sql,
      queues,
      queuePrefix: cp.env.QUEUE_PREFIX as string,
      ...(postgresProxy ? { postgresProxy } : {}),
      ...(redisProxy ? { redisProxy } : {}),
      ...(hetzner && credential ? { hetzner: { ...hetzner, credentialId: credential.id } } : {}),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The `cluster.create` body for a swarm of the testbed's own servers, the first ones managers. */
export function swarmOf(rig: FaultRig, name: string, hosts: TestbedHost[], managers = 1) {
  return {
    organizationId: rig.organizationId,
    name,
    orchestrator: 'swarm',
    provider: 'ssh',
    sshKeyId: rig.sshKeyId,
    nodes: hosts.map((h, i) => ({ role: i < managers ? 'manager' : 'worker', host: h.host })),
  };
}

export function createSwarm(
  rig: FaultRig,
  name: string,
  hosts: TestbedHost[],
  { url = rig.url, managers = 1 }: { url?: string; managers?: number } = {},
): Promise<ClusterOut> {
  return call<ClusterOut>(url, 'cluster.create', {
    token: rig.token,
    input: swarmOf(rig, name, hosts, managers),
  });
}

export function clusterOne(rig: FaultRig, clusterId: string): Promise<ClusterOut> {
  return call<ClusterOut>(rig.url, 'cluster.one', {
    token: rig.token,
    method: 'GET',
    input: { clusterId },
  });
}

/**
 * Waits until the cluster (read over HTTP) has `status` — and, given `nodeStatus`, every node
 * that one (a cluster is `running` again as soon as its settled nodes are, before a node being
 * re-provisioned has joined) — and returns it.
 */
export async function clusterReaches(
  rig: FaultRig,
  clusterId: string,
  status: string,
  timeoutMs = 120_000,
  nodeStatus?: string,
): Promise<ClusterOut> {
  let last: ClusterOut | undefined;
  try {
    return await eventually(
      `cluster ${clusterId} ${status}${nodeStatus ? `, every node ${nodeStatus}` : ''}`,
      async () => {
        last = await clusterOne(rig, clusterId);
        const nodesOk = !nodeStatus || last.nodes.every((n) => n.status === nodeStatus);
        return last.status === status && nodesOk ? last : undefined;
      },
      { timeoutMs, intervalMs: 300 },
    );
  } catch (error) {
    const workers = rig.cp.workers.map((w) => w.output().slice(-3000)).join('\n---\n');
    throw new Error(
      `${error}\nlast seen: ${JSON.stringify(last, null, 1)}\nworker output:\n${workers}`,
    );
  }
}

/** `docker node ls` on a manager: one `<id> <status>` line per swarm member. */
export async function swarmMembers(rig: FaultRig, manager: string): Promise<string[]> {
  const ls = await rig.testbed.exec(manager, "docker node ls --format '{{.ID}} {{.Status}}'");
  if (ls.code !== 0) throw new Error(`docker node ls on ${manager}: ${ls.stderr}`);
  return ls.stdout.trim().split('\n').filter(Boolean);
}

/** `active` / `inactive` / … as the server's own Docker reports it. */
export async function swarmState(rig: FaultRig, host: string): Promise<string> {
  const out = await rig.testbed.exec(host, "docker info --format '{{.Swarm.LocalNodeState}}'");
  return out.stdout.trim();
}

/** Row counts straight from the database. */
export async function rowCounts(
  rig: FaultRig,
  clusterId?: string,
): Promise<{ clusters: number; nodes: number; outboxPending: number }> {
  const [row] = await rig.sql<{ clusters: number; nodes: number; outboxPending: number }[]>`
    select
      (select count(*)::int from "Cluster" where ${clusterId ?? null}::text is null or id = ${clusterId ?? null}) as clusters,
      (select count(*)::int from "Node" where ${clusterId ?? null}::text is null or "clusterId" = ${clusterId ?? null}) as nodes,
      (select count(*)::int from "OutboxJob" where "dispatchedAt" is null) as "outboxPending"`;
  if (!row) throw new Error('count query returned nothing');
  return row;
}

const jobStates = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;
export type JobCounts = Record<(typeof jobStates)[number], number>;

/** BullMQ job counts per state, summed over the provisioning queues of the scenario's prefix. */
export async function jobCounts(rig: FaultRig): Promise<JobCounts> {
  const counts: JobCounts = { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };
  for (const queue of ['clusters', 'nodes'] as const) {
    const got = await rig.queues.get(queue).getJobCounts(...jobStates);
    for (const state of jobStates) counts[state] += got[state] ?? 0;
  }
  return counts;
}

/** Prints what a scenario checked, so a reader of the run sees the invariants. */
export function report(scenario: string, facts: Record<string, unknown>): void {
  const lines = Object.entries(facts).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  console.log(`[faults] ${scenario}\n${lines.join('\n')}`);
}
