// A managed database on a Kubernetes cluster: its objects (buildDatabaseObjects — StatefulSet with
// one replica and a volume claim template, password Secret, headless Service) applied in the
// databases' namespace and judged as `kubectl rollout status` judges a StatefulSet, its
// readiness read back from the API server, and removal of exactly its objects.
//
// Readiness is the kubelet's: it runs the readiness probe (`pg_isready` / `redis-cli ping`, the
// same command the Swarm path runs through the Engine API) inside the pod, and the pod's Ready
// condition and the StatefulSet's readyReplicas say what it found. Flotilla does not exec into
// pods itself, so dumps and restores (which need that) are not offered here.
import type { RegistryCredentials } from '../app.ts';
import type { KubernetesClient } from '../kubernetes/client.ts';
import {
  buildDatabaseObjects,
  type KubernetesDatabaseSpec,
  type KubernetesStoredSpec,
  labelKeys,
  type Owner,
  ownerSelector,
  ownerValue,
} from '../kubernetes/objects.ts';
import type { KubernetesDeployResult, KubernetesTarget } from '../kubernetes/target.ts';
import { kubernetesDatabasesNamespace } from './engines.ts';

/** A database as its objects are built, without the password (handed to `deploy` only). */
export type KubernetesDatabase = Omit<KubernetesDatabaseSpec, 'password'>;

export interface KubernetesDatabaseProbe {
  ready: boolean;
  /** Why it is not ready, in the API server's words (the pod's status and message). */
  reason?: string;
  /** `<name>-0`, when it exists. */
  pod?: string;
  /** The node the pod runs on. */
  node?: string;
  /** The pod's STATUS as kubectl shows it: Running, CrashLoopBackOff, ImagePullBackOff… */
  status?: string;
}

export interface KubernetesDatabaseRemoveResult {
  /** "Kind/name" of each object deleted. */
  deleted: string[];
  /** The claim holding the data: deleted, kept (`keepVolume`), or there was none. */
  volume: 'removed' | 'kept' | 'absent';
}

export interface KubernetesDatabases {
  /**
   * Applies the database's objects and waits until its StatefulSet reports the pod ready (or
   * `timeoutMs`). An unchanged database re-applied changes nothing (server-side apply).
   */
  deploy(
    db: KubernetesDatabase,
    options: {
      password: string;
      registry?: RegistryCredentials;
      timeoutMs?: number;
      signal?: AbortSignal;
    },
  ): Promise<KubernetesDeployResult>;
  /** Ready when the StatefulSet counts its pod ready and the pod is Running and Ready. */
  probe(db: KubernetesDatabase): Promise<KubernetesDatabaseProbe>;
  /** Deletes exactly the database's objects (found by its owner label) and waits for them. */
  remove(
    db: KubernetesDatabase,
    options?: { keepVolume?: boolean; timeoutMs?: number },
  ): Promise<KubernetesDatabaseRemoveResult>;
}

export const databaseOwner = (id: string): Owner => ({ kind: 'database', id });

/**
 * The objects `deploy` applies, in the databases' namespace unless told otherwise. Each is
 * validated: an invalid one throws (`KubernetesValidationError`) before anything is sent.
 */
export function kubernetesDatabaseObjects(
  db: KubernetesDatabase,
  options: { password: string; registry?: RegistryCredentials; namespace?: string },
): KubernetesStoredSpec {
  return buildDatabaseObjects(
    { ...db, password: options.password },
    {
      namespace: options.namespace ?? kubernetesDatabasesNamespace,
      ...(options.registry ? { registry: options.registry } : {}),
    },
  );
}

// biome-ignore lint/suspicious/noExplicitAny: objects are JSON from the API server.
type Json = any;

export function createKubernetesDatabases(options: {
  target: KubernetesTarget;
  client: KubernetesClient;
  namespace?: string;
}): KubernetesDatabases {
  const { target, client } = options;
  const namespace = options.namespace ?? kubernetesDatabasesNamespace;

  return {
    deploy(db, { password, registry, timeoutMs, signal }) {
      const built = kubernetesDatabaseObjects(db, {
        password,
        namespace,
        ...(registry ? { registry } : {}),
      });
      return target.apply(built, {
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        ...(signal ? { signal } : {}),
      });
    },

    async probe(db) {
      const owner = databaseOwner(db.id);
      const set = (await client.get('StatefulSet', namespace, db.name)) as Json;
      if (!set || set.metadata.labels?.[labelKeys.owner] !== ownerValue(owner)) {
        return { ready: false, reason: `StatefulSet ${db.name} is not on the cluster` };
      }
      const podName = `${db.name}-0`;
      const pod = (await target.pods(namespace, owner, db.name)).find((p) => p.name === podName);
      if (!pod) {
        return { ready: false, reason: `pod ${podName} does not exist (yet)` };
      }
      const where = { pod: pod.name, status: pod.status, ...(pod.node ? { node: pod.node } : {}) };
      const counted = (set.status?.readyReplicas ?? 0) >= 1;
      // A crash-looping pod's phase is still Running; its STATUS (the container's waiting
      // reason) says CrashLoopBackOff and it is not Ready.
      if (pod.ready && pod.status === 'Running' && counted) return { ready: true, ...where };
      const detail = pod.ready
        ? pod.status === 'Running'
          ? 'the StatefulSet does not count it ready yet'
          : pod.status
        : `${pod.status}${pod.message ? ` (${pod.message})` : ''}, not Ready`;
      return { ready: false, reason: `pod ${pod.name}: ${detail}`, ...where };
    },

    async remove(db, removeOptions = {}) {
      const owner = databaseOwner(db.id);
      const keepVolume = removeOptions.keepVolume === true;
      const claims = keepVolume
        ? await client.list('PersistentVolumeClaim', namespace, ownerSelector(owner))
        : [];
      const { deleted } = await target.remove(namespace, owner, {
        keepClaims: keepVolume,
        ...(removeOptions.timeoutMs !== undefined ? { timeoutMs: removeOptions.timeoutMs } : {}),
      });
      const removed = deleted.some((name) => name.startsWith('PersistentVolumeClaim/'));
      return {
        deleted,
        volume: keepVolume
          ? claims.length > 0
            ? 'kept'
            : 'absent'
          : removed
            ? 'removed'
            : 'absent',
      };
    },
  };
}
