import { z } from 'zod';
import { assignmentRef } from './schema.ts';

export const controlPlaneDeleteAssignmentInput = assignmentRef;

/** removed: false when there was no assignment. */
export const controlPlaneDeleteAssignmentOutput = z.object({ removed: z.boolean() });
