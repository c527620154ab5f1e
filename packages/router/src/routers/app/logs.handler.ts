import type { LogLine } from '@flotilla/docker';
import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { readLive } from './live.ts';
import { appLogsInput, appLogsOutput, type LogLineOut, sinceSeconds } from './logs.schema.ts';

export const meta = {
  summary: "The last lines the app's tasks printed, from every node (live stream: app.logStream)",
  http: { method: 'GET' },
  input: appLogsInput,
  output: appLogsOutput,
} satisfies Meta;

/** Why logs of apps on Kubernetes are a 501 (the stream's too). */
export const kubernetesLogsUnavailable =
  "Logs of apps on Kubernetes clusters are not available yet: pod logs come from each node's kubelet, which Flotilla does not read yet";

export function logLineOut(line: LogLine): LogLineOut {
  return {
    time: line.time,
    stream: line.stream,
    taskId: line.taskId ?? null,
    nodeId: line.nodeId ?? null,
    message: line.message,
  };
}

export const procedure = appProcedure('view', appLogsInput)
  .meta(meta)
  .output(appLogsOutput)
  .query(({ ctx, input }) =>
    readLive(ctx, ctx.cluster, {
      swarm: async (swarm) => {
        if (!(await swarm.engine.service(ctx.app.serviceName))) return [];
        const since = sinceSeconds(input.since);
        const lines = await swarm.target.logs(ctx.app.serviceName, {
          tail: input.tail,
          ...(since !== undefined ? { since } : {}),
        });
        return lines.sort((a, b) => a.time.localeCompare(b.time)).map(logLineOut);
      },
      kubernetes: { unavailable: kubernetesLogsUnavailable },
    }),
  );
