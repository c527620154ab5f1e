// What every worker test needs: its own database and queue prefix, an organization with a
// sealed SSH key whose public half the testbed hosts authorize, and helpers that write rows and
// outbox jobs exactly as cluster.create / addNode / removeNode / remove do.
import { randomUUID } from 'node:crypto';
import { type Config, loadConfig } from '@flotilla/config';
import {
  type Cluster,
  type ClusterStatus,
  createDb,
  type Db,
  newId,
  type Orchestrator,
} from '@flotilla/db';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { eventually } from '@flotilla/harness';
import { transitionCluster, transitionNode } from '@flotilla/lifecycle';
import { writeOutboxJob } from '@flotilla/queue';
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

export interface Fixture {
  db: Db;
  sealer: Sealer;
  keys: KeyPair;
  orgId: string;
  sshKeyId: string;
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
    ...env,
  };
  const config = loadConfig(fullEnv);
  const db = createDb({ url: database.url, max: 5 });
  const sealer = createSealer(config.masterKey);
  const keys = await generateKeyPair();
  const orgId = newId('org');
  const sshKeyId = newId('key');
  await db.organization.create({ data: { id: orgId, name: 'Test', slug: orgId } });
  await db.sshKey.create({
    data: {
      id: sshKeyId,
      organizationId: orgId,
      name: 'test',
      publicKey: keys.publicKey,
      fingerprint: 'SHA256:test',
      // The context the API seals SSH keys with (packages/router/src/ssh-keys.ts).
      privateKeyEncrypted: sealer.seal(keys.privateKey, `ssh-key:${sshKeyId}`),
    },
  });
  return {
    db,
    sealer,
    keys,
    orgId,
    sshKeyId,
    config,
    env: fullEnv,
    async close() {
      await db.$disconnect();
      await database.drop();
    },
  };
}

export interface PlannedNode {
  role: 'manager' | 'worker';
  host: TestbedHost;
}

/** cluster.create for provider `ssh`: cluster + node rows + the provisionCluster outbox job. */
export async function createCluster(
  fx: Fixture,
  {
    name,
    orchestrator = 'swarm',
    nodes,
  }: { name: string; orchestrator?: Orchestrator; nodes: PlannedNode[] },
): Promise<string> {
  const clusterId = newId('cls');
  await fx.db.$transaction(async (tx) => {
    await tx.cluster.create({
      data: {
        id: clusterId,
        organizationId: fx.orgId,
        name,
        provider: 'ssh',
        region: 'own',
        orchestrator,
        status: 'provisioning',
        statusReason: 'cluster requested',
        sshKeyId: fx.sshKeyId,
      },
    });
    const ordered = [...nodes].sort((a, b) =>
      a.role === b.role ? 0 : a.role === 'manager' ? -1 : 1,
    );
    await tx.node.createMany({
      data: ordered.map((n, index) => ({
        id: newId('node'),
        clusterId,
        name: `${name}-${index + 1}`,
        ordinal: index + 1,
        role: n.role,
        status: 'provisioning' as const,
        address: n.host.host,
        sshPort: n.host.port,
        sshUser: n.host.user,
      })),
    });
    await writeOutboxJob(tx, 'provisionCluster', { clusterId });
  });
  return clusterId;
}

/** cluster.addNode for provider `ssh`. */
export async function addNode(fx: Fixture, clusterId: string, node: PlannedNode): Promise<string> {
  return fx.db.$transaction(async (tx) => {
    const cluster = await tx.cluster.findUniqueOrThrow({
      where: { id: clusterId },
      include: { nodes: true },
    });
    const ordinal = Math.max(0, ...cluster.nodes.map((n) => n.ordinal)) + 1;
    const nodeId = newId('node');
    await tx.node.create({
      data: {
        id: nodeId,
        clusterId,
        name: `${cluster.name}-${ordinal}`,
        ordinal,
        role: node.role,
        status: 'provisioning',
        address: node.host.host,
        sshPort: node.host.port,
        sshUser: node.host.user,
      },
    });
    await writeOutboxJob(tx, 'provisionNode', { clusterId, nodeId });
    return nodeId;
  });
}

/** cluster.removeNode. */
export async function removeNode(fx: Fixture, clusterId: string, nodeId: string): Promise<void> {
  await fx.db.$transaction(async (tx) => {
    await transitionNode(tx, nodeId, 'deleting', 'removal requested by the test');
    await writeOutboxJob(tx, 'removeNode', { clusterId, nodeId });
  });
}

/** cluster.remove. */
export async function deleteCluster(fx: Fixture, clusterId: string): Promise<void> {
  await fx.db.$transaction(async (tx) => {
    await transitionCluster(tx, clusterId, 'deleting', 'deletion requested by the test');
    await writeOutboxJob(tx, 'deleteCluster', { clusterId });
  });
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
