// Rules about a cluster's shape that span fields: regions of the chosen provider, manager
// counts per orchestrator, the node limit. Each failure names the field and what is allowed.
import { regionCodes } from '@flotilla/providers/catalog';
import { FieldError, type FieldIssue } from '../../errors.ts';
import type { ClusterCreateInput } from './create.schema.ts';
import { maxNodesPerCluster } from './schema.ts';

/** Why Swarm needs an odd number of managers, in words a user can act on. */
export function swarmManagerRule(managers: number): string | null {
  if (managers < 1) return 'a Swarm needs at least 1 manager';
  if (managers % 2 === 0) {
    return `a Swarm needs an odd number of managers (1, 3, 5…), got ${managers}: Raft keeps working only while a majority (quorum) of managers is up, and an even count tolerates no more failures than one fewer`;
  }
  return null;
}

export function managerRule(orchestrator: 'kubernetes' | 'swarm', managers: number): string | null {
  if (orchestrator === 'swarm') return swarmManagerRule(managers);
  return managers < 1 ? 'a Kubernetes cluster needs at least 1 manager (server) node' : null;
}

export function validateTopology(input: ClusterCreateInput): void {
  const issues: FieldIssue[] = [];
  let managers = 0;
  let total = 0;
  if (input.provider === 'ssh') {
    const seen = new Set<string>();
    input.nodes.forEach((node, index) => {
      const at = `${node.host}:${node.port}`;
      if (seen.has(at))
        issues.push({ path: `nodes.${index}.host`, message: `${at} is listed twice` });
      seen.add(at);
      if (node.role === 'manager') managers++;
    });
    total = input.nodes.length;
  } else {
    const regions = regionCodes(input.provider);
    if (!regions.includes(input.region)) {
      issues.push({
        path: 'region',
        message: `unknown region "${input.region}" for ${input.provider}; valid: ${regions.join(', ')}`,
      });
    }
    for (const group of input.nodes) {
      total += group.count;
      if (group.role === 'manager') managers += group.count;
    }
  }
  if (total > maxNodesPerCluster) {
    issues.push({ path: 'nodes', message: `at most ${maxNodesPerCluster} nodes, got ${total}` });
  }
  const rule = managerRule(input.orchestrator, managers);
  if (rule) issues.push({ path: 'nodes', message: rule });
  if (issues.length > 0) throw new FieldError(issues);
}
