import { database, databaseRef, restDatabasePath } from './schema.ts';

export const databaseOneInput = databaseRef;
export const databaseOneOutput = database;

/** `GET /api/v1/managed-databases/{id}`. */
export const databaseOneRestInput = restDatabasePath.transform(({ id }) => ({ databaseId: id }));
