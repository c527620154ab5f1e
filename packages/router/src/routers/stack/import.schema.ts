import { z } from 'zod';
import {
  composeUploadFields,
  formBoolean,
  oneComposeSource,
  stackClusterName,
  stackDescription,
  stackId,
  stackName,
  stackPlacement,
  stackWithAnalysis,
} from './schema.ts';

/**
 * A docker-compose file becomes a stack: a new one (name, cluster…), or, with `stackId`, the new
 * draft of an existing one. With `deploy` the draft is deployed at once (a version and a run).
 */
export const stackImportInput = z
  .object({
    ...stackPlacement,
    ...composeUploadFields,
    stackId: stackId.optional(),
    /** Required for a new stack. */
    name: stackName.optional(),
    stackName: stackClusterName.optional(),
    description: stackDescription.optional(),
    deploy: formBoolean.default(false),
  })
  .superRefine(oneComposeSource);
export const stackImportOutput = stackWithAnalysis;
