// Apps, databases and stacks on a Kubernetes cluster: a stored set of objects is applied with
// server-side apply, whatever the owner no longer declares is pruned (by its owner label), and
// the change is proven by watching each Deployment and StatefulSet as `kubectl rollout status`
// does. A change that fails, times out or is cancelled puts back the objects that were live
// before (Flotilla's stored objects, never `rollout undo`), so the previous version keeps serving.
import { FlotillaError } from '@flotilla/errors';
import type { DeployOutcome } from '../target.ts';
import { KubernetesApiError, type KubernetesClient } from './client.ts';
import { type WorkloadEvent, workloadEvents } from './events.ts';
import {
  annotationKeys,
  type KubernetesStoredSpec,
  labelKeys,
  type Owner,
  ownerSelector,
  ownerValue,
} from './objects.ts';
import { type KubeObject, objectName, ownedKinds } from './resources.ts';
import {
  deploymentRollout,
  type PodInfo,
  podInfo,
  podTrouble,
  type RolloutVerdict,
  statefulSetRollout,
} from './rollout.ts';
import { validateObject } from './validate.ts';

export interface KubernetesTargetOptions {
  client: KubernetesClient;
  /** Between observations while watching a rollout; default 500 ms. */
  pollMs?: number;
}

export interface KubernetesDeployOptions {
  /** Give up (and put the previous objects back) after this long; default 10 minutes. */
  timeoutMs?: number;
  /** Cancels the change: the previous objects are put back. */
  signal?: AbortSignal;
  /** Every judgement while watching (for live progress). */
  onProgress?: (detail: string) => void;
  /** Put the previous objects back after a failure; default true. */
  restoreOnFailure?: boolean;
}

export interface KubernetesDeployResult {
  outcome: DeployOutcome;
  /** Why it did not succeed: the rollout's verdict and what the pods say. */
  reason?: string;
  /** What was applied: store it with the deployment; `rollbackTo` takes it back. */
  applied: KubernetesStoredSpec;
  /** The owner's objects that were live before, if any (what a failure puts back). */
  previous?: KubernetesStoredSpec;
  /** After a failure: the previous objects were applied again and rolled out. */
  restored: boolean;
  /** "Kind/name" of objects deleted because the owner no longer declares them. */
  pruned: string[];
  durationMs: number;
}

/** A Deployment or StatefulSet of an owner (checked by its owner label before it is touched). */
export interface WorkloadRef {
  namespace: string;
  owner: Owner;
  kind: 'Deployment' | 'StatefulSet';
  name: string;
}

export interface WorkloadStatus {
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  desired: number;
  ready: number;
  verdict: RolloutVerdict;
}

export interface KubernetesTarget {
  /** Applies the set, prunes what the owner no longer declares, and watches the rollout. */
  apply(
    spec: KubernetesStoredSpec,
    options?: KubernetesDeployOptions,
  ): Promise<KubernetesDeployResult>;
  /** Applies a stored set again exactly as it was (and prunes what it does not hold). */
  rollbackTo(
    stored: KubernetesStoredSpec,
    options?: KubernetesDeployOptions,
  ): Promise<KubernetesDeployResult>;
  scale(
    workload: WorkloadRef,
    replicas: number,
    options?: KubernetesDeployOptions,
  ): Promise<KubernetesDeployResult>;
  /** Replaces every pod with the same spec (the `restartedAt` pod-template annotation). */
  restart(
    workload: WorkloadRef,
    options?: KubernetesDeployOptions & {
      /**
       * Which restart request this is (counted by the caller): recorded on the pod template, and
       * a restart whose generation is there already is watched, not applied again.
       */
      generation?: number;
    },
  ): Promise<KubernetesDeployResult>;
  /** The owner's pods (optionally one workload's), with what kubectl would show as STATUS. */
  pods(
    namespace: string,
    owner: Owner,
    name?: string,
  ): Promise<(PodInfo & { upToDate: boolean })[]>;
  /** Each Deployment and StatefulSet of the owner, judged now. */
  status(namespace: string, owner: Owner): Promise<WorkloadStatus[]>;
  /**
   * What happened to the owner's Deployments and pods (optionally one workload's), newest
   * first, from their conditions and container states (events.ts says why not the Events API).
   */
  events(namespace: string, owner: Owner, name?: string): Promise<WorkloadEvent[]>;
  /** The owner's live objects, as they would be applied again. */
  live(namespace: string, owner: Owner): Promise<KubernetesStoredSpec>;
  /**
   * Deletes exactly the owner's objects (volume claims included, unless `keepClaims`: a
   * database's data kept) and resolves once none of them, nor any of its pods, is left.
   */
  remove(
    namespace: string,
    owner: Owner,
    options?: { timeoutMs?: number; keepClaims?: boolean },
  ): Promise<{ deleted: string[] }>;
}

const defaultTimeoutMs = 10 * 60_000;
const kindOrder = (kind: string) => (ownedKinds as readonly string[]).indexOf(kind);
const byApplyOrder = (a: KubeObject, b: KubeObject) =>
  kindOrder(a.kind) - kindOrder(b.kind) || a.metadata.name.localeCompare(b.metadata.name);
const identity = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const isWorkload = (o: KubeObject) => o.kind === 'Deployment' || o.kind === 'StatefulSet';

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

// biome-ignore lint/suspicious/noExplicitAny: live objects are JSON from the API server.
type Json = any;

/**
 * A live object as it would be applied: what the server fills in or owns (status, uid,
 * generation, allocated cluster IPs and node ports, the controller's revision) left out.
 */
export function appliable(live: KubeObject): KubeObject {
  const { apiVersion, kind, metadata, status: _status, ...rest } = structuredClone(live) as Json;
  const annotations = { ...(metadata.annotations ?? {}) };
  delete annotations['deployment.kubernetes.io/revision'];
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  const object: Json = {
    apiVersion,
    kind,
    metadata: {
      name: metadata.name,
      ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
      ...(metadata.labels ? { labels: metadata.labels } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    ...rest,
  };
  if (kind === 'Service' && object.spec) {
    if (object.spec.clusterIP !== 'None') {
      delete object.spec.clusterIP;
      delete object.spec.clusterIPs;
    }
    delete object.spec.healthCheckNodePort;
    for (const port of object.spec.ports ?? []) delete port.nodePort;
  }
  if (kind === 'PersistentVolumeClaim' && object.spec) delete object.spec.volumeName;
  return object;
}

const selectorOf = (workload: Json) =>
  Object.entries((workload.spec?.selector?.matchLabels ?? {}) as Record<string, string>)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');

export function createKubernetesTarget(options: KubernetesTargetOptions): KubernetesTarget {
  const { client } = options;
  const pollMs = options.pollMs ?? 500;

  const liveObjects = async (namespace: string, owner: Owner): Promise<KubeObject[]> => {
    const lists = await Promise.all(
      ownedKinds.map((kind) => client.list(kind, namespace, ownerSelector(owner))),
    );
    return lists.flat().sort(byApplyOrder);
  };

  const checkScope = (spec: KubernetesStoredSpec) => {
    const owner = ownerValue(spec.owner);
    for (const object of spec.objects) {
      validateObject(object);
      if (object.metadata.namespace !== spec.namespace) {
        throw new FlotillaError(
          'invalid',
          `${objectName(object)}: metadata.namespace: must be ${spec.namespace}`,
        );
      }
      if (object.metadata.labels?.[labelKeys.owner] !== owner) {
        throw new FlotillaError(
          'invalid',
          `${objectName(object)}: metadata.labels[${labelKeys.owner}]: must be ${owner}`,
        );
      }
    }
  };

  const ensureNamespace = async (namespace: string) => {
    if (await client.get('Namespace', undefined, namespace)) return;
    await client.apply(
      validateObject({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: namespace, labels: { [labelKeys.managedBy]: 'flotilla' } },
      }),
    );
  };

  /**
   * Keeps a live restart (its annotations on the pod template), so applying an unchanged spec
   * restarts nothing and a later deploy does not count as a restart of its own.
   */
  const keepRestart = (object: KubeObject, live: KubeObject | undefined): KubeObject => {
    const liveAnnotations = (live as Json)?.spec?.template?.metadata?.annotations ?? {};
    const template = (object as Json).spec?.template;
    const keys = [annotationKeys.restartedAt, annotationKeys.restartGeneration].filter(
      (key) => liveAnnotations[key] && !template?.metadata?.annotations?.[key],
    );
    if (!isWorkload(object) || !template || keys.length === 0) return object;
    const copy = structuredClone(object) as Json;
    copy.spec.template.metadata = {
      ...copy.spec.template.metadata,
      annotations: {
        ...copy.spec.template.metadata?.annotations,
        ...Object.fromEntries(keys.map((key) => [key, liveAnnotations[key]])),
      },
    };
    return copy;
  };

  const judge = async (workload: KubeObject): Promise<RolloutVerdict> => {
    const live = await client.get(
      workload.kind as 'Deployment',
      workload.metadata.namespace,
      workload.metadata.name,
    );
    if (!live)
      return { state: 'failed', reason: `${objectName(workload)} was deleted while rolling out` };
    return live.kind === 'Deployment' ? deploymentRollout(live) : statefulSetRollout(live);
  };

  const troubleOf = async (workload: KubeObject): Promise<string[]> => {
    const pods = await client.list('Pod', workload.metadata.namespace, selectorOf(workload));
    return podTrouble(pods.map(podInfo));
  };

  /**
   * Applies `spec` (pruning the owner's other objects when `prune`), then watches its workloads.
   * `previous` is what a failure puts back: the owner's whole live set, or the touched objects.
   */
  async function change(
    spec: KubernetesStoredSpec,
    deploy: KubernetesDeployOptions,
    mode: { prune: boolean; restoring: boolean },
  ): Promise<KubernetesDeployResult> {
    const started = Date.now();
    const timeoutMs = deploy.timeoutMs ?? defaultTimeoutMs;
    const deadline = started + timeoutMs;
    // Nothing is sent before every object is known to be valid and in scope.
    checkScope(spec);
    const desired = [...spec.objects].sort(byApplyOrder);
    if (mode.prune) await ensureNamespace(spec.namespace);
    const before = mode.prune
      ? await liveObjects(spec.namespace, spec.owner)
      : (
          await Promise.all(
            desired.map((o) =>
              client.get(o.kind as 'Deployment', o.metadata.namespace, o.metadata.name),
            ),
          )
        ).filter((o): o is KubeObject => o !== null);
    const liveById = new Map(before.map((o) => [identity(o), o]));
    const previous: KubernetesStoredSpec | undefined = before.length
      ? { ...spec, objects: before.map(appliable).sort(byApplyOrder) }
      : undefined;

    const sent: KubeObject[] = [];
    const pruned: string[] = [];
    const applied: KubernetesStoredSpec = { ...spec, objects: sent };
    const result = (
      outcome: DeployOutcome,
      restored: boolean,
      reason?: string,
    ): KubernetesDeployResult => ({
      outcome,
      ...(reason ? { reason } : {}),
      applied,
      ...(previous ? { previous } : {}),
      restored,
      pruned,
      durationMs: Date.now() - started,
    });
    const restore = async (): Promise<boolean> => {
      if (mode.restoring || deploy.restoreOnFailure === false || !previous) return false;
      const back = await change(
        previous,
        { timeoutMs, ...(deploy.onProgress ? { onProgress: deploy.onProgress } : {}) },
        { prune: mode.prune, restoring: true },
      );
      return back.outcome === 'succeeded';
    };

    try {
      for (const object of desired) {
        const body = keepRestart(object, liveById.get(identity(object)));
        await client.apply(body);
        sent.push(body);
      }
    } catch (error) {
      // The API server refused an object the checks here let through. Nothing is left half
      // applied: the previous objects go back, or a first deploy's objects are deleted.
      if (!(error instanceof KubernetesApiError) || error.code !== 'invalid') throw error;
      if (!previous && mode.prune && !mode.restoring) {
        for (const object of [...sent].reverse()) {
          await client.delete(
            object.kind as 'Deployment',
            object.metadata.namespace,
            object.metadata.name,
          );
        }
      }
      return result('failed', await restore(), error.message);
    }
    if (mode.prune) {
      const wanted = new Set(desired.map(identity));
      for (const stale of [...before].reverse()) {
        if (wanted.has(identity(stale))) continue;
        if (
          await client.delete(
            stale.kind as 'Deployment',
            stale.metadata.namespace,
            stale.metadata.name,
          )
        ) {
          pruned.push(objectName(stale));
        }
      }
    }

    const workloads = desired.filter(isWorkload);
    for (;;) {
      if (deploy.signal?.aborted) {
        return result(
          'cancelled',
          await restore(),
          'cancelled; the previous objects were applied again',
        );
      }
      const verdicts = await Promise.all(workloads.map(async (w) => [w, await judge(w)] as const));
      const failed = verdicts.find(([, verdict]) => verdict.state === 'failed');
      if (failed) {
        const [workload, verdict] = failed;
        const trouble = await troubleOf(workload);
        const reason = [verdict.state === 'failed' ? verdict.reason : '', ...trouble].join('; ');
        return result('failed', await restore(), reason);
      }
      if (verdicts.every(([, verdict]) => verdict.state === 'complete'))
        return result('succeeded', false);
      const waiting = verdicts
        .filter(([, verdict]) => verdict.state === 'progressing')
        .map(
          ([w, verdict]) =>
            `${objectName(w)}: ${verdict.state === 'progressing' ? verdict.detail : ''}`,
        );
      if (Date.now() >= deadline) {
        const trouble = (await Promise.all(workloads.map(troubleOf))).flat();
        const why = [...waiting, ...trouble].join('; ');
        return result('timedOut', await restore(), `timed out after ${timeoutMs} ms: ${why}`);
      }
      deploy.onProgress?.(waiting.join('; '));
      await sleep(pollMs, deploy.signal);
    }
  }

  const workloadOf = async (ref: WorkloadRef): Promise<KubeObject> => {
    const live = await client.get(ref.kind, ref.namespace, ref.name);
    if (!live || live.metadata.labels?.[labelKeys.owner] !== ownerValue(ref.owner)) {
      throw new FlotillaError(
        'notFound',
        `no ${ref.kind} ${ref.name} of ${ownerValue(ref.owner)} in ${ref.namespace}`,
      );
    }
    return appliable(live);
  };

  const single = (ref: WorkloadRef, object: KubeObject): KubernetesStoredSpec => ({
    orchestrator: 'kubernetes',
    namespace: ref.namespace,
    owner: ref.owner,
    objects: [object],
  });

  const apply: KubernetesTarget['apply'] = (spec, deploy = {}) =>
    change(spec, deploy, { prune: true, restoring: false });

  return {
    apply,
    rollbackTo: apply,

    async scale(ref, replicas, deploy = {}) {
      if (!Number.isInteger(replicas) || replicas < 0 || replicas > 100) {
        throw new FlotillaError('invalid', 'replicas: an integer from 0 to 100');
      }
      const object = (await workloadOf(ref)) as Json;
      object.spec.replicas = replicas;
      return change(single(ref, object), deploy, { prune: false, restoring: false });
    },

    async restart(ref, deploy = {}) {
      const object = (await workloadOf(ref)) as Json;
      const annotations = object.spec.template.metadata?.annotations ?? {};
      const { generation } = deploy;
      // A restart already applied (by an earlier attempt) is only watched: the unchanged object
      // goes back as it is, which changes nothing.
      const applied =
        generation !== undefined &&
        Number(annotations[annotationKeys.restartGeneration] ?? -1) >= generation;
      if (!applied) {
        object.spec.template.metadata = {
          ...object.spec.template.metadata,
          annotations: {
            ...annotations,
            [annotationKeys.restartedAt]: new Date().toISOString(),
            ...(generation !== undefined
              ? { [annotationKeys.restartGeneration]: String(generation) }
              : {}),
          },
        };
      }
      return change(single(ref, object), deploy, { prune: false, restoring: false });
    },

    async pods(namespace, owner, name) {
      const selector = `${ownerSelector(owner)}${name ? `,${labelKeys.name}=${name}` : ''}`;
      const [pods, sets, statefulSets] = await Promise.all([
        client.list('Pod', namespace, selector),
        client.list('ReplicaSet', namespace, selector),
        client.list('StatefulSet', namespace, selector),
      ]);
      // The current revision of each workload: its newest ReplicaSet's hash, or the
      // StatefulSet's updateRevision.
      const current = new Set<string>();
      const newest = new Map<string, { revision: number; hash: string }>();
      for (const rs of sets as Json[]) {
        const deployment = rs.metadata.ownerReferences?.[0]?.name ?? '';
        const revision = Number(
          rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0,
        );
        const hash = rs.metadata.labels?.['pod-template-hash'];
        if (hash && revision >= (newest.get(deployment)?.revision ?? -1))
          newest.set(deployment, { revision, hash });
      }
      for (const { hash } of newest.values()) current.add(hash);
      for (const set of statefulSets as Json[])
        if (set.status?.updateRevision) current.add(set.status.updateRevision);
      return pods
        .map(podInfo)
        .map((pod) => ({
          ...pod,
          upToDate: pod.revision !== undefined && current.has(pod.revision),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
    },

    async status(namespace, owner) {
      const [deployments, statefulSets] = await Promise.all([
        client.list('Deployment', namespace, ownerSelector(owner)),
        client.list('StatefulSet', namespace, ownerSelector(owner)),
      ]);
      return [...deployments, ...statefulSets].map((w: Json) => ({
        kind: w.kind,
        name: w.metadata.name,
        desired: w.spec?.replicas ?? 1,
        ready: w.status?.readyReplicas ?? 0,
        verdict: w.kind === 'Deployment' ? deploymentRollout(w) : statefulSetRollout(w),
      }));
    },

    async events(namespace, owner, name) {
      const selector = `${ownerSelector(owner)}${name ? `,${labelKeys.name}=${name}` : ''}`;
      const [deployments, pods] = await Promise.all([
        client.list('Deployment', namespace, selector),
        client.list('Pod', namespace, selector),
      ]);
      return workloadEvents(deployments, pods);
    },

    async live(namespace, owner) {
      const objects = (await liveObjects(namespace, owner)).map(appliable);
      return { orchestrator: 'kubernetes', namespace, owner, objects };
    },

    async remove(namespace, owner, removeOptions = {}) {
      const timeoutMs = removeOptions.timeoutMs ?? 120_000;
      const kept = (o: KubeObject) =>
        removeOptions.keepClaims === true && o.kind === 'PersistentVolumeClaim';
      const objects = (await liveObjects(namespace, owner)).filter((o) => !kept(o));
      const deleted: string[] = [];
      // Ingress first, claims last: nothing routes to what is going away.
      for (const object of [...objects].reverse()) {
        if (await client.delete(object.kind as 'Deployment', namespace, object.metadata.name)) {
          deleted.push(objectName(object));
        }
      }
      // Deletion is asynchronous (the garbage collector takes pods after their owners).
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [live, pods] = await Promise.all([
          liveObjects(namespace, owner),
          client.list('Pod', namespace, ownerSelector(owner)),
        ]);
        const left = live.filter((o) => !kept(o));
        if (left.length === 0 && pods.length === 0) return { deleted };
        if (Date.now() >= deadline) {
          throw new FlotillaError(
            'commandTimedOut',
            `${left.length} object(s) and ${pods.length} pod(s) of ${ownerValue(owner)} still present ${timeoutMs} ms after removal`,
          );
        }
        await sleep(pollMs);
      }
    },
  };
}
