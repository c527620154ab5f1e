import { z } from 'zod';
import { isoDate } from '../../schemas/common.ts';
import { restOutput } from '../../schemas/rest.ts';
import { appRef, restAppPath } from './schema.ts';

export const pod = z.object({
  /** `<service>.<slot>.<task id>`, as `docker service ps` names it (Kubernetes: the pod's name). */
  name: z.string(),
  phase: z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']),
  /** Running the service's current spec. */
  ready: z.boolean(),
  /**
   * The orchestrator's own state (Swarm: new … running, failed, shutdown; Kubernetes: what
   * `kubectl get pods` shows as STATUS, e.g. `CrashLoopBackOff` for a Running pod never ready).
   */
  state: z.string(),
  desiredState: z.string(),
  node: z.string().nullable(),
  message: z.string().nullable(),
  error: z.string().nullable(),
  image: z.string(),
  upToDate: z.boolean(),
  updatedAt: isoDate,
});
export type Pod = z.infer<typeof pod>;

export const appPodsInput = appRef;
/** The tasks that should be running (history in app.events). */
export const appPodsOutput = z.array(pod);

/** `GET /api/v1/apps/{id}/pods`. */
export const appPodsRestInput = restAppPath.transform(({ id }) => ({ appId: id }));

export const restPod = z.object({
  name: z.string(),
  phase: pod.shape.phase,
  ready: z.boolean(),
  state: z.string(),
  desired_state: z.string(),
  node: z.string().nullable(),
  message: z.string().nullable(),
  error: z.string().nullable(),
  image: z.string(),
  up_to_date: z.boolean(),
  updated_at: isoDate,
});

export function podToRestShape(p: Pod): z.infer<typeof restPod> {
  return {
    name: p.name,
    phase: p.phase,
    ready: p.ready,
    state: p.state,
    desired_state: p.desiredState,
    node: p.node,
    message: p.message,
    error: p.error,
    image: p.image,
    up_to_date: p.upToDate,
    updated_at: p.updatedAt,
  };
}

export const podsToRest = restOutput(z.array(restPod), (pods: Pod[]) => pods.map(podToRestShape));
