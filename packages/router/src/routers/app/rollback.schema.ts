import { z } from 'zod';
import { appId, appRef, deployment, deploymentId } from './schema.ts';

export const appRollbackInput = appRef.extend({
  /** The deployment to apply again (an earlier one of this app that served). */
  deploymentId,
});
export const appRollbackOutput = deployment;

/** `POST /api/v1/apps/{id}/deployments/{deploymentId}/revert`. */
export const appRollbackRestInput = z
  .object({ id: appId, deploymentId })
  .transform(({ id, deploymentId }) => ({ appId: id, deploymentId }));
