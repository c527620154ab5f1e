import { z } from 'zod';
import { restOutput } from '../../schemas/rest.ts';
import {
  appRef,
  deployment,
  deploymentToRestShape,
  restAppPath,
  restDeployment,
} from './schema.ts';

const options = {
  /**
   * Git apps: build the branch's latest commit first (default true). False deploys the last
   * built image again with the app's current env and settings.
   */
  rebuild: z.boolean().optional(),
  /** Give up (and keep the previous deployment serving) after this long; default 900 s. */
  timeoutSeconds: z.coerce
    .number()
    .int()
    .min(30)
    .max(6 * 3600)
    .optional(),
};

export const appDeployInput = appRef.extend(options);
export const appDeployOutput = deployment;

/** `POST /api/v1/apps/{id}/deploy`. */
export const appDeployRestInput = restAppPath
  .extend({ rebuild: options.rebuild, timeout_seconds: options.timeoutSeconds })
  .transform(({ id, rebuild, timeout_seconds }) => ({
    appId: id,
    rebuild,
    timeoutSeconds: timeout_seconds,
  }));

/** A deployment as the apps page shows it. */
export const deploymentToRest = restOutput(restDeployment, deploymentToRestShape);
