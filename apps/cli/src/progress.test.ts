import { describe, expect, it } from 'vitest';
import { colorsFor } from './io.ts';
import { ProgressView } from './progress.ts';
import type { ClusterDetail } from './types.ts';

const created = '2026-01-01T10:00:00.000Z';
const cluster: ClusterDetail = {
  id: 'cls_1',
  organizationId: 'org_1',
  name: 'lab',
  provider: 'ssh',
  region: 'self-hosted',
  orchestrator: 'swarm',
  status: 'provisioning',
  statusReason: 'cluster requested',
  nodeCount: 2,
  adopted: false,
  orchestratorVersion: null,
  createdAt: created,
  updatedAt: created,
  nodes: [1, 2].map((ordinal) => ({
    id: `node_${ordinal}`,
    clusterId: 'cls_1',
    name: `lab-${ordinal}`,
    role: ordinal === 1 ? ('manager' as const) : ('worker' as const),
    plan: null,
    ip: `10.0.0.${ordinal}`,
    status: 'provisioning' as const,
    statusReason: null,
    failureKind: null,
    ordinal,
    version: null,
    availability: 'active' as const,
    availabilityPending: false,
    state: 'not_ready' as const,
    createdAt: created,
  })),
};

function terminal(isTTY: boolean) {
  const writes: string[] = [];
  return {
    writes,
    out: { isTTY, columns: 100, write: (chunk: string) => writes.push(chunk) > 0 },
  };
}

const line = (id: string, nodeId: string | null, step: string, message: string) => ({
  id,
  nodeId,
  step,
  level: 'info' as const,
  message,
  workerNode: null,
  createdAt: '2026-01-01T10:00:05.000Z',
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: the escapes under test
const cursorUp = /\u001b\[(\d+)A\r\u001b\[J/;

describe('progress', () => {
  it('prints one plain line per step and status change when not on a terminal', () => {
    const { out, writes } = terminal(false);
    const view = new ProgressView({ out, colors: colorsFor(out, {}), live: false, cluster });
    view.log(line('1', 'node_1', 'ssh.wait', 'reaching 10.0.0.1:22'));
    view.status({
      kind: 'node',
      clusterId: 'cls_1',
      nodeId: 'node_2',
      from: 'provisioning',
      to: 'running',
      reason: null,
      at: '2026-01-01T10:00:09.000Z',
    });
    view.finish();
    const text = writes.join('');
    expect(text).toMatch(/^\d\d:\d\d:05 {2}lab-1 {2}ssh\.wait {2}reaching 10\.0\.0\.1:22\n/);
    expect(text).toMatch(/\d\d:\d\d:09 {2}lab-2 {2}→ running\n$/);
    expect(text).not.toContain('\u001b');
  });

  it("redraws a block of each node's current step under the lines on a terminal", () => {
    const { out, writes } = terminal(true);
    let now = Date.parse(created) + 4_000;
    const view = new ProgressView({
      out,
      colors: colorsFor(out, { NO_COLOR: '1' }),
      live: true,
      cluster,
      now: () => now,
    });
    view.log(line('1', 'node_1', 'docker.ensure', 'installing Docker'));
    now += 8_000;
    view.snapshot({
      ...cluster,
      nodes: cluster.nodes.map((n) => ({
        ...n,
        status: n.ordinal === 2 ? 'error' : 'running',
        statusReason: n.ordinal === 2 ? 'SSH did not answer' : null,
      })),
    });
    view.finish();
    const text = writes.join('');
    // The block (two node lines) is erased before the permanent line is written above it.
    expect(cursorUp.exec(text)?.[1]).toBe('2');
    expect(text).toContain('docker.ensure  installing Docker');
    const last = writes.at(-1) ?? '';
    expect(last).toMatch(/✔ lab-1 {2}manager {2}10\.0\.0\.1\s+12s {2}running/);
    expect(last).toMatch(/✖ lab-2 {2}worker {3}10\.0\.0\.2\s+12s {2}error {2}SSH did not answer/);
  });
});
