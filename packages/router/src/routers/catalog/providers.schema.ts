import { z } from 'zod';

export const catalogOutput = z.object({
  providers: z.array(
    z.object({
      id: z.enum(['digitalocean', 'hetzner', 'aws', 'ssh']),
      label: z.string(),
      /** Empty for `ssh`: the user's own servers have no region or plan to choose. */
      regions: z.array(z.object({ code: z.string(), name: z.string() })),
      plans: z.array(
        z.object({
          plan: z.enum(['nano', 'micro', 'small', 'medium', 'power']),
          machineType: z.string(),
          vcpus: z.number(),
          memoryGb: z.number(),
        }),
      ),
    }),
  ),
  orchestrators: z.array(z.enum(['kubernetes', 'swarm'])),
  maxNodesPerCluster: z.number().int(),
});
