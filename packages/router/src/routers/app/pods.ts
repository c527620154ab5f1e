// An app's tasks (Kubernetes: its pods) as the apps page shows pods: read live through the
// cluster's manager.
import { appsNamespace, type Owner, type PodInfo, type TaskInfo } from '@flotilla/deploy';
import type { SwarmConnection } from '../../cluster-connections.ts';
import { phaseOf } from './live.ts';
import type { Pod } from './pods.schema.ts';

export function podOf(task: TaskInfo): Pod {
  return {
    name: task.name,
    phase: phaseOf(task.state),
    ready: task.state === 'running' && task.upToDate,
    state: task.state,
    desiredState: task.desiredState,
    node: task.node ?? null,
    message: task.message ?? null,
    error: task.error ?? null,
    image: task.image,
    upToDate: task.upToDate,
    updatedAt: new Date(task.updatedAt).toISOString(),
  };
}

/** Every task of the service (history included); [] when the service does not exist (yet). */
export async function tasksOf(swarm: SwarmConnection, serviceName: string): Promise<TaskInfo[]> {
  const service = await swarm.engine.service(serviceName);
  if (!service) return [];
  return swarm.target.tasks(serviceName);
}

/** The tasks that should be running now: what the apps page calls pods. */
export const currentPods = (tasks: TaskInfo[]) =>
  tasks.filter((task) => task.desiredState === 'running').map(podOf);

/** Where an app's objects are on a Kubernetes cluster, and the owner they are labelled with. */
export const kubernetesApp = (appId: string): { namespace: string; owner: Owner } => ({
  namespace: appsNamespace,
  owner: { kind: 'app', id: appId },
});

const phases = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);

/**
 * A Kubernetes pod as the page shows it: `ready` is its Ready condition (a crash-looping pod is
 * Running but never ready), `state` what `kubectl get pods` shows in STATUS.
 */
export function kubernetesPod(info: PodInfo & { upToDate: boolean }): Pod {
  const trouble = !info.ready && info.status !== info.phase;
  return {
    name: info.name,
    phase: phases.has(info.phase) ? (info.phase as Pod['phase']) : 'Unknown',
    ready: info.ready,
    state: info.status,
    desiredState: 'Running',
    node: info.node ?? null,
    message: info.message ?? null,
    error: trouble ? `${info.status}${info.message ? `: ${info.message}` : ''}` : null,
    image: info.image,
    upToDate: info.upToDate,
    updatedAt: new Date(info.createdAt ?? Date.now()).toISOString(),
  };
}
