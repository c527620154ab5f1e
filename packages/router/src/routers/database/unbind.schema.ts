import { database, databaseRef, restDatabasePath } from './schema.ts';

export const databaseUnbindInput = databaseRef;
export const databaseUnbindOutput = database;

/** `POST /api/v1/managed-databases/{id}/unbind`. */
export const databaseUnbindRestInput = restDatabasePath.transform(({ id }) => ({
  databaseId: id,
}));
