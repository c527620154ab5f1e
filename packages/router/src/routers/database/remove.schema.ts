import { z } from 'zod';
import { databaseRef, restDatabasePath } from './schema.ts';

export const databaseRemoveInput = databaseRef;
export const databaseRemoveOutput = z.void();

/** `DELETE /api/v1/managed-databases/{id}` → 204. */
export const databaseRemoveRestInput = restDatabasePath.transform(({ id }) => ({
  databaseId: id,
}));
