import { describe, expect, it } from 'vitest';
import { FieldError } from '../src/errors.ts';
import { clusterCreateInput } from '../src/routers/cluster/create.schema.ts';
import { swarmManagerRule, validateTopology } from '../src/routers/cluster/topology.ts';

const cloud = (orchestrator: string, groups: [string, number][], region = 'fra1') =>
  clusterCreateInput.parse({
    organizationId: 'org_1',
    name: 'c',
    provider: 'digitalocean',
    region,
    orchestrator,
    nodes: groups.map(([role, count]) => ({ role, plan: 'small', count })),
  });

function issues(run: () => void) {
  try {
    run();
    return [];
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    return error.issues;
  }
}

describe('validateTopology', () => {
  it('accepts odd Swarm manager counts and any Kubernetes count of at least one', () => {
    for (const managers of [1, 3, 5, 7]) {
      expect(issues(() => validateTopology(cloud('swarm', [['manager', managers]])))).toEqual([]);
    }
    for (const managers of [1, 2, 4]) {
      expect(issues(() => validateTopology(cloud('kubernetes', [['manager', managers]])))).toEqual(
        [],
      );
    }
  });

  it('explains the Raft quorum when a Swarm has an even manager count', () => {
    const found = issues(() =>
      validateTopology(
        cloud('swarm', [
          ['manager', 2],
          ['worker', 3],
        ]),
      ),
    );
    expect(found).toEqual([
      { path: 'nodes', message: expect.stringMatching(/odd number.*got 2.*quorum/) },
    ]);
    expect(swarmManagerRule(4)).toMatch(/got 4/);
    expect(swarmManagerRule(0)).toMatch(/at least 1/);
  });

  it('counts managers across groups and limits a cluster to 100 nodes', () => {
    expect(
      issues(() =>
        validateTopology(
          cloud('swarm', [
            ['manager', 1],
            ['manager', 2],
          ]),
        ),
      ),
    ).toHaveLength(0);
    const tooMany = issues(() =>
      validateTopology(
        cloud('kubernetes', [
          ['manager', 1],
          ['worker', 60],
          ['worker', 40],
        ]),
      ),
    );
    expect(tooMany).toEqual([{ path: 'nodes', message: 'at most 100 nodes, got 101' }]);
  });

  it("lists the provider's regions when the region is unknown", () => {
    const found = issues(() => validateTopology(cloud('kubernetes', [['manager', 1]], 'nbg1')));
    expect(found[0]?.path).toBe('region');
    expect(found[0]?.message).toContain('for digitalocean; valid: nyc1');
  });

  it('refuses the same server twice in an ssh cluster', () => {
    const input = clusterCreateInput.parse({
      organizationId: 'org_1',
      name: 'own',
      provider: 'ssh',
      orchestrator: 'swarm',
      sshKeyId: 'key_1',
      nodes: [
        { role: 'manager', host: '10.0.0.1' },
        { role: 'worker', host: '10.0.0.1', port: 22 },
      ],
    });
    expect(issues(() => validateTopology(input))).toEqual([
      { path: 'nodes.1.host', message: '10.0.0.1:22 is listed twice' },
    ]);
  });
});
