import { z } from 'zod';
import { clusterDetail, clusterRef } from './schema.ts';

export const clusterRefreshInput = clusterRef;
export const clusterRefreshOutput = clusterDetail.extend({
  /** What the managers reported that the records did not hold yet, in words. */
  changes: z.array(z.string()),
});
