// The Kubernetes (k3s) cluster a database runs on, as a database job reaches it: the API server of
// the first manager that answers, through the apps' SSH tunnel and sealed kubeconfig, with
// @flotilla/deploy's database operations over it. The database's objects are built from its row
// each time (nothing is stored beside it): the password is opened from its sealed column only to
// go into the Secret that is applied.
import {
  createKubernetesDatabases,
  type KubernetesDatabase,
  type KubernetesDatabases,
} from '@flotilla/deploy';
import { reachKubernetes } from '../apps/kubernetes.ts';
import { appStep } from '../apps/log.ts';
import type { Engine } from '../engine.ts';
import { type DatabaseRecord, databaseRef } from './records.ts';

export interface DatabaseKubernetes {
  databases: KubernetesDatabases;
  managerName: string;
  close(): Promise<void>;
}

export async function reachKubernetesDatabases(
  engine: Engine,
  clusterId: string,
): Promise<DatabaseKubernetes> {
  const kube = await reachKubernetes(engine, clusterId);
  return {
    databases: createKubernetesDatabases({ target: kube.target, client: kube.client }),
    managerName: kube.managerName,
    close: () => kube.close(),
  };
}

/** The `database.connect` step of a database's job: its cluster's API server, logged. */
export function connectKubernetesDatabases(
  engine: Engine,
  database: Pick<DatabaseRecord, 'id' | 'name' | 'clusterId'>,
): Promise<DatabaseKubernetes> {
  return appStep(
    engine,
    databaseRef(database),
    'database.connect',
    () => reachKubernetesDatabases(engine, database.clusterId),
    (k) => `API server of ${k.managerName} answers`,
  );
}

/** The database as its objects are built: named by its service name, owned by its id. */
export function kubernetesDatabaseOf(database: DatabaseRecord): KubernetesDatabase {
  return {
    id: database.id,
    name: database.serviceName,
    engine: database.engine,
    image: database.image,
    ...(database.connectionUser ? { user: database.connectionUser } : {}),
    ...(database.connectionDatabase ? { database: database.connectionDatabase } : {}),
  };
}

/**
 * Records the node the database's pod runs on (Flotilla's node and the Kubernetes node name):
 * with k3s's default local-path storage its volume lives there, so removing that node is refused
 * as on Swarm. Returns whether it changed.
 */
export async function recordPodNode(
  engine: Engine,
  database: Pick<DatabaseRecord, 'id' | 'clusterId' | 'orchestratorNodeId'>,
  nodeName: string | undefined,
): Promise<boolean> {
  if (!nodeName || database.orchestratorNodeId === nodeName) return false;
  const node = await engine.db.node.findFirst({
    where: {
      clusterId: database.clusterId,
      status: { not: 'deleting' },
      OR: [{ orchestratorNodeId: nodeName }, { name: nodeName }],
    },
    select: { id: true },
  });
  const { count } = await engine.db.managedDatabase.updateMany({
    where: { id: database.id, status: { not: 'deleting' } },
    data: { orchestratorNodeId: nodeName, nodeId: node?.id ?? null },
  });
  return count > 0;
}

/**
 * Why a dump or a restore is not done on Kubernetes: both run a tool inside the database's
 * container (pg_dump, pg_restore, redis-cli), which on Kubernetes is the kubelet's exec
 * (a streaming upgrade of `pods/exec`) — not spoken by Flotilla's client yet.
 */
export function kubernetesDumpsUnavailable(what: 'backup' | 'restore'): string {
  return `${what === 'backup' ? 'backups' : 'restores'} of databases on Kubernetes are not available yet: they run ${what === 'backup' ? 'pg_dump / redis-cli --rdb' : 'pg_restore / a snapshot load'} inside the database's pod, which needs exec into it`;
}
