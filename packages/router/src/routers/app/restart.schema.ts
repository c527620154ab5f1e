import { z } from 'zod';
import { appRef, restAppPath } from './schema.ts';

export const appRestartInput = appRef;
export const appRestartOutput = z.object({
  appId: z.string(),
  /** Counts the app's restarts; the job that carries this one out is `restartApp.<app>.<n>`. */
  restart: z.number().int(),
});

/** `POST /api/v1/apps/{id}/restart`. */
export const appRestartRestInput = restAppPath.transform(({ id }) => ({ appId: id }));
