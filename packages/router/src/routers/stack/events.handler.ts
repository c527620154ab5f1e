// stack.events: a stack's runs as they happen — status changes (with each service's outcome)
// and log lines — served as server-sent events (at /api/stack.events and as a subscription).
import type { Db } from '@flotilla/db';
import type { StackEvent as HubEvent } from '@flotilla/lifecycle';
import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { type EventHub, liveStream } from '../../events.ts';
import type { Meta } from '../../trpc.ts';
import { stackProcedure } from './access.ts';
import { type stackEvent, stackEventsInput } from './events.schema.ts';

export const meta = {
  summary: "Live status changes and log lines of a stack's runs (server-sent events)",
  http: { method: 'GET', sse: true },
  input: stackEventsInput,
} satisfies Meta;

type StackEvent = z.infer<typeof stackEvent>;

const maxReplayedLines = 1_000;

function shape(event: HubEvent): StackEvent {
  const { clusterId: _, ...rest } = event;
  return rest;
}

function streamEvents(
  db: Db,
  hub: EventHub,
  stackId: string,
  afterLogId: bigint | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<StackEvent> {
  return liveStream<StackEvent>({
    subscribe: (push) => hub.subscribeStack(stackId, (event) => push(shape(event))),
    async replay() {
      if (afterLogId === undefined) return [];
      const missed = await db.stackRunLog.findMany({
        where: { run: { stackId }, id: { gt: afterLogId } },
        orderBy: { id: 'asc' },
        take: maxReplayedLines,
      });
      return missed.map((row) => ({
        kind: 'stackLog',
        stackId,
        runId: row.runId,
        id: row.id.toString(),
        service: row.service,
        level: row.level,
        message: row.message,
        at: row.createdAt.toISOString(),
      }));
    },
    lineId: (event) => (event.kind === 'stackLog' ? BigInt(event.id) : null),
    signal,
  });
}

// Access is checked before the stream starts, so a refusal is a plain 404/403.
export const procedure = stackProcedure('view', stackEventsInput)
  .meta(meta)
  .subscription(async ({ ctx, input, signal }) => {
    const hub = ctx.events;
    if (!hub) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'Live events are off' });
    const after = input.afterLogId === undefined ? undefined : BigInt(input.afterLogId);
    return streamEvents(ctx.db, hub, ctx.stack.id, after, signal);
  });
