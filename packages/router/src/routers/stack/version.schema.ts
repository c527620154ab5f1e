import { z } from 'zod';
import { stackRef, stackServiceSummary, stackVersionSummary, versionNumber } from './schema.ts';

export const stackVersionInput = stackRef.extend({ version: versionNumber });
export const stackVersionOutput = stackVersionSummary.extend({
  /** The compose file as it was given. */
  compose: z.string(),
  profiles: z.array(z.string()),
  services: z.array(z.string()),
  definition: z.array(stackServiceSummary),
  /**
   * The file `docker stack deploy` took, variables substituted: only for those who may manage
   * the stack (the read is audited); null for the others.
   */
  rendered: z.string().nullable(),
});
