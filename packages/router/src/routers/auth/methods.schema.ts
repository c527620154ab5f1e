import { z } from 'zod';
import { signupMode } from './status.schema.ts';

/** How one signs in to this instance, and how long a dashboard session lasts. */
export const authMethodsOutput = z.object({
  /** Sign-in methods offered: email and password today. */
  methods: z.array(z.enum(['password'])),
  signup: signupMode,
  session: z.object({
    /** A session ends after this long without a request… */
    idleTimeoutSeconds: z.number().int(),
    /** …and this long after signing in, whatever its use. */
    maxAgeSeconds: z.number().int(),
  }),
});
