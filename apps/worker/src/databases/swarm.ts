// The Swarm a database runs on, as a database job reaches it: the cluster's first answering
// manager (the apps' path, host keys held to the pinned ones) and @flotilla/deploy's database
// operations over it, each node's own engine reached when a task's container is needed.
import { createSwarmDatabases, type SwarmDatabases } from '@flotilla/deploy';
import { type AppSwarm, reachSwarm } from '../apps/swarm.ts';
import type { Engine } from '../engine.ts';

export interface DatabaseSwarm extends AppSwarm {
  databases: SwarmDatabases;
}

export async function reachDatabases(engine: Engine, clusterId: string): Promise<DatabaseSwarm> {
  const swarm = await reachSwarm(engine, clusterId);
  return {
    ...swarm,
    databases: createSwarmDatabases({
      manager: swarm.manager,
      engineForNode: swarm.engineForNode,
      pollMs: engine.settings.apps.pollMs,
    }),
  };
}
