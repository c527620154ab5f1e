// One container's resource use from a stats sample, computed as `docker stats` does.
import type { ContainerStats } from './types.ts';

export interface ContainerMetrics {
  /** Share of one CPU over the sample's interval × 100 (200 = two CPUs busy). */
  cpuPercent: number;
  /** CPU time used since the container started, in nanoseconds. */
  cpuTotalNanos: number;
  /** Memory in use, without the page cache (what the kernel could reclaim). */
  memoryBytes: number;
  memoryLimitBytes: number;
  networkRxBytes: number;
  networkTxBytes: number;
  diskReadBytes: number;
  diskWriteBytes: number;
}

export function containerMetrics(stats: ContainerStats): ContainerMetrics {
  const cpu = stats.cpu_stats;
  const pre = stats.precpu_stats;
  const cpuDelta = cpu.cpu_usage.total_usage - (pre?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
  const cpus = cpu.online_cpus ?? cpu.cpu_usage.percpu_usage?.length ?? 1;
  const cpuPercent =
    systemDelta > 0 && cpuDelta > 0 && pre?.system_cpu_usage
      ? (cpuDelta / systemDelta) * cpus * 100
      : 0;
  const memory = stats.memory_stats;
  // cgroup v1 reports the cache as total_inactive_file/cache, v2 as inactive_file.
  const cache =
    memory.stats?.total_inactive_file ?? memory.stats?.inactive_file ?? memory.stats?.cache ?? 0;
  const networks = Object.values(stats.networks ?? {});
  const io = stats.blkio_stats?.io_service_bytes_recursive ?? [];
  const sumIo = (op: string) =>
    io
      .filter((entry) => entry.op.toLowerCase() === op)
      .reduce((sum, entry) => sum + entry.value, 0);
  return {
    cpuPercent,
    cpuTotalNanos: cpu.cpu_usage.total_usage,
    memoryBytes: Math.max(0, (memory.usage ?? 0) - cache),
    memoryLimitBytes: memory.limit ?? 0,
    networkRxBytes: networks.reduce((sum, n) => sum + n.rx_bytes, 0),
    networkTxBytes: networks.reduce((sum, n) => sum + n.tx_bytes, 0),
    diskReadBytes: sumIo('read'),
    diskWriteBytes: sumIo('write'),
  };
}
