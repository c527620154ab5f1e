import { stack, stackDescription, stackName, stackRef } from './schema.ts';

/** What changes; the name on the cluster never does (it prefixes every running service). */
export const stackUpdateInput = stackRef.extend({
  name: stackName.optional(),
  description: stackDescription.optional(),
});
export const stackUpdateOutput = stack;
