import { analysisSchema } from '@flotilla/compose/schemas';
import { z } from 'zod';
import { composeUploadFields, oneComposeSource, stackId, stackServiceSummary } from './schema.ts';

/**
 * A compose file — its text (`compose`), or the file (multipart/form-data field `file`) — and
 * the variables it may use.
 */
export const stackAnalyzeInput = z
  .object({
    compose: composeUploadFields.compose,
    file: composeUploadFields.file,
    variables: composeUploadFields.variables,
    profiles: composeUploadFields.profiles,
    /**
     * Analyze as this stack's draft would be: with its stored variables and profiles where none
     * are given (view permission; the values never leave the server). The editor's checks.
     */
    stackId: stackId.optional(),
  })
  .superRefine(oneComposeSource);
export const stackAnalyzeOutput = analysisSchema.extend({
  /**
   * The services a stack would get on Swarm, with what is `dropped` left out; empty when the
   * file has a blocker there.
   */
  preview: z.array(stackServiceSummary),
});
