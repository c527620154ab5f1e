// cluster.events: a cluster's live status changes and provisioning log lines, served as
// server-sent events (at /api/cluster.events and as a tRPC subscription).
import type { Db } from '@flotilla/db';
import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { type EventHub, liveStream } from '../../events.ts';
import { clusterProcedure, type Meta } from '../../trpc.ts';
import { type clusterEvent, clusterEventsInput } from './events.schema.ts';

export const meta = {
  summary: 'Live status changes and log lines of a cluster (server-sent events)',
  http: { method: 'GET', sse: true },
  input: clusterEventsInput,
} satisfies Meta;

type ClusterEvent = z.infer<typeof clusterEvent>;

const maxReplayedLines = 1_000;

function streamEvents(
  db: Db,
  hub: EventHub,
  clusterId: string,
  afterLogId: bigint | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<ClusterEvent> {
  return liveStream<ClusterEvent>({
    subscribe: (push) => hub.subscribe(clusterId, push),
    async replay() {
      if (afterLogId === undefined) return [];
      const missed = await db.provisioningLog.findMany({
        where: { clusterId, id: { gt: afterLogId } },
        orderBy: { id: 'asc' },
        take: maxReplayedLines,
      });
      return missed.map((row) => ({
        kind: 'log',
        clusterId,
        id: row.id.toString(),
        nodeId: row.nodeId,
        step: row.step,
        level: row.level,
        message: row.message,
        workerNode: row.workerNode,
        at: row.createdAt.toISOString(),
      }));
    },
    lineId: (event) => (event.kind === 'log' ? BigInt(event.id) : null),
    signal,
  });
}

// Access is checked before the stream starts (clusterProcedure), so a refusal is a plain
// 404/403, not a broken stream.
export const procedure = clusterProcedure('view', clusterEventsInput)
  .meta(meta)
  .subscription(async ({ ctx, input, signal }) => {
    const hub = ctx.events;
    if (!hub) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'Live events are off' });
    const after = input.afterLogId === undefined ? undefined : BigInt(input.afterLogId);
    return streamEvents(ctx.db, hub, ctx.cluster.id, after, signal);
  });
