import { z } from 'zod';
import { appRef, restAppPath } from './schema.ts';

export const appRemoveInput = appRef;
export const appRemoveOutput = z.void();

/** `DELETE /api/v1/apps/{id}`. */
export const appRemoveRestInput = restAppPath.transform(({ id }) => ({ appId: id }));
