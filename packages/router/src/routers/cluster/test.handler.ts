import { errorMessage } from '@flotilla/errors';
import { clusterProcedure, type Meta } from '../../trpc.ts';
import { readCluster } from './adoption.ts';
import { clusterTestInput, clusterTestOutput } from './test.schema.ts';

export const meta = {
  summary:
    'Reach the cluster now: the first manager that answers (with its pinned host key), the orchestrator version, node count and health; changes nothing',
  http: { method: 'POST' },
  input: clusterTestInput,
  output: clusterTestOutput,
} satisfies Meta;

export const procedure = clusterProcedure('view', clusterTestInput)
  .meta(meta)
  .output(clusterTestOutput)
  .mutation(async ({ ctx }) => {
    const { cluster } = ctx;
    const unreachable = (reason: string) => ({
      reachable: false,
      health: 'unreachable' as const,
      manager: null,
      orchestrator: cluster.orchestrator,
      version: null,
      nodeCount: 0,
      readyCount: 0,
      latencyMs: null,
      reason,
    });
    const reading = await readCluster(ctx.db, ctx.sealer, cluster);
    if (!reading.reached) return unreachable(`no manager answers: ${reading.reasons.join('; ')}`);
    const { node, latencyMs } = reading.reached;
    if ('error' in reading) {
      return unreachable(
        `${node.name} answered SSH but not as a manager: ${errorMessage(reading.error)}`,
      );
    }
    const { discovery } = reading;
    const ready = discovery.nodes.filter((n) => n.ready).length;
    const notReady = discovery.nodes.filter((n) => !n.ready).map((n) => n.hostname);
    return {
      reachable: true,
      health: notReady.length === 0 ? ('healthy' as const) : ('degraded' as const),
      manager: node.name,
      orchestrator: discovery.orchestrator,
      version: discovery.version,
      nodeCount: discovery.nodes.length,
      readyCount: ready,
      latencyMs,
      reason: notReady.length ? `not ready: ${notReady.join(', ')}` : null,
    };
  });
