import { z } from 'zod';
import { restOutput } from '../../schemas/rest.ts';
import { orchestratorSchema, providerSchema } from '../cluster/schema.ts';

export const platformConfigOutput = z.object({
  version: z.string(),
  /** Anyone may register (else the first user, then by invitation). */
  openSignup: z.boolean(),
  /** Where clusters can be made: the cloud providers and `ssh` (one's own servers). */
  providers: z.array(z.object({ id: providerSchema, label: z.string() })),
  orchestrators: z.array(orchestratorSchema),
  /** How apps' ports are published on Swarm: the routing mesh, or each node for itself. */
  appPublishMode: z.enum(['ingress', 'host']),
  features: z.object({
    apps: z.boolean(),
    builds: z.boolean(),
    stacks: z.boolean(),
    templates: z.boolean(),
    managedDatabases: z.boolean(),
    nodeDrain: z.boolean(),
  }),
});

/** `GET /api/v1/platform/config`, snake_case. */
export const platformConfigToRest = restOutput(
  z.object({
    version: z.string(),
    open_signup: z.boolean(),
    providers: z.array(z.object({ id: providerSchema, label: z.string() })),
    orchestrators: z.array(orchestratorSchema),
    app_publish_mode: z.enum(['ingress', 'host']),
    features: z.object({
      apps: z.boolean(),
      builds: z.boolean(),
      stacks: z.boolean(),
      templates: z.boolean(),
      managed_databases: z.boolean(),
      node_drain: z.boolean(),
    }),
  }),
  (c: z.infer<typeof platformConfigOutput>) => ({
    version: c.version,
    open_signup: c.openSignup,
    providers: c.providers,
    orchestrators: c.orchestrators,
    app_publish_mode: c.appPublishMode,
    features: {
      apps: c.features.apps,
      builds: c.features.builds,
      stacks: c.features.stacks,
      templates: c.features.templates,
      managed_databases: c.features.managedDatabases,
      node_drain: c.features.nodeDrain,
    },
  }),
);
