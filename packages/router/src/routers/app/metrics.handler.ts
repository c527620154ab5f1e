import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { readLive } from './live.ts';
import { appMetricsInput, appMetricsOutput } from './metrics.schema.ts';

export const meta = {
  summary: 'CPU, memory, network and disk I/O of each running task, sampled live on its node',
  http: { method: 'GET' },
  input: appMetricsInput,
  output: appMetricsOutput,
} satisfies Meta;

export const procedure = appProcedure('view', appMetricsInput)
  .meta(meta)
  .output(appMetricsOutput)
  .query(({ ctx }) =>
    readLive(ctx, ctx.cluster, {
      swarm: async (swarm) => {
        const sampledAt = new Date().toISOString();
        const tasks = (await swarm.engine.service(ctx.app.serviceName))
          ? await swarm.target.metrics(ctx.app.serviceName)
          : [];
        const sum = (pick: (task: (typeof tasks)[number]) => number) =>
          tasks.reduce((total, task) => total + pick(task), 0);
        return {
          appId: ctx.app.id,
          sampledAt,
          tasks,
          total: {
            cpuPercent: sum((t) => t.cpuPercent),
            memoryBytes: sum((t) => t.memoryBytes),
            networkRxBytes: sum((t) => t.networkRxBytes),
            networkTxBytes: sum((t) => t.networkTxBytes),
            diskReadBytes: sum((t) => t.diskReadBytes),
            diskWriteBytes: sum((t) => t.diskWriteBytes),
          },
        };
      },
      kubernetes: {
        unavailable:
          'Metrics of apps on Kubernetes clusters are not available yet: pod metrics come from the metrics-server, which Flotilla does not read yet',
      },
    }),
  );
