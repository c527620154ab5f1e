// Whether a rollout is done, judged exactly as `kubectl rollout status` judges it (kubectl's
// DeploymentStatusViewer and StatefulSetStatusViewer), plus what the pods say when it is not:
// a pod in phase Running can be crash-looping, which only its container states show.
import type { KubeObject } from './resources.ts';

export type RolloutVerdict =
  | { state: 'complete'; detail: string }
  | { state: 'progressing'; detail: string }
  | { state: 'failed'; reason: string };

// biome-ignore lint/suspicious/noExplicitAny: status fields are read defensively.
type Json = any;

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export function deploymentRollout(deployment: KubeObject): RolloutVerdict {
  const d = deployment as Json;
  const name = d.metadata.name;
  const status = d.status ?? {};
  const generation = d.metadata.generation ?? 0;
  if (generation > (status.observedGeneration ?? 0)) {
    return { state: 'progressing', detail: 'waiting for deployment spec update to be observed' };
  }
  const progressing = (status.conditions ?? []).find((c: Condition) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    const why = progressing.message
      ? `ProgressDeadlineExceeded: ${progressing.message}`
      : 'ProgressDeadlineExceeded';
    return {
      state: 'failed',
      reason: `deployment "${name}" exceeded its progress deadline (${why})`,
    };
  }
  const desired = d.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const replicas = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < desired) {
    return {
      state: 'progressing',
      detail: `${updated} out of ${desired} new replicas have been updated`,
    };
  }
  if (replicas > updated) {
    return {
      state: 'progressing',
      detail: `${replicas - updated} old replicas are pending termination`,
    };
  }
  if (available < updated) {
    return {
      state: 'progressing',
      detail: `${available} of ${updated} updated replicas are available`,
    };
  }
  return { state: 'complete', detail: `deployment "${name}" successfully rolled out` };
}

export function statefulSetRollout(statefulSet: KubeObject): RolloutVerdict {
  const s = statefulSet as Json;
  const status = s.status ?? {};
  if (s.spec?.updateStrategy?.type && s.spec.updateStrategy.type !== 'RollingUpdate') {
    return {
      state: 'failed',
      reason: `rollout status is only available for the RollingUpdate strategy type`,
    };
  }
  if (!status.observedGeneration || (s.metadata.generation ?? 0) > status.observedGeneration) {
    return { state: 'progressing', detail: 'waiting for statefulset spec update to be observed' };
  }
  const desired = s.spec?.replicas ?? 1;
  const ready = status.readyReplicas ?? 0;
  if (ready < desired) {
    return { state: 'progressing', detail: `waiting for ${desired - ready} pods to be ready` };
  }
  const partition = s.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  if (partition > 0) {
    const wanted = desired - partition;
    if ((status.updatedReplicas ?? 0) < wanted) {
      return {
        state: 'progressing',
        detail: `waiting for partitioned roll out to finish: ${status.updatedReplicas ?? 0} out of ${wanted} new pods have been updated`,
      };
    }
    return {
      state: 'complete',
      detail: `partitioned roll out complete: ${status.updatedReplicas ?? 0} new pods have been updated`,
    };
  }
  if (status.updateRevision !== status.currentRevision) {
    return {
      state: 'progressing',
      detail: `waiting for statefulset rolling update to complete ${status.updatedReplicas ?? 0} pods at revision ${status.updateRevision}`,
    };
  }
  return {
    state: 'complete',
    detail: `statefulset rolling update complete ${status.currentReplicas ?? ready} pods at revision ${status.currentRevision}`,
  };
}

export interface PodInfo {
  name: string;
  namespace: string;
  /** The pod's phase as the API says it (Running even while a container crash-loops). */
  phase: string;
  /** The Ready condition: what a Service routes by. */
  ready: boolean;
  /**
   * What `kubectl get pods` shows in STATUS: a container's waiting or terminated reason
   * (CrashLoopBackOff, ImagePullBackOff, Error…) before the phase.
   */
  status: string;
  /** The orchestrator's message for a waiting, failed or unschedulable pod. */
  message?: string;
  restarts: number;
  node?: string;
  image: string;
  /** `pod-template-hash` or `controller-revision-hash`: which revision of the template it runs. */
  revision?: string;
  createdAt?: string;
}

export function podInfo(pod: KubeObject): PodInfo {
  const p = pod as Json;
  const statuses: Json[] = p.status?.containerStatuses ?? [];
  const waiting = statuses.map((c) => c.state?.waiting).find((w) => w?.reason);
  const terminated = statuses.map((c) => c.state?.terminated).find((t) => t?.reason);
  const unschedulable = (p.status?.conditions ?? []).find(
    (c: Condition) => c.type === 'PodScheduled' && c.status === 'False',
  );
  const ready = (p.status?.conditions ?? []).some(
    (c: Condition) => c.type === 'Ready' && c.status === 'True',
  );
  const phase = p.status?.phase ?? 'Unknown';
  const message = waiting?.message ?? terminated?.message ?? unschedulable?.message;
  const labels = p.metadata.labels ?? {};
  const revision = labels['pod-template-hash'] ?? labels['controller-revision-hash'];
  return {
    name: p.metadata.name,
    namespace: p.metadata.namespace,
    phase,
    ready,
    status: waiting?.reason ?? terminated?.reason ?? unschedulable?.reason ?? phase,
    ...(message ? { message } : {}),
    restarts: statuses.reduce((sum, c) => sum + (c.restartCount ?? 0), 0),
    ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
    image: p.spec?.containers?.[0]?.image ?? '',
    ...(revision ? { revision } : {}),
    ...(p.metadata.creationTimestamp ? { createdAt: p.metadata.creationTimestamp } : {}),
  };
}

/** "web-7d…-x2k: CrashLoopBackOff (back-off 10s …)" for each pod that is not ready. */
export function podTrouble(pods: PodInfo[]): string[] {
  return pods
    .filter((pod) => !pod.ready)
    .map((pod) => `${pod.name}: ${pod.status}${pod.message ? ` (${pod.message})` : ''}`);
}
