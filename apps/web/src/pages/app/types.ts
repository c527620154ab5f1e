// The app pages' data, as the API returns it; shared by the pages and their sections.
import type { Outputs } from '../../trpc.ts';

export type App = Outputs['app']['one'];
export type Deployment = Outputs['app']['deployments'][number];
export type AppStatus = Outputs['app']['status'];
export type LogLine = Outputs['app']['logs'][number];

/** App states that change by themselves soon (the worker is at it). */
export const settlingApp = new Set<App['status']>(['building', 'deploying', 'deleting']);
/** Deployments still under way: they can be cancelled, and the page watches them closely. */
export const inFlight = new Set<Deployment['status']>(['queued', 'building', 'deploying']);
