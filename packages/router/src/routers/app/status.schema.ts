import { z } from 'zod';
import { restOutput } from '../../schemas/rest.ts';
import { pod, podToRestShape, restPod } from './pods.schema.ts';
import { appRef, restAppPath } from './schema.ts';

export const appStatusInput = appRef;
export const appStatusOutput = z.object({
  appId: z.string(),
  /** Whether the cluster runs a service for the app at all. */
  service: z.enum(['present', 'absent']),
  /** Replicas the orchestrator is asked for now (0 when there is no service). */
  desiredReplicas: z.number().int(),
  /** Tasks running the current spec. */
  readyReplicas: z.number().int(),
  /**
   * Swarm's update state (`updating`, `completed`, `rollback_completed`, …), if any; on
   * Kubernetes the rollout as `kubectl rollout status` judges it (`complete`, `progressing`,
   * `failed`), with `updateMessage` its detail or reason.
   */
  updateState: z.string().nullable(),
  updateMessage: z.string().nullable(),
  pods: z.array(pod),
});

/** `GET /api/v1/apps/{id}/status`. */
export const appStatusRestInput = restAppPath.transform(({ id }) => ({ appId: id }));

export const appStatusToRest = restOutput(
  z.object({
    desired_replicas: z.number().int(),
    ready_replicas: z.number().int(),
    service: z.enum(['present', 'absent']),
    update_state: z.string().nullable(),
    update_message: z.string().nullable(),
    pods: z.array(restPod),
  }),
  (status: z.infer<typeof appStatusOutput>) => ({
    desired_replicas: status.desiredReplicas,
    ready_replicas: status.readyReplicas,
    service: status.service,
    update_state: status.updateState,
    update_message: status.updateMessage,
    pods: status.pods.map(podToRestShape),
  }),
);
