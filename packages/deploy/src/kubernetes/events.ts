// What happened to a workload, told from its objects: the Deployment's conditions and each pod's
// conditions and container states, each at the time the API server recorded it. Not the Events
// API (`/api/v1/events`): those records expire after an hour on a real cluster and the k3s
// stand-in has none, while these fields are what `kubectl describe` itself prints first.
import type { KubeObject } from './resources.ts';

export interface WorkloadEvent {
  /** ISO time the object's status recorded it. */
  at: string;
  type: 'Normal' | 'Warning';
  /** The Kubernetes reason (`NewReplicaSetAvailable`, `ProgressDeadlineExceeded`, `BackOff`, …). */
  reason: string;
  message: string;
  /** "Deployment/web" or "Pod/web-7d9c…-x2k". */
  object: string;
  node?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: status fields are read defensively.
type Json = any;

const warningConditions = new Set(['ProgressDeadlineExceeded', 'MinimumReplicasUnavailable']);

function deploymentEvents(deployment: Json): WorkloadEvent[] {
  const object = `Deployment/${deployment.metadata.name}`;
  return (deployment.status?.conditions ?? []).flatMap((c: Json): WorkloadEvent[] => {
    const at = c.lastUpdateTime ?? c.lastTransitionTime;
    if (!at || !c.reason) return [];
    return [
      {
        at,
        type: c.status === 'False' || warningConditions.has(c.reason) ? 'Warning' : 'Normal',
        reason: c.reason,
        message: c.message ?? `${c.type} is ${c.status}`,
        object,
      },
    ];
  });
}

function podEvents(pod: Json): WorkloadEvent[] {
  const name = pod.metadata.name;
  const object = `Pod/${name}`;
  const node: string | undefined = pod.spec?.nodeName;
  const on = node ? { node } : {};
  const conditions: Json[] = pod.status?.conditions ?? [];
  const events: WorkloadEvent[] = [];
  const created = pod.metadata.creationTimestamp;
  if (created)
    events.push({
      at: created,
      type: 'Normal',
      reason: 'Created',
      message: `pod ${name} created`,
      object,
    });
  for (const c of conditions) {
    const at = c.lastTransitionTime;
    if (!at) continue;
    if (c.type === 'PodScheduled') {
      events.push(
        c.status === 'True'
          ? {
              at,
              type: 'Normal',
              reason: 'Scheduled',
              message: `assigned to ${node ?? 'a node'}`,
              object,
              ...on,
            }
          : {
              at,
              type: 'Warning',
              reason: 'FailedScheduling',
              message: c.message ?? 'no node can take the pod',
              object,
            },
      );
    } else if (c.type === 'Ready') {
      events.push(
        c.status === 'True'
          ? {
              at,
              type: 'Normal',
              reason: 'Ready',
              message: 'every container is ready',
              object,
              ...on,
            }
          : {
              at,
              type: 'Warning',
              reason: c.reason ?? 'NotReady',
              message: c.message ?? 'not ready',
              object,
              ...on,
            },
      );
    }
  }
  // A container's current trouble has no time of its own: it is as recent as the pod's last
  // transition (or its start).
  const latest =
    conditions
      .map((c) => c.lastTransitionTime as string | undefined)
      .filter((t): t is string => Boolean(t))
      .sort()
      .at(-1) ?? created;
  for (const status of (pod.status?.containerStatuses ?? []) as Json[]) {
    const waiting = status.state?.waiting;
    const last = status.lastState?.terminated;
    if (last?.finishedAt) {
      events.push({
        at: last.finishedAt,
        type: 'Warning',
        reason: last.reason ?? 'Terminated',
        message: `container ${status.name} exited with code ${last.exitCode ?? '?'} (restarts: ${status.restartCount ?? 0})`,
        object,
        ...on,
      });
    }
    if (waiting?.reason && waiting.reason !== 'ContainerCreating' && latest) {
      events.push({
        at: latest,
        type: 'Warning',
        // kubectl shows these as the kubelet's BackOff events; the waiting reason is more precise.
        reason: waiting.reason,
        message: waiting.message ?? `container ${status.name} is waiting`,
        object,
        ...on,
      });
    }
  }
  return events;
}

/** Every event the Deployments and pods show, newest first. */
export function workloadEvents(workloads: KubeObject[], pods: KubeObject[]): WorkloadEvent[] {
  return [
    ...workloads.filter((w) => w.kind === 'Deployment').flatMap(deploymentEvents),
    ...pods.flatMap(podEvents),
  ].sort((a, b) => b.at.localeCompare(a.at) || a.object.localeCompare(b.object));
}
