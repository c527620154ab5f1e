import { z } from 'zod';
import { restOutput } from '../../schemas/rest.ts';
import { appRef, restAppPath } from './schema.ts';

const usage = {
  /** Percent of one CPU, as `docker stats` shows it. */
  cpuPercent: z.number(),
  memoryBytes: z.number(),
  networkRxBytes: z.number(),
  networkTxBytes: z.number(),
  diskReadBytes: z.number(),
  diskWriteBytes: z.number(),
};

export const appMetricsInput = appRef;
export const appMetricsOutput = z.object({
  appId: z.string(),
  /** When the sample was taken (each task over about a second). */
  sampledAt: z.iso.datetime(),
  tasks: z.array(
    z.object({
      taskId: z.string(),
      nodeId: z.string(),
      ...usage,
      cpuTotalNanos: z.number(),
      memoryLimitBytes: z.number(),
    }),
  ),
  /** Sums over the running tasks. */
  total: z.object(usage),
});
type Metrics = z.infer<typeof appMetricsOutput>;

/** `GET /api/v1/apps/{id}/metrics`. */
export const appMetricsRestInput = restAppPath.transform(({ id }) => ({ appId: id }));

const restUsage = {
  cpu_percent: z.number(),
  memory_bytes: z.number(),
  network_rx_bytes: z.number(),
  network_tx_bytes: z.number(),
  disk_read_bytes: z.number(),
  disk_write_bytes: z.number(),
};
const usageToRest = (u: Metrics['total']) => ({
  cpu_percent: u.cpuPercent,
  memory_bytes: u.memoryBytes,
  network_rx_bytes: u.networkRxBytes,
  network_tx_bytes: u.networkTxBytes,
  disk_read_bytes: u.diskReadBytes,
  disk_write_bytes: u.diskWriteBytes,
});

export const appMetricsToRest = restOutput(
  z.object({
    sampled_at: z.iso.datetime(),
    tasks: z.array(
      z.object({
        task_id: z.string(),
        node_id: z.string(),
        ...restUsage,
        memory_limit_bytes: z.number(),
      }),
    ),
    total: z.object(restUsage),
  }),
  (metrics: Metrics) => ({
    sampled_at: metrics.sampledAt,
    tasks: metrics.tasks.map((task) => ({
      task_id: task.taskId,
      node_id: task.nodeId,
      ...usageToRest(task),
      memory_limit_bytes: task.memoryLimitBytes,
    })),
    total: usageToRest(metrics.total),
  }),
);
