// The worker as a node of the control plane: registered under FLOTILLA_NODE_NAME (another worker
// online under that name refuses the start), heartbeating, and on every beat moving waiting jobs
// whose routing changed (a pin set elsewhere, a preferred node gone offline) to where they
// belong; the outbox dispatcher carries the moves out. Its own queues (`nodes@<name>`, …) are
// consumed beside the shared ones by startWorker.
import type { Config } from '@flotilla/config';
import type { Db } from '@flotilla/db';
import type { Logger } from '@flotilla/log';
import { type NodeNameTakenError, type Queues, rebalanceJobs, registerNode } from '@flotilla/queue';
import { version } from './version.ts';

export interface WorkerNode {
  name: string;
  /** Marks the node offline at once and stops moving jobs. */
  stop(): Promise<void>;
}

export async function joinControlPlane({
  config,
  db,
  queues,
  log,
  onLost,
}: {
  config: Config;
  db: Db;
  queues: Queues;
  log: Logger;
  onLost: (error: NodeNameTakenError) => void;
}): Promise<WorkerNode> {
  const node = await registerNode(
    { name: config.FLOTILLA_NODE_NAME, role: 'worker', tags: config.FLOTILLA_NODE_TAGS, version },
    { db, log, heartbeatMs: config.FLOTILLA_HEARTBEAT_MS, onLost },
  );
  let passing: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    passing ??= rebalanceJobs({ db, queues })
      .catch((error) => log.warn({ err: error }, 'waiting jobs not rebalanced'))
      .finally(() => {
        passing = undefined;
      });
  }, config.FLOTILLA_HEARTBEAT_MS);
  timer.unref();
  return {
    name: node.name,
    async stop() {
      clearInterval(timer);
      await node.stop();
      await passing;
    },
  };
}
