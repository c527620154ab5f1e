import { z } from 'zod';
import { appId, appRef, deployment, deploymentId } from './schema.ts';

export const appCancelDeploymentInput = appRef.extend({ deploymentId });
export const appCancelDeploymentOutput = deployment;

/** `POST /api/v1/apps/{id}/deployments/{deploymentId}/cancel`. */
export const appCancelDeploymentRestInput = z
  .object({ id: appId, deploymentId })
  .transform(({ id, deploymentId }) => ({ appId: id, deploymentId }));
