import { catalog, cloudProviders, plans } from '@flotilla/providers/catalog';
import { catalogOutput } from '../schemas/catalog.ts';
import { maxNodesPerCluster } from '../schemas/cluster.ts';
import { authedProcedure, router } from '../trpc.ts';

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

export const catalogRouter = router({
  providers: authedProcedure
    .meta({
      http: { method: 'GET' },
      summary: 'Providers, their regions and plans (with machine types), orchestrators',
    })
    .output(catalogOutput)
    .query(() => answer),
});
