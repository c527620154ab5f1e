import { z } from 'zod';

export const controlPlaneQueueViewOutput = z.object({
  /** Where the queue view is served; the cookie just set opens it in this browser. */
  url: z.string(),
  /** When the cookie stops opening it (the dashboard session may end it sooner). */
  expiresAt: z.iso.datetime(),
});
