// The driver for a cluster's orchestrator: Docker Swarm or Kubernetes (k3s).
import type { Orchestrator } from '@flotilla/db';
import type { EngineSettings } from '../engine.ts';
import type { OrchestratorDriver } from './driver.ts';
import { k3sDriver } from './k3s.ts';
import { swarmDriver } from './swarm.ts';

export type { OrchestratorDriver, OrchestratorNode } from './driver.ts';

export function driverFor(
  orchestrator: Orchestrator,
  settings: EngineSettings,
): OrchestratorDriver {
  return orchestrator === 'swarm' ? swarmDriver(settings) : k3sDriver(settings);
}
