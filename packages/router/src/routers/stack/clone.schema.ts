import { clusterId } from '../../schemas/common.ts';
import { stack, stackClusterName, stackDescription, stackName, stackRef } from './schema.ts';

/** A new draft stack with the same definition and variables, on the same or another cluster. */
export const stackCloneInput = stackRef.extend({
  name: stackName,
  stackName: stackClusterName.optional(),
  description: stackDescription.optional(),
  /** Default: the source stack's cluster. */
  clusterId: clusterId.optional(),
});
export const stackCloneOutput = stack;
