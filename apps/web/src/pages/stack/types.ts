// The stack pages' data, as the API returns it; shared by the pages and their sections.
import type { Outputs } from '../../trpc.ts';

export type Stack = Outputs['stack']['one'];
export type StackRun = Outputs['stack']['runs'][number];
export type StackVersion = Outputs['stack']['versions'][number];
/** What the analysis of a compose file says (stack.analyze adds a preview; stack.save does not). */
export type Analysis = Omit<Outputs['stack']['analyze'], 'preview'>;
export type Finding = Analysis['findings'][number];

/** Runs still under way: the page watches them live. */
export const runInFlight = new Set<StackRun['status']>(['queued', 'deploying']);
