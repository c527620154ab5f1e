// An app on a Kubernetes (k3s) cluster, as the app jobs reach and change it: the API server of
// the first manager (by ordinal) that answers, through an SSH tunnel to its own 127.0.0.1:6443
// (host key held to the pinned one; the API server is never exposed), with the cluster's sealed
// kubeconfig. The app's objects — Deployment, Service, Ingress with a domain, ConfigMap/Secret
// for env, image pull Secret — are built by @flotilla/deploy, owned by `app.<id>`, in the one
// namespace Flotilla's apps share (`appsNamespace`; service names are unique per cluster).
//
// A deployment row keeps the objects it applied, with every Secret's data left out: the env
// Secret's values are sealed on the row (as the Swarm path seals secret env), and the image pull
// Secret is made again at each apply from the registry's credentials of the day (a rotated
// password is never re-applied from an old deployment).
import type { Prisma } from '@flotilla/db';
import {
  annotationKeys,
  appsNamespace,
  buildAppObjects,
  createKubernetesClient,
  createKubernetesTarget,
  type KubeObject,
  type KubernetesClient,
  type KubernetesStoredSpec,
  type KubernetesTarget,
  type Owner,
  parseImageReference,
  pinnedImage,
  pullSecretData,
  type RegistryCredentials,
  type WorkloadRef,
} from '@flotilla/deploy';
import { connectDocker, type DockerEngine } from '@flotilla/docker';
import { errorMessage, FlotillaError } from '@flotilla/errors';
import { deploymentSecretEnvContext, kubeconfigContext } from '@flotilla/secrets';
import type { SshSession } from '@flotilla/ssh';
import { loadCluster } from '../cluster-record.ts';
import type { Engine } from '../engine.ts';
import { PermanentError } from '../errors.ts';
import { connectNode } from '../servers/connect.ts';
import { serverTarget } from '../servers/obtain.ts';
import { type AppRow, pullCredentials } from './records.ts';
import { appSpecOf, secretNamesOf } from './spec.ts';

/** What a Kubernetes deployment row keeps: the objects, and the image reference as asked. */
export type KubernetesAppSpec = KubernetesStoredSpec & { image: string };

export interface AppKubernetes {
  target: KubernetesTarget;
  client: KubernetesClient;
  /** The manager's SSH session (builds run their commands on it). */
  session: SshSession;
  managerName: string;
  /** The manager's Docker Engine API when it runs one (k3s itself runs containerd only). */
  docker(): Promise<DockerEngine | null>;
  close(): Promise<void>;
}

const connectTimeoutMs = 10_000;

export const appOwner = (appId: string): Owner => ({ kind: 'app', id: appId });

export const appWorkload = (app: Pick<AppRow, 'id' | 'serviceName'>): WorkloadRef => ({
  namespace: appsNamespace,
  owner: appOwner(app.id),
  kind: 'Deployment',
  name: app.serviceName,
});

export async function reachKubernetes(engine: Engine, clusterId: string): Promise<AppKubernetes> {
  const cluster = await loadCluster(engine, clusterId);
  if (!cluster) throw new FlotillaError('notFound', `cluster ${clusterId} no longer exists`);
  if (cluster.orchestrator !== 'kubernetes') {
    throw new PermanentError(
      `cluster ${cluster.name} runs ${cluster.orchestrator}, not Kubernetes`,
    );
  }
  if (!cluster.kubeconfigEncrypted) {
    throw new FlotillaError('unavailable', `cluster ${cluster.name} has no kubeconfig yet`);
  }
  const kubeconfig = engine.sealer.open(cluster.kubeconfigEncrypted, kubeconfigContext(cluster.id));
  const reasons: string[] = [];
  for (const node of cluster.nodes) {
    if (node.role !== 'manager' || !node.hostKey || node.status === 'deleting') continue;
    const address = serverTarget(node);
    if (!address) continue;
    let session: SshSession | undefined;
    try {
      session = await connectNode(engine, cluster, node, address, connectTimeoutMs);
      const opened = session;
      const client = createKubernetesClient({
        connect: () => opened.openTcpTunnel('127.0.0.1', 6443),
        kubeconfig,
      });
      // The API server answers (a missing namespace is an answer too).
      await client.get('Namespace', undefined, appsNamespace);
      let docker: Promise<DockerEngine | null> | undefined;
      return {
        target: createKubernetesTarget({ client, pollMs: engine.settings.apps.pollMs }),
        client,
        session: opened,
        managerName: node.name,
        docker: () => {
          docker ??= (async () => {
            const api = connectDocker(opened);
            return api.ping().then(
              () => api,
              () => null,
            );
          })();
          return docker;
        },
        close: () => opened.close(),
      };
    } catch (error) {
      await session?.close().catch(() => undefined);
      reasons.push(`${node.name}: ${errorMessage(error)}`);
    }
  }
  throw new FlotillaError(
    'unreachable',
    `no manager of cluster ${cluster.name} answers${reasons.length ? ` (${reasons.join('; ')})` : ' (none has been provisioned yet)'}`,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: objects are JSON.
type Json = any;

const isPullSecret = (o: KubeObject) =>
  o.kind === 'Secret' && (o as Json).type === 'kubernetes.io/dockerconfigjson';

/**
 * The image pinned to the digest its registry serves now, read by the manager's Docker engine
 * (as the Swarm path does) — when the manager runs one. Without Docker the reference is applied
 * as given and the kubelet resolves it: `null` says it is not pinned.
 */
export async function pinImage(
  kube: AppKubernetes,
  image: string,
  registry: RegistryCredentials | undefined,
): Promise<string | null> {
  if (parseImageReference(image)?.digest) return image;
  const docker = await kube.docker();
  if (!docker) return null;
  const { digest } = await docker.distribution(image, {
    ...(registry
      ? {
          auth: {
            username: registry.username,
            password: registry.password,
            serveraddress: registry.server,
          },
        }
      : {}),
  });
  return pinnedImage(image, digest);
}

/** The app's objects for `image`, marked as applied by `deploymentId`. */
export function appObjectsOf(
  engine: Engine,
  app: AppRow,
  image: string,
  reference: string,
  deploymentId: string,
  registry: RegistryCredentials | undefined,
): KubernetesAppSpec {
  const built = buildAppObjects(appSpecOf(engine, app, image), {
    namespace: appsNamespace,
    secretEnv: secretNamesOf(engine, app),
    ...(app.domain ? { domain: app.domain } : {}),
    ...(engine.settings.apps.progressDeadlineSeconds
      ? { progressDeadlineSeconds: engine.settings.apps.progressDeadlineSeconds }
      : {}),
    ...(registry ? { registry } : {}),
  });
  return { ...markedAs(built, deploymentId), image: reference };
}

/** The Deployment names the Flotilla deployment whose objects it runs. */
export function markedAs<T extends KubernetesStoredSpec>(spec: T, deploymentId: string): T {
  return {
    ...spec,
    objects: spec.objects.map((object) =>
      object.kind === 'Deployment'
        ? {
            ...object,
            metadata: {
              ...object.metadata,
              annotations: {
                ...object.metadata.annotations,
                [annotationKeys.deploymentId]: deploymentId,
              },
            },
          }
        : object,
    ),
  };
}

/** Which Flotilla deployment a live Deployment runs. */
export const deploymentOf = (live: KubeObject | null) =>
  live?.metadata.annotations?.[annotationKeys.deploymentId];

/**
 * Stored objects applied again by a later deployment (a rollback): marked with it, at the
 * replica count the app has now — a rollback takes back a release, not a scale.
 */
export function reappliedAs(
  stored: KubernetesAppSpec,
  deploymentId: string,
  replicas: number,
): KubernetesAppSpec {
  const marked = markedAs(stored, deploymentId);
  return {
    ...marked,
    objects: marked.objects.map((object) =>
      object.kind === 'Deployment'
        ? { ...object, spec: { ...(object as Json).spec, replicas } }
        : object,
    ),
  };
}

/** What the row keeps: no Secret data in the spec; the env Secrets' data sealed apart. */
export function sealKubernetesSpec(
  engine: Engine,
  deploymentId: string,
  stored: KubernetesAppSpec,
): { spec: Prisma.InputJsonValue; secretEnvEncrypted: string | null } {
  const sealed: Record<string, Record<string, string>> = {};
  const objects = stored.objects.map((object) => {
    if (object.kind !== 'Secret') return object;
    const { data, stringData: _never, ...rest } = object as Json;
    if (!isPullSecret(object) && data) sealed[object.metadata.name] = data;
    return rest as KubeObject;
  });
  return {
    spec: { ...stored, objects } as unknown as Prisma.InputJsonValue,
    secretEnvEncrypted:
      Object.keys(sealed).length > 0
        ? engine.sealer.seal(JSON.stringify(sealed), deploymentSecretEnvContext(deploymentId))
        : null,
  };
}

export function isKubernetesSpec(spec: Prisma.JsonValue): boolean {
  return (spec as { orchestrator?: string } | null)?.orchestrator === 'kubernetes';
}

/**
 * A row's stored objects with its sealed Secret data back in, exactly as applied — except the
 * image pull Secret, which `withPullSecret` makes from today's credentials.
 */
export function openKubernetesSpec(
  engine: Engine,
  row: { id: string; spec: Prisma.JsonValue; secretEnvEncrypted: string | null },
): KubernetesAppSpec {
  const stored = row.spec as unknown as KubernetesAppSpec | null;
  if (stored?.orchestrator !== 'kubernetes' || !Array.isArray(stored.objects)) {
    throw new PermanentError(`deployment ${row.id} has no stored Kubernetes objects`);
  }
  if (!row.secretEnvEncrypted) return stored;
  const sealed = JSON.parse(
    engine.sealer.open(row.secretEnvEncrypted, deploymentSecretEnvContext(row.id)),
  ) as Record<string, Record<string, string>>;
  return {
    ...stored,
    objects: stored.objects.map((object) =>
      object.kind === 'Secret' && sealed[object.metadata.name]
        ? ({ ...object, data: sealed[object.metadata.name] } as KubeObject)
        : object,
    ),
  };
}

/**
 * The objects to apply: the image pull Secret filled with the registry's current credentials,
 * or left out when the registry has none now (the pods then pull without them).
 */
export async function withPullSecret(
  engine: Engine,
  app: AppRow,
  stored: KubernetesAppSpec,
): Promise<KubernetesAppSpec> {
  if (!stored.objects.some(isPullSecret)) return stored;
  const registry = await pullCredentials(engine, app, stored.image);
  return {
    ...stored,
    objects: stored.objects.flatMap((object) =>
      isPullSecret(object)
        ? registry
          ? [{ ...object, data: pullSecretData(registry) } as KubeObject]
          : []
        : [object],
    ),
  };
}
