import { z } from 'zod';
import { appId } from '../app/schema.ts';
import { database, databaseId, restDatabasePath } from './schema.ts';

export const databaseBindInput = z.object({ databaseId, appId });
export const databaseBindOutput = database;

/** `POST /api/v1/managed-databases/{id}/bind` with `app_id`. */
export const databaseBindRestInput = restDatabasePath
  .extend({ app_id: appId })
  .transform(({ id, app_id }) => ({ databaseId: id, appId: app_id }));
