import { app, appRef, restAppPath } from './schema.ts';

export const appOneInput = appRef;
export const appOneOutput = app;

/** `GET /api/v1/apps/{id}`. */
export const appOneRestInput = restAppPath.transform(({ id }) => ({ appId: id }));
