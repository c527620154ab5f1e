import { catalog, cloudProviders, plans } from '@flotilla/providers/catalog';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { maxNodesPerCluster } from '../cluster/schema.ts';
import { catalogOutput } from './providers.schema.ts';

export const meta = {
  summary: 'Providers, their regions and plans (with machine types), orchestrators',
  http: { method: 'GET' },
  output: catalogOutput,
} satisfies Meta;

// Pure data from the one provider table: what cluster.create accepts, for forms and scripts.
const answer = {
  providers: [
    ...cloudProviders.map((id) => ({
      id,
      label: catalog[id].label,
      regions: catalog[id].regions.map(({ code, name }) => ({ code, name })),
      plans: plans.map((plan) => ({
        plan,
        machineType: catalog[id].machineTypes[plan].type,
        vcpus: catalog[id].machineTypes[plan].vcpus,
        memoryGb: catalog[id].machineTypes[plan].memoryGb,
      })),
    })),
    { id: 'ssh' as const, label: 'Your own servers (SSH)', regions: [], plans: [] },
  ],
  orchestrators: ['kubernetes' as const, 'swarm' as const],
  maxNodesPerCluster,
};

export const procedure = authedProcedure
  .meta(meta)
  .output(catalogOutput)
  .query(() => answer);
