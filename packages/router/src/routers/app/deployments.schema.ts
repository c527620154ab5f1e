import { z } from 'zod';
import { restOutput } from '../../schemas/rest.ts';
import {
  appRef,
  deployment,
  deploymentStatusSchema,
  deploymentToRestShape,
  restAppPath,
  restDeployment,
} from './schema.ts';

export const appDeploymentsInput = appRef.extend({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  status: deploymentStatusSchema.optional(),
});
/** Newest first, as a bare array; the total travels in `X-Total-Count`. */
export const appDeploymentsOutput = z.array(deployment);

/** `GET /api/v1/apps/{id}/deployments`. */
export const appDeploymentsRestInput = restAppPath
  .extend({
    page: appDeploymentsInput.shape.page,
    limit: appDeploymentsInput.shape.limit,
    status: appDeploymentsInput.shape.status,
  })
  .transform(({ id, ...rest }) => ({ appId: id, ...rest }));

export const deploymentListToRest = restOutput(
  z.array(restDeployment),
  (rows: z.infer<typeof appDeploymentsOutput>) => rows.map(deploymentToRestShape),
);
