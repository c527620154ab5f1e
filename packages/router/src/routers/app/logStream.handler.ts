import type { DeployTarget } from '@flotilla/deploy';
import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { readLive } from './live.ts';
import { type appLogEvent, appLogStreamInput } from './logStream.schema.ts';
import { kubernetesLogsUnavailable, logLineOut } from './logs.handler.ts';

export const meta = {
  summary: "The app's log lines as they are printed, from every node (server-sent events)",
  http: { method: 'GET', sse: true },
  input: appLogStreamInput,
} satisfies Meta;

type LogEvent = z.infer<typeof appLogEvent>;

async function* follow(
  target: DeployTarget,
  service: string,
  tail: number,
  signal: AbortSignal,
): AsyncGenerator<LogEvent> {
  for await (const line of target.followLogs(service, { tail, signal })) {
    yield { kind: 'log', ...logLineOut(line) };
  }
}

// The manager is reached (and access checked) before the stream starts, so a cluster that does
// not answer is a plain 503, not a stream that ends at once.
export const procedure = appProcedure('view', appLogStreamInput)
  .meta(meta)
  .subscription(async ({ ctx, input, signal }) => {
    const controller = new AbortController();
    signal?.addEventListener('abort', () => controller.abort(), { once: true });
    return readLive(ctx, ctx.cluster, {
      swarm: async (swarm) => {
        // Ask before streaming: an app with no service yet has nothing to follow (404 with why).
        if (!(await swarm.engine.service(ctx.app.serviceName))) {
          throw new TRPCError({
            code: 'NOT_FOUND',
            message: `App "${ctx.app.name}" has no service on its cluster yet: deploy it first`,
          });
        }
        return follow(swarm.target, ctx.app.serviceName, input.tail, controller.signal);
      },
      kubernetes: { unavailable: kubernetesLogsUnavailable },
    });
  });
