// What every worker test needs: its own database and queue prefix, a user who owns an
// organization with an SSH key whose public half the testbed hosts authorize, and the API's own
// procedures (the router's caller, the same code as over HTTP) to create, grow, shrink and
// delete clusters, so the rows, status transitions and outbox jobs are exactly the API's.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { type Config, loadConfig } from '@flotilla/config';
import {
  type Cluster,
  type ClusterStatus,
  createDb,
  createSql,
  type Db,
  newId,
  type Orchestrator,
  type Sql,
} from '@flotilla/db';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { eventually } from '@flotilla/harness';
import { createLogger } from '@flotilla/log';
import { networkPolicyFromConfig } from '@flotilla/network-policy';
import {
  appRouter,
  createCallerFactory,
  createContext,
  createRouterServices,
  type RouterServices,
} from '@flotilla/router';
import { createSealer, type Sealer } from '@flotilla/secrets';
import {
  createTestbed,
  generateKeyPair,
  type KeyPair,
  type Testbed,
  type TestbedHost,
} from '@flotilla/testbed';
import type { EngineSettings } from '../src/engine.ts';
import { type RunningWorker, startWorker } from '../src/worker.ts';

const createCaller = createCallerFactory(appRouter);
export type Api = ReturnType<typeof createCaller>;

export interface Fixture {
  db: Db;
  sealer: Sealer;
  keys: KeyPair;
  orgId: string;
  sshKeyId: string;
  /** The router as the organization's owner calls it; a fresh request context on each call. */
  api(): Api;
  /** Config for a worker on this database and a queue prefix of its own, with fast timings. */
  config: Config;
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function createFixture(env: Record<string, string> = {}): Promise<Fixture> {
  const database: TestDatabase = await createTestDatabase();
  const fullEnv: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    QUEUE_PREFIX: `flt-test-${randomUUID().slice(0, 8)}`,
    LOG_LEVEL: 'warn',
    HEALTH_CHECK_INTERVAL_MS: '1000',
    WORKER_LOCK_DURATION_MS: '5000',
    WORKER_STALLED_INTERVAL_MS: '2000',
    SSH_COMMAND_TIMEOUT_MS: '60000',
    // The fixture's owner registers first; a test that drives the API itself registers too.
    FLOTILLA_OPEN_SIGNUP: 'true',
    // The testbed's servers, opened by configuration (the network policy, API and worker alike).
    FLOTILLA_NETWORK_ALLOW: '10.201.0.0/16',
    // A worker process a test spawns takes a free metrics port: the default (9465) may be held by
    // a control plane the developer started, or by another file's worker.
    WORKER_METRICS_PORT: '0',
    ...env,
  };
  const config = loadConfig(fullEnv);
  const db = createDb({ url: database.url, max: 5 });
  const sql: Sql = createSql(database.url);
  const sealer = createSealer(config.masterKey);
  const services: RouterServices = createRouterServices({
    db,
    sql,
    sealer,
    log: createLogger({ name: 'router', level: 'silent' }),
    openSignup: config.FLOTILLA_OPEN_SIGNUP,
    networkPolicy: networkPolicyFromConfig(config),
    cloudClientOptions: (provider) => ({
      baseUrl: {
        digitalocean: config.DIGITALOCEAN_API_URL,
        hetzner: config.HETZNER_API_URL,
        aws: config.AWS_ENDPOINT_URL_EC2,
      }[provider],
    }),
  });
  const callAs = (token?: string) =>
    createCaller(
      createContext(services, {
        authorization: token ? `Bearer ${token}` : undefined,
        requestId: newId('req'),
        ip: '127.0.0.1',
      }),
    );
  const owner = await callAs().auth.register({
    email: `owner-${randomUUID().slice(0, 8)}@example.test`,
    password: 'correct horse battery staple',
    name: 'Owner',
  });
  const orgId = owner.organization?.id;
  if (!orgId) throw new Error('auth.register made no organization');
  const api = () => callAs(owner.token);
  const keys = await generateKeyPair();
  const key = await api().sshKey.create({
    organizationId: orgId,
    name: 'test',
    privateKey: keys.privateKey,
  });
  return {
    db,
    sealer,
    keys,
    orgId,
    sshKeyId: key.id,
    api,
    config,
    env: fullEnv,
    async close() {
      await sql.end();
      await db.$disconnect();
      await database.drop();
    },
  };
}

export interface PlannedNode {
  role: 'manager' | 'worker';
  host: TestbedHost;
}

function ownServer({ role, host }: PlannedNode) {
  return { role, host: host.host, port: host.port, user: host.user };
}

/** cluster.create of the user's own servers (provider `ssh`). */
export async function createCluster(
  fx: Fixture,
  {
    name,
    orchestrator = 'swarm',
    nodes,
  }: { name: string; orchestrator?: Orchestrator; nodes: PlannedNode[] },
): Promise<string> {
  const cluster = await fx.api().cluster.create({
    organizationId: fx.orgId,
    name,
    provider: 'ssh',
    orchestrator,
    sshKeyId: fx.sshKeyId,
    nodes: nodes.map(ownServer),
  });
  return cluster.id;
}

/** cluster.addNode of one of the user's own servers. */
export async function addNode(fx: Fixture, clusterId: string, node: PlannedNode): Promise<string> {
  const added = await fx.api().cluster.addNode({ clusterId, ...ownServer(node) });
  return added.id;
}

/** cluster.removeNode. */
export async function removeNode(fx: Fixture, clusterId: string, nodeId: string): Promise<void> {
  await fx.api().cluster.removeNode({ clusterId, nodeId });
}

/** cluster.remove. */
export async function deleteCluster(fx: Fixture, clusterId: string): Promise<void> {
  await fx.api().cluster.remove({ clusterId });
}

/** Resolves once the child process has exited (at once if it has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** `waiting`, failing at once (with the exit code) should the worker process exit first. */
export function whileAlive<T>(child: ChildProcess, waiting: Promise<T>): Promise<T> {
  let settled = false;
  const died = exited(child).then((): Promise<T> => {
    if (settled) return new Promise(() => {}); // killed afterwards, on purpose
    return Promise.reject(
      new Error(`the worker exited (${child.exitCode ?? child.signalCode}) while waited on`),
    );
  });
  return Promise.race([waiting.finally(() => (settled = true)), died]);
}

export { eventually };

export interface EngineTest {
  fx: Fixture;
  testbed: Testbed;
  worker: RunningWorker;
  host(index: number): TestbedHost;
  close(): Promise<void>;
}

/** A database, a testbed whose hosts authorize the fixture's key, and a worker in-process. */
export async function startEngineTest({
  hosts,
  env = {},
  settings = {},
}: {
  hosts: number;
  env?: Record<string, string>;
  settings?: Partial<EngineSettings>;
}): Promise<EngineTest> {
  const fx = await createFixture(env);
  const testbed = await createTestbed({ hosts, authorizedKeys: [fx.keys.publicKey] });
  const worker = await startWorker({
    config: fx.config,
    settings: { sshWaitTimeoutMs: 10_000, ...settings },
  });
  return {
    fx,
    testbed,
    worker,
    host(index) {
      const h = testbed.hosts[index];
      if (!h) throw new Error(`no testbed host ${index}`);
      return h;
    },
    async close() {
      await worker.close(true);
      await testbed.destroy();
      await fx.close();
    },
  };
}

/** Waits until the cluster has `status`; resolves to the row. */
export function clusterReaches(
  fx: Fixture,
  clusterId: string,
  status: ClusterStatus,
  timeoutMs = 120_000,
): Promise<Cluster> {
  return eventually(
    `cluster ${status}`,
    async () => {
      const cluster = await fx.db.cluster.findUnique({ where: { id: clusterId } });
      return cluster?.status === status ? cluster : undefined;
    },
    { timeoutMs },
  );
}

/** Waits until the cluster row is gone. */
export function clusterGone(fx: Fixture, clusterId: string): Promise<true> {
  return eventually('cluster row deleted', async () =>
    (await fx.db.cluster.findUnique({ where: { id: clusterId } })) ? undefined : true,
  );
}

/** `docker info`'s swarm state on a testbed host: inactive, active, … */
export async function swarmState(testbed: Testbed, host: string): Promise<string> {
  const out = await testbed.exec(host, "docker info --format '{{.Swarm.LocalNodeState}}'");
  return out.stdout.trim();
}
