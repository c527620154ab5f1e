// What every provisioning job of one worker process shares, made once per process: the SSH
// connections (one per server), the cloud accounts' request budgets (in Redis, shared with every
// other process), the reader of each cluster's node list, the pacing of joins per manager, and
// the one read of a cluster's rows for every node waiting on them.
import type { Config } from '@flotilla/config';
import type { Db } from '@flotilla/db';
import type { Logger } from '@flotilla/log';
import { createRedisRateBudgets, type RateBudgets } from '@flotilla/providers';
import { createRedis } from '@flotilla/redis';
import { createSshPool, type SshPool } from '@flotilla/ssh';
import { loadCluster } from './cluster-record.ts';
import { type ClusterWatch, createClusterWatch } from './cluster-watch.ts';
import { createJoinPacing, type JoinPacing } from './orchestrators/join-pacing.ts';
import { createReadinessBoard, type ReadinessBoard } from './orchestrators/readiness.ts';

export interface SharedProvisioning {
  ssh: SshPool;
  rateBudgets: RateBudgets;
  readiness: ReadinessBoard;
  joins: JoinPacing;
  clusterWatch: ClusterWatch;
  close(): Promise<void>;
}

export function createSharedProvisioning(config: Config, log: Logger, db: Db): SharedProvisioning {
  // Commands fail at once while Redis is away; the budgets then let requests through unthrottled
  // (the provider's own 429s still hold them back) and say so once.
  const redis = createRedis(config, 'client');
  redis.on('error', (error) => log.debug({ err: error }, 'rate budget redis error'));
  const ssh = createSshPool();
  return {
    ssh,
    rateBudgets: createRedisRateBudgets({
      redis,
      prefix: config.QUEUE_PREFIX,
      limits: {
        hetzner: { api: config.HETZNER_RATE_LIMIT },
        digitalocean: { api: config.DIGITALOCEAN_RATE_LIMIT },
      },
      log,
    }),
    readiness: createReadinessBoard({ log }),
    joins: createJoinPacing(),
    clusterWatch: createClusterWatch({ read: (clusterId) => loadCluster({ db }, clusterId) }),
    async close() {
      await ssh.close();
      redis.disconnect();
    },
  };
}
