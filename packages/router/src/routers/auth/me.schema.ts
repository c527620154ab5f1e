import { z } from 'zod';
import { organizationSummary, user } from './schema.ts';

export const meOutput = user.extend({
  /** Administers the instance itself (controlPlane.*, admin.*, quotas). */
  instanceAdmin: z.boolean(),
  organizations: z.array(organizationSummary),
});
