import { z } from 'zod';
import { databaseEngineSchema } from './schema.ts';

export const databaseEnginesOutput = z.array(
  z.object({
    engine: databaseEngineSchema,
    /** The image's repository in the organization's registry: `<registry>/<repository>:<version>`. */
    repository: z.string(),
    versions: z.array(z.string()),
    defaultVersion: z.string(),
    /** The port the server listens on inside the cluster. */
    port: z.number().int(),
  }),
);
